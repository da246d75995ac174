// Shared helpers for the solvers tests: fixed small instances and the scalar-dependent precision.
#pragma once

#include "solvers/solvers.hpp"
#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

namespace muonlab::test {

/// Working precision for a test: 50 digits for Real (set by the scope), double as is.
template <class S>
struct TestPrecision {
  std::unique_ptr<PrecisionScope> scope;
  TestPrecision() {
    if constexpr (std::is_same_v<S, Real>) scope = std::make_unique<PrecisionScope>(50);
  }
  /// Unit roundoff at the working precision.
  static S eps() { return ScalarTraits<S>::epsilon(); }
};

/// A fixed m×n matrix with entries drawn in double from a seeded Gaussian (the same instance at every precision).
template <class S>
Mat<S> fixed_matrix(Eigen::Index m, Eigen::Index n, std::uint64_t seed) {
  spectral::Rng rng(seed);
  return spectral::random_gaussian<S>(rng, m, n);
}

template <class S>
double max_diff(const Mat<S>& a, const Mat<S>& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return to_double(spectral::norm_max(Mat<S>(a - b)));
}

/// Whether two matrices are identical entry by entry (bit-identical for floating types).
template <class S>
bool identical(const Mat<S>& a, const Mat<S>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      if (!(a(i, j) == b(i, j))) return false;
  return true;
}

}  // namespace muonlab::test
