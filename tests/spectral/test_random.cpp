// Reproducible random instances (spectral/random.hpp): an instance depends on (seed, stream) only, is the same at
// every precision, and the orthogonal and rank-k generators deliver what they promise.
#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("Rng: the same (seed, stream) gives the same draws; another seed or stream does not", "[random]") {
  Rng a(7, 3), b(7, 3), c(7, 4), d(8, 3);
  for (int i = 0; i < 5; ++i) {
    const double x = a.normal();
    CHECK(x == b.normal());
    CHECK(x != c.normal());  // collisions of doubles from independent streams: probability ~ 2^-53 per draw
    CHECK(x != d.normal());
  }
  CHECK(mix_seed(1, 0) != mix_seed(0, 1));  // seed and stream are not interchangeable
  Rng r(1);
  for (int i = 0; i < 100; ++i) {
    const long k = r.integer(-2, 2);
    CHECK(k >= -2);
    CHECK(k <= 2);
    const double u = r.uniform(0.25, 0.5);
    CHECK(u >= 0.25);
    CHECK(u < 0.5);
  }
}

TEST_CASE("random_gaussian: the instance is drawn in double, identical at every precision", "[random][mpfr]") {
  Rng rd(11), rr(11);
  const MatD d = random_gaussian<double>(rd, 3, 4);
  PrecisionScope scope(60);
  const MatR r = random_gaussian<Real>(rr, 3, 4);
  for (Eigen::Index j = 0; j < 4; ++j)
    for (Eigen::Index i = 0; i < 3; ++i) CHECK(r(i, j) == Real(d(i, j)));  // exact: a double converts exactly
}

TEST_CASE("random_orthogonal is orthogonal to rounding, at double and at 60 digits", "[random][mpfr]") {
  // Householder QR is backward stable: ‖QᵀQ − I‖max ≤ c·n·u with a modest c; 16·n·u leaves room for the c.
  const Eigen::Index n = 7;
  Rng rng(3);
  const MatD q = random_orthogonal<double>(rng, n);
  const double ud = std::numeric_limits<double>::epsilon();
  CHECK(norm_max(MatD(q.transpose() * q - MatD::Identity(n, n))) <= 16 * n * ud);
  PrecisionScope scope(60);
  Rng rng2(3);
  const MatR qr = random_orthogonal<Real>(rng2, n);
  const Real ur = ScalarTraits<Real>::epsilon();
  CHECK(norm_max(MatR(qr.transpose() * qr - MatR::Identity(n, n))) <= 16 * n * ur);
  // The same seed gives the same Q up to the precision of the double computation.
  CHECK(norm_max(MatR(qr - q.cast<Real>())) <= 16 * n * ud);
}

TEST_CASE("random_rank_k has rank exactly k", "[random]") {
  Rng rng(9);
  const MatD a = random_rank_k<double>(rng, 6, 5, 2);
  const VecD s = singular_values(a);
  // Two singular values of order 1 and three at the rounding level of ‖A‖ (backward error of the SVD ~ n·u·σ1).
  CHECK(s(1) > 1e-3 * s(0));
  CHECK(s(2) <= 64 * std::numeric_limits<double>::epsilon() * s(0));
}
