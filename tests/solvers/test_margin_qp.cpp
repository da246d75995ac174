// The active-set QP and the Frobenius max-margin (solvers/margin_qp.hpp): exact rational optima with zero duality
// gap, agreement with a closed form, and bad input.
#include "solvers/margin.hpp"
#include "solvers/margin_qp.hpp"

#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::solvers;

TEST_CASE("min_norm_polyhedron: projection of 0 onto half-spaces, exactly", "[solvers][margin]") {
  // min ½‖w‖² s.t. w1 + w2 ≥ 2, w1 ≥ 0: the answer (1, 1) is the projection onto the first half-space.
  MatQ a(2, 2);
  a << 1, 1, 1, 0;
  VecQ b(2);
  b << 2, 0;
  VecQ w0(2);
  w0 << 5, 5;
  const MinNormPoint<Rational> r = min_norm_polyhedron<Rational>(a, b, w0);
  CHECK(r.w(0) == Rational(1));
  CHECK(r.w(1) == Rational(1));
  CHECK(r.gap() == Rational(0));  // Lagrangian duality closes exactly in rationals
  CHECK(r.infeasibility == Rational(0));
  CHECK(r.lambda(0) == Rational(1));
  CHECK(r.lambda(1) == Rational(0));
  // With w1 ≥ 3 the first block is w1 = 3 (at (3, 3)); sliding along it to (3, 0) leaves w1 + w2 ≥ 2 inactive.
  b << 2, 3;
  const MinNormPoint<Rational> s = min_norm_polyhedron<Rational>(a, b, w0);
  CHECK(s.w(0) == Rational(3));
  CHECK(s.w(1) == Rational(0));
  CHECK(s.gap() == Rational(0));
  // An infeasible start is an InputError.
  VecQ bad(2);
  bad << 0, 0;
  CHECK_THROWS_AS(min_norm_polyhedron<Rational>(a, b, bad), InputError);
}

TEST_CASE("frobenius_margin: two points, closed form", "[solvers][margin]") {
  // x1 = (3, 1) → 0, x2 = (1, 3) → 1: W = [d/2; −d/2] with d = (1, −1)/2 has both margins 1 and is the shortest
  // such W; ‖W‖F² = ‖d‖²/2 = 1/4, so γ*_F² = 4 exactly.
  MatQ x(2, 2);
  x << 3, 1, 1, 3;
  const FrobeniusMargin<Rational> r = frobenius_margin<Rational>(x, {0, 1}, 2);
  CHECK(r.norm_sq == Rational(1, 4));
  CHECK(r.upper_sq * r.norm_sq == Rational(1));  // certificate: ‖Σ μ_p A_p‖F² = γ*_F² exactly
  CHECK(r.qp_gap == Rational(0));
  CHECK(r.min_margin == Rational(1));
}

TEST_CASE("frobenius_margin: rational and MPFR agree, and the optimum beats random classifiers", "[solvers][margin]") {
  MatQ x(3, 5);
  x << 1, -2, 3, 0, 1, 2, 1, -1, 1, -3, -1, 2, 1, 3, 1;
  const std::vector<int> labels{0, 1, 2, 1, 0};
  const FrobeniusMargin<Rational> q = frobenius_margin<Rational>(x, labels, 3);
  CHECK(q.qp_gap == Rational(0));
  CHECK(q.upper_sq * q.norm_sq == Rational(1));
  {
    PrecisionScope scope(40);
    const FrobeniusMargin<Real> r = frobenius_margin<Real>(mat_cast<Real>(x), labels, 3);
    // Rounding: a few hundred operations at 40 digits; 1e-30 leaves ten digits of headroom.
    CHECK(abs(r.norm_sq - Real(q.norm_sq)) / Real(q.norm_sq) < Real("1e-30"));
  }
  // Any classifier with margin γ(W) > 0 has γ(W)²/‖W‖F² ≤ γ*_F² = 1/‖W*‖F² (exactly in rationals).
  for (int k = 0; k < 30; ++k) {
    MatQ w(3, 3);
    for (Eigen::Index j = 0; j < w.size(); ++j) w(j % 3, j / 3) = Rational((k * 5 + j * 7) % 7 - 3);
    const Rational g = margin_of<Rational>(w, x, labels, 3);
    if (g <= 0) continue;
    CHECK(g * g / spectral::norm_frobenius_sq(w) <= Rational(1) / q.norm_sq);
  }
}
