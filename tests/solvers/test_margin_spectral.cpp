// The spectral max-margin barrier method (solvers/margin_spectral.hpp): its certified bracket, the two-class
// identity γ*_2 = γ*_F, the norm chain, and bad input.
#include "solvers/margin.hpp"
#include "solvers/margin_lp.hpp"
#include "solvers/margin_qp.hpp"
#include "solvers/margin_spectral.hpp"

#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::solvers;

namespace {
MatR data3() {
  MatR x(3, 5);
  x << 1, -2, 3, 0, 1, 2, 1, -1, 1, -3, -1, 2, 1, 3, 1;
  return x;
}
const std::vector<int> kLabels3{0, 1, 2, 1, 0};
}  // namespace

TEST_CASE("spectral_margin: the bracket is certified and reaches the requested width", "[solvers][margin]") {
  PrecisionScope scope(40);
  const SpectralMargin<Real> r = spectral_margin<Real>(data3(), kLabels3, 3, Real("1e-14"));
  REQUIRE(r.converged);
  CHECK(r.rel_gap <= Real("1e-14"));
  CHECK(r.lower <= r.upper);
  // Recompute both bounds from what the solver returned (margin.hpp): nothing is taken on trust.
  const Real lower = margin_of<Real>(r.w, data3(), kLabels3, 3) / spectral::norm_spectral(r.w);
  const Real upper = spectral::singular_values(pair_combination<Real>(r.mu, data3(), kLabels3, 3)).sum();
  CHECK(abs(lower - r.lower) <= Real("1e-35"));
  CHECK(abs(upper - r.upper) <= Real("1e-35"));
  CHECK(abs(r.mu.sum() - Real(1)) <= Real("1e-35"));
  // The norm chain γ*_max ≥ γ*_2 ≥ γ*_F (‖W‖max ≤ ‖W‖2 ≤ ‖W‖F), against the exact LP and QP.
  const MatQ xq = mat_cast<Rational>(data3());
  const Real gmax = Real(max_norm_margin<Rational>(xq, kLabels3, 3).margin);
  const Real gf = Real(1) / sqrt(Real(frobenius_margin<Rational>(xq, kLabels3, 3).norm_sq));
  CHECK(gmax >= r.lower);
  CHECK(r.upper >= gf);
}

TEST_CASE("spectral_margin: two classes give the Frobenius margin", "[solvers][margin]") {
  // For K = 2 the margins depend on d = w1 − w2 only, and W = [d/2; −d/2] minimizes ‖W‖2 and ‖W‖F together
  // (both ‖d‖/√2), so γ*_2 = γ*_F: the barrier's bracket must contain the exact QP value.
  PrecisionScope scope(40);
  MatR x(2, 3);
  x << 3, 1, 10, 1, 3, 1;
  const std::vector<int> labels{0, 1, 0};
  const SpectralMargin<Real> r = spectral_margin<Real>(x, labels, 2, Real("1e-15"));
  const Real gf = Real(1) / sqrt(Real(frobenius_margin<Rational>(mat_cast<Rational>(x), labels, 2).norm_sq));
  CHECK(r.lower <= gf * (Real(1) + Real("1e-35")));
  CHECK(r.upper >= gf * (Real(1) - Real("1e-35")));
  CHECK(abs(r.margin() - Real(2)) <= Real("1e-14"));  // γ*_F = 2 for this data (the batch-1 example)
}

TEST_CASE("spectral_margin: bad input", "[solvers][margin]") {
  MatD x(1, 2);
  x << 1, 1;
  CHECK_THROWS_AS(spectral_margin<double>(x, {0, 1}, 2, 1e-6), InputError);  // not separable
  MatD y(2, 2);
  y << 3, 1, 1, 3;
  CHECK_THROWS_AS(spectral_margin<double>(y, {0, 1}, 2, 0.0), InputError);  // gap must be > 0
}
