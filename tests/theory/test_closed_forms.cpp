// theory/closed_forms: the closed forms of Thm 3.1/3.2, Prop D.4, the min-Frobenius solution and Cor D.7,
// checked exactly in rationals against their defining properties (not against themselves).
#include "theory/closed_forms.hpp"

#include "spectral/svd.hpp"

#include <Eigen/LU>
#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

namespace {
VecQ vq(std::initializer_list<long> v) {
  VecQ out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (long x : v) out(i++) = Rational(x);
  return out;
}
}  // namespace

TEST_CASE("W*_max and W*_2 solve W x = y with the norms the theorems state", "[theory][closed_forms]") {
  const VecQ x = vq({1, -2, 0, 3}), y = vq({2, -1, 4});
  const MatQ wmax = w_star_max<Rational>(x, y), w2 = w_star_2<Rational>(x, y);
  CHECK(wmax * x == y);  // feasible, exactly
  CHECK(w2 * x == y);
  // Thm 3.1: W*_max = y sign(x)ᵀ/‖x‖1: entries ±y_i/6, and zero where x_j = 0 (sign(0) = 0).
  CHECK(wmax(2, 1) == Rational(-4, 6));
  CHECK(wmax.col(2).isZero());
  CHECK(spectral::norm_max(wmax) == min_max_norm<Rational>(x, y));
  CHECK(min_max_norm<Rational>(x, y) == Rational(4, 6));
  // Thm 3.2: ‖W*_2‖2² = ‖y‖²/‖x‖² = 21/14, checked with an SVD in MPFR.
  CHECK(min_spectral_norm_sq<Rational>(x, y) == Rational(21, 14));
  PrecisionScope scope(40);
  const Real s = spectral::norm_spectral(mat_cast<Real>(w2));
  CHECK(abs(s * s - Real(21) / 14) < Real(1e-35));
  // And W*_max has a strictly larger spectral norm here (|x| is not constant), W*_2 a larger max-norm.
  CHECK(spectral::norm_spectral(mat_cast<Real>(wmax)) > s + Real(1e-3));
  CHECK(spectral::norm_max(w2) > spectral::norm_max(wmax));
  CHECK_THROWS_AS(w_star_max<Rational>(vq({0, 0}), y), InputError);
  CHECK_THROWS_AS(w_star_2<Rational>(vq({0, 0}), y), InputError);
}

TEST_CASE("min-Frobenius solution: one sample gives W*_2; k samples solve W X = Y in the row space",
          "[theory][closed_forms]") {
  const VecQ x = vq({1, -2, 0, 3}), y = vq({2, -1, 4});
  const MatQ zero = MatQ::Zero(3, 4);
  CHECK(w_star_frobenius<Rational>(zero, MatQ(x), MatQ(y)) == w_star_2<Rational>(x, y));
  MatQ xs(4, 2), ys(3, 2), w0(3, 4);
  xs << 1, 0, 2, 1, 0, -1, 1, 1;
  ys << 1, 2, 3, 4, 5, 6;
  w0.setOnes();
  const MatQ w = w_star_frobenius<Rational>(w0, xs, MatQ(ys - w0 * xs));
  CHECK(w * xs == ys);
  // Minimal Frobenius norm of the correction: it vanishes on the orthogonal complement of the columns of X.
  const MatQ proj = MatQ::Identity(4, 4) - xs * (xs.transpose() * xs).inverse() * xs.transpose();
  CHECK(((w - w0) * proj).isZero());
  MatQ dep(4, 2);
  dep << 1, 2, 1, 2, 0, 0, 1, 2;
  CHECK_THROWS_AS(w_star_frobenius<Rational>(w0, dep, MatQ(ys)), InputError);
}

TEST_CASE("Prop D.4 corrections fit the new example from W0", "[theory][closed_forms]") {
  MatQ w0(2, 3);
  w0 << 1, 2, 3, -1, 0, 1;
  const VecQ z = vq({1, -1, 2}), b = vq({5, 5});
  const MatQ ds = correction_signgd<Rational>(w0, z, b), dm = correction_muon<Rational>(w0, z, b);
  CHECK((w0 + ds) * z == b);
  CHECK((w0 + dm) * z == b);
  // r0 = b − W0 z = (5 − 5, 5 − 1) = (0, 4): the first row needs no correction.
  CHECK(ds.row(0).isZero());
  CHECK(dm.row(0).isZero());
}

TEST_CASE("Cor D.7 bounds hold and are attained by the extremal corrections", "[theory][closed_forms]") {
  const VecQ x = vq({1, -2, 3});
  // Δ = a sign(x)ᵀ with |a_i| equal attains the max-norm bound: ½‖a‖²‖x‖1² = (m/2)‖Δ‖max²‖x‖1².
  const MatQ tight_max = vq({1, -1}) * spectral::sign(x).transpose();
  CHECK(old_task_loss<Rational>(tight_max, x) == cor_d7_bound_max<Rational>(tight_max, x));
  // Δ = v xᵀ attains the spectral one: ‖Δ‖2² = ‖v‖²‖x‖².
  const MatQ tight_2 = vq({2, 1}) * x.transpose();
  const Rational s2 = spectral::norm_l2_sq(vq({2, 1})) * spectral::norm_l2_sq(x);
  CHECK(old_task_loss<Rational>(tight_2, x) == cor_d7_bound_spectral<Rational>(s2, x));
  // A generic Δ is strictly inside both.
  MatQ d(2, 3);
  d << 1, 0, 0, 0, 1, 0;
  CHECK(old_task_loss<Rational>(d, x) < cor_d7_bound_max<Rational>(d, x));
  CHECK(old_task_loss<Rational>(d, x) < cor_d7_bound_spectral<Rational>(Rational(1), x));
}

TEST_CASE("candidate_solutions names the candidates of each problem", "[theory][closed_forms]") {
  toy::ProblemSpec spec;
  spec.entries = toy::Entries::integer;
  const auto c1 = candidate_solutions(toy::make_problem<Rational>(spec));
  REQUIRE(c1.size() == 3);
  CHECK(c1[0].name == "max");
  CHECK(c1[1].name == "2");
  CHECK(c1[2].name == "F");
  CHECK(c1[1].p == c1[2].p);  // one sample: min-Frobenius = min-spectral
  spec.kind = toy::ProblemKind::k_sample;
  spec.samples = 2;
  const auto c2 = candidate_solutions(toy::make_problem<Rational>(spec));
  REQUIRE(c2.size() == 1);
  CHECK(c2[0].name == "F");
  spec = toy::ProblemSpec();
  spec.kind = toy::ProblemKind::lora;
  spec.entries = toy::Entries::integer;
  const auto p = toy::make_problem<Rational>(spec);
  const auto c3 = candidate_solutions(p);
  CHECK(c3[0].p.rows() == p.m());
  CHECK(c3[0].p.cols() == p.a.rows());  // in B-space (Prop D.8)
  CHECK(p.weight(c3[0].p) * p.x == p.y);
  CHECK(p.weight(c3[1].p) * p.x == p.y);
}
