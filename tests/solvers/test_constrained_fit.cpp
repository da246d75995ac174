// The budget solvers (solvers/constrained_fit.hpp) against Prop D.5's closed forms, which the solvers do not use.
#include "solver_test_util.hpp"

#include "solvers/constrained_fit.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

namespace {

// The oracle (Prop D.5), written out here so the test does not depend on theory/.
template <class S>
S e_max_oracle(const Vec<S>& z, const Vec<S>& r0, const S& rho) {
  using std::abs;
  S e(0);
  for (Eigen::Index i = 0; i < r0.size(); ++i) {
    const S d = abs(r0(i)) - rho * spectral::norm_l1(z);
    if (d > S(0)) e += d * d;
  }
  return e / S(2);
}
template <class S>
S e_2_oracle(const Vec<S>& z, const Vec<S>& r0, const S& rho) {
  const S d = spectral::norm_l2(r0) - rho * spectral::norm_l2(z);
  return d > S(0) ? S(d * d / S(2)) : S(0);
}

}  // namespace

TEMPLATE_TEST_CASE("budget solvers: E_max and E_2 match Prop D.5 below, at and above the thresholds, with a gap "
                   "certificate at the rounding level",
                   "[solvers][budget]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  const Vec<S> z = fixed_matrix<S>(5, 1, 11).col(0), r0 = fixed_matrix<S>(3, 1, 12).col(0);
  const S rho_max = spectral::norm_linf(r0) / spectral::norm_l1(z), rho_2 = spectral::norm_l2(r0) / spectral::norm_l2(z);
  const S scale = spectral::norm_l2_sq(r0) / S(2);
  for (double f : {0.0, 0.3, 0.7, 0.99, 1.0, 1.3}) {
    const BudgetFit<S> fm = fit_max_budget<S>(z, r0, S(rho_max * S(f)));
    const BudgetFit<S> f2 = fit_spectral_budget<S>(z, r0, S(rho_2 * S(f)));
    CAPTURE(f, fm.iterations, to_double(fm.gap), to_double(fm.tolerance), f2.iterations);
    CHECK(fm.converged);
    CHECK(f2.converged);
    // Each value exceeds the minimum by at most the gap (≤ its tolerance); the oracle is a sum of m rounded terms.
    using std::abs;
    CHECK(abs(fm.value - e_max_oracle<S>(z, r0, S(rho_max * S(f)))) <= fm.tolerance + S(64) * prec.eps() * scale);
    CHECK(abs(f2.value - e_2_oracle<S>(z, r0, S(rho_2 * S(f)))) <= f2.tolerance + S(64) * prec.eps() * scale);
    // Feasibility: the constraint holds (the projections are exact up to the SVD's rounding for the spectral ball).
    CHECK(fm.constraint <= rho_max * S(f));
    CHECK(f2.constraint <= rho_2 * S(f) * (S(1) + S(64) * prec.eps()) + S(64) * prec.eps());
  }
}

TEST_CASE("box_least_squares: a generic problem with a known answer", "[solvers][budget]") {
  // min ½‖x − c‖² over |x_j| ≤ 1 with M = I is the clip of c; the gap is ρ‖g‖1 + gᵀx = 0 there.
  MatD m = MatD::Identity(3, 3);
  VecD c(3);
  c << 3, -0.5, -2;
  const BudgetFit<double> fit = box_least_squares<double>(m, c, 1.0);
  CHECK(fit.converged);
  CHECK(fit.delta(0, 0) == 1.0);
  CHECK(fit.delta(1, 0) == Approx(-0.5).margin(1e-15));
  CHECK(fit.delta(2, 0) == -1.0);
  CHECK(fit.value == Approx(0.5 * (4 + 1)).epsilon(1e-14));
}

TEST_CASE("budget solvers: degenerate input is an InputError", "[solvers][budget]") {
  VecD z(2), r0(2), zero = VecD::Zero(2);
  z << 1, 2;
  r0 << 1, -1;
  CHECK_THROWS_AS(fit_max_budget<double>(zero, r0, 1.0), InputError);
  CHECK_THROWS_AS(fit_max_budget<double>(z, zero, 1.0), InputError);
  CHECK_THROWS_AS(fit_max_budget<double>(z, r0, -1.0), InputError);
  CHECK_THROWS_AS(fit_spectral_budget<double>(zero, r0, 1.0), InputError);
  CHECK_THROWS_AS(fit_spectral_budget<double>(z, r0, -0.5), InputError);
  VecD bad = z;
  bad(0) = std::nan("");
  CHECK_THROWS_AS(fit_spectral_budget<double>(bad, r0, 1.0), InputError);
}
