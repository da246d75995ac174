// Min-norm interpolation (solvers/min_norm.hpp) with certificates; the simplex itself: test_lp_simplex.cpp.
#include "solver_test_util.hpp"

#include "solvers/lp_simplex.hpp"
#include "solvers/min_norm.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

namespace {
MatQ integer_matrix(Eigen::Index m, Eigen::Index n, std::uint64_t seed) {
  spectral::Rng rng(seed);
  MatQ a(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) a(i, j) = Rational(rng.integer(-4, 4));
  return a;
}
}  // namespace

TEST_CASE("min max-norm interpolation, one sample: the LP finds W*_max = y sign(x)^T/||x||1 exactly",
          "[solvers][min_norm]") {
  // Thm 3.1: min ‖W‖max over W x = y is ‖y‖∞/‖x‖1, and with no zero in x each row's minimizer is unique.
  MatQ x(3, 1), y(2, 1);
  x << 1, -2, 3;
  y << 6, Rational(-3, 2);
  const MinNormSolution<Rational> s = min_max_norm_interpolation<Rational>(x, y);
  CHECK(s.value == Rational(1));
  CHECK(s.lower_bound == Rational(1));
  CHECK(s.feasibility == Rational(0));
  MatQ expect = y * spectral::sign(x).transpose() / Rational(6);
  CHECK(s.w == expect);
}

TEST_CASE("min max-norm interpolation, k = 3 samples in rationals: primal = dual exactly", "[solvers][min_norm]") {
  const MatQ x = integer_matrix(6, 3, 21), y = integer_matrix(4, 3, 22);
  const MinNormSolution<Rational> s = min_max_norm_interpolation<Rational>(x, y);
  CHECK(s.feasibility == Rational(0));
  CHECK(s.gap() == Rational(0));
  CHECK(s.value > Rational(0));
  CHECK(spectral::norm_max(s.w) == s.value);
}

TEST_CASE("min max-norm interpolation in MPFR agrees with the exact LP", "[solvers][min_norm]") {
  PrecisionScope scope(40);
  const MatQ xq = integer_matrix(5, 2, 31), yq = integer_matrix(3, 2, 32);
  const MinNormSolution<Rational> q = min_max_norm_interpolation<Rational>(xq, yq);
  const MinNormSolution<Real> r = min_max_norm_interpolation<Real>(mat_cast<Real>(MatD(mat_cast<double>(xq))), mat_cast<Real>(MatD(mat_cast<double>(yq))));
  // 40 digits and a handful of pivots on integers of size ≤ 4: agreement to 1e-30 is far inside the rounding.
  CHECK(std::abs(to_double(r.value) - to_double(q.value)) <= 1e-30);
  CHECK(to_double(r.gap()) <= 1e-30);
}

TEST_CASE("min-norm interpolation: inconsistent or dependent samples are an InputError", "[solvers][min_norm]") {
  // k = 3 > n = 2 generic samples: W X = Y has no solution.
  const MatQ x = integer_matrix(2, 3, 41), y = integer_matrix(2, 3, 42);
  CHECK_THROWS_AS(min_max_norm_interpolation<Rational>(x, y), InputError);
  CHECK_THROWS_AS(min_frobenius_interpolation<Rational>(x, y), InputError);
  CHECK_THROWS_AS(min_spectral_norm_interpolation<double>(mat_cast<double>(x), mat_cast<double>(y)), InputError);
  CHECK_THROWS_AS(min_max_norm_interpolation<Rational>(x, MatQ(y.leftCols(2))), InputError);  // shape mismatch
}

TEST_CASE("min spectral / Frobenius interpolation: the dual bounds are attained by W_F", "[solvers][min_norm]") {
  const MatD x = fixed_matrix<double>(6, 3, 51), y = fixed_matrix<double>(4, 3, 52);
  const MinNormSolution<double> s2 = min_spectral_norm_interpolation<double>(x, y);
  const MinNormSolution<double> sf = min_frobenius_interpolation<double>(x, y);
  // ‖W_F‖2 and ‖Y L^{-T}‖2 are computed from different SVDs: they agree to a few hundred ε for these O(1) data.
  CHECK(std::abs(s2.gap()) <= 1e-13 * s2.value);
  CHECK(s2.feasibility <= 1e-13);
  CHECK(std::abs(sf.gap()) <= 1e-13 * sf.value);
  // Two norms of the same W_F: ‖W_F‖2² ≤ ‖W_F‖F².
  CHECK(s2.value * s2.value <= sf.value * (1 + 1e-14));
  // Exact in rationals: ‖W_F‖F² = tr(Y (XᵀX)⁻¹ Yᵀ).
  const MinNormSolution<Rational> fq = min_frobenius_interpolation<Rational>(integer_matrix(5, 2, 61), integer_matrix(3, 2, 62));
  CHECK(fq.gap() == Rational(0));
  CHECK(fq.feasibility == Rational(0));
}
