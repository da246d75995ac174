// Closed forms of Prop D.5 / Cor D.6 / Prop D.8 (theory/lora_bounds.hpp) on hand-computed instances, and the
// k-sample comparison in the one-sample case where Thm 3.1/3.2 give the answer.
#include "theory/lora_bounds.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("lora bounds: thresholds and inflation factors of a hand-computed u", "[theory][lora]") {
  // u = (1, −2, 0, 3): ‖u‖1 = 6, ‖u‖2² = 14, ‖u‖∞ = 3, ‖u‖0 = 3; r0 = (2, −1): ‖r0‖∞ = 2, ‖r0‖2 = √5.
  VecD u(4), r0(2);
  u << 1, -2, 0, 3;
  r0 << 2, -1;
  const BudgetThresholds<double> t = budget_thresholds<double>(u, r0);
  CHECK(t.rho_max == Approx(1.0 / 3).epsilon(1e-15));
  CHECK(t.rho_2 == Approx(std::sqrt(5.0 / 14)).epsilon(1e-15));
  CHECK(t.rho_muon_max == Approx(3.0 / 7).epsilon(1e-15));
  CHECK(t.rho_sign_2 == Approx(std::sqrt(15.0) / 6).epsilon(1e-15));
  CHECK(inflation_f1<double>(u) == Approx(9.0 / 7).epsilon(1e-15));
  CHECK(inflation_f2<double>(u) == Approx(std::sqrt(42.0) / 6).epsilon(1e-15));
  // Prop D.5 at ρ = 1/6 (ρ‖u‖1 = 1): ½((2 − 1)² + (1 − 1)²) = ½; E_2 at ρ*_μ is 0.
  CHECK(e_max_closed<double>(u, r0, 1.0 / 6) == Approx(0.5).epsilon(1e-15));
  CHECK(e_2_closed<double>(u, r0, t.rho_2) <= 1e-30);
  // The scaled mismatched correction at half its norm leaves ¼ of the loss ½‖r0‖² = 5/2.
  CHECK(e_scaled_correction<double>(r0, t.rho_muon_max / 2, t.rho_muon_max) == Approx(5.0 / 8).epsilon(1e-15));
}

TEST_CASE("lora bounds: the old-task formulas equal 1/2||B* A x||^2 exactly in rationals", "[theory][lora]") {
  VecQ u(3), r0(2), ax(3);
  u << 2, Rational(-1, 2), 1;
  r0 << 1, -3;
  ax << Rational(1, 3), 4, -1;
  // B*_s = r0 sign(u)ᵀ/‖u‖1, B*_μ = r0 uᵀ/‖u‖2².
  const MatQ bs = r0 * spectral::sign(u).transpose() / spectral::norm_l1(u);
  const MatQ bm = r0 * u.transpose() / spectral::norm_l2_sq(u);
  CHECK(old_loss_signgd_closed<Rational>(r0, u, ax) == spectral::norm_l2_sq(VecQ(bs * ax)) / Rational(2));
  CHECK(old_loss_muon_closed<Rational>(r0, u, ax) == spectral::norm_l2_sq(VecQ(bm * ax)) / Rational(2));
}

TEST_CASE("lora bounds: curves, grid and bad input", "[theory][lora]") {
  const BudgetCurves c = budget_curves({"1", "-2", "3"}, {"2", "-1"}, {0.0, 0.1, 1.0}, 30, true);
  REQUIRE(c.rows.size() == 3);
  CHECK(c.rows[0].e_max == Approx(2.5).epsilon(1e-15));  // ρ = 0: ½‖r0‖²
  for (const auto& r : c.rows) {
    CHECK(r.e_max_solver == Approx(r.e_max).margin(1e-25));
    CHECK(r.e_2_solver == Approx(r.e_2).margin(1e-25));
    CHECK(r.e_max <= r.e_max_muon + 1e-15);  // the matched optimizer is never worse under its own budget
    CHECK(r.e_2 <= r.e_2_sign + 1e-15);
  }
  const std::vector<double> g = budget_grid(c.thresholds, 5, 1.5);
  for (double t : c.thresholds) CHECK(std::find(g.begin(), g.end(), t) != g.end());
  CHECK(std::is_sorted(g.begin(), g.end()));
  CHECK_THROWS_AS(budget_curves({"0", "0"}, {"1"}, {0.5}, 0, false), InputError);
  CHECK_THROWS_AS(budget_curves({"1", "0"}, {"0"}, {0.5}, 0, false), InputError);
  CHECK_THROWS_AS(budget_curves({"1", "2"}, {"1"}, {-0.5}, 0, false), InputError);
  CHECK_THROWS_AS(budget_curves({"1", "x"}, {"1"}, {0.5}, 0, false), InputError);
  MatD a = MatD::Zero(2, 2);
  VecD z(2), r0(1);
  z << 1, 1;
  r0 << 1;
  CHECK_THROWS_AS(lora_report(a, z, r0, 0), InputError);  // A z = 0
}

TEST_CASE("k samples with k = 1: SignGD and idealized Muon reach the min max-norm / min spectral-norm values",
          "[theory][lora][ksample]") {
  // Thm 3.1/3.2 with η_t = η0/(t+1): the limits are within Lemma D.1's band η_T ≈ η0/T of the minima, so after
  // 3000 steps a relative 1e-2 is far outside the band and far inside the gap between the two candidates.
  const KSampleComparison s = compare_ksample_limit("signgd", 3, 4, 1, 3000, 7);
  CHECK(s.norm_max == Approx(s.min_norm_max).epsilon(1e-2));
  CHECK(s.residual < 1e-2);
  const KSampleComparison m = compare_ksample_limit("muon-ideal", 3, 4, 1, 3000, 7);
  CHECK(m.norm_2 == Approx(m.min_norm_2).epsilon(1e-2));
  CHECK(m.dist_frobenius < 1e-2);
  CHECK_THROWS_AS(compare_ksample_limit("signgd", 3, 4, 5, 10, 1), InputError);
}
