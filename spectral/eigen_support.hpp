// Eigen support for muonlab's number types.
//
// Boost 1.74's <boost/multiprecision/eigen.hpp> lacks infinity()/quiet_NaN() and returns a wrong lowest(), which
// breaks Eigen's SVDs; we never include it and give full NumTraits specializations instead. For `Real` every
// precision-dependent trait is computed from the *current* working precision.
#pragma once  // Tested by tests/spectral/test_polar.cpp ("ortho at 100 digits: Q^T Q = I on the range, G = Q (G^T G)^1/2, equivariance")

#include "spectral/scalar.hpp"

#include <Eigen/Core>

namespace muonlab {

/// What the NumTraits of Real and Rational share: a signed real type, costly to copy and to operate on.
template <class T>
struct MultiprecisionNumTraits {
  using Real = T;
  using NonInteger = T;
  using Literal = T;
  using Nested = T;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = Eigen::HugeCost,
    AddCost = Eigen::HugeCost,
    MulCost = Eigen::HugeCost
  };
};

}  // namespace muonlab

namespace Eigen {

template <>
struct NumTraits<muonlab::Real> : muonlab::MultiprecisionNumTraits<muonlab::Real> {
  static Real epsilon() { return std::numeric_limits<Real>::epsilon(); }
  static Real dummy_precision() { return 1000 * epsilon(); }
  static Real highest() { return (std::numeric_limits<Real>::max)(); }
  static Real lowest() { return -(std::numeric_limits<Real>::max)(); }
  static Real infinity() { return std::numeric_limits<Real>::infinity(); }
  static Real quiet_NaN() { return std::numeric_limits<Real>::quiet_NaN(); }
  static int digits10() { return static_cast<int>(muonlab::real_digits()); }
  static int digits() { return std::numeric_limits<Real>::digits; }
  static int max_digits10() { return digits10() + 2; }
  static int min_exponent() { return std::numeric_limits<Real>::min_exponent; }
  static int max_exponent() { return std::numeric_limits<Real>::max_exponent; }
};

template <>
struct NumTraits<muonlab::Rational> : muonlab::MultiprecisionNumTraits<muonlab::Rational> {
  // Exact arithmetic: no rounding, so every tolerance is zero.
  static Real epsilon() { return Real(0); }
  static Real dummy_precision() { return Real(0); }
  static int digits10() { return 0; }
  static int max_digits10() { return 0; }
};

}  // namespace Eigen

namespace muonlab {

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

using MatD = Mat<double>;
using VecD = Vec<double>;
using MatR = Mat<Real>;
using VecR = Vec<Real>;
using MatQ = Mat<Rational>;
using VecQ = Vec<Rational>;

/// Element-wise conversion between scalar types (through the exact decimal/rational value where possible).
template <class To, class From>
Mat<To> mat_cast(const Mat<From>& a) {
  Mat<To> out(a.rows(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i) out(i, j) = static_cast<To>(a(i, j));
  return out;
}
template <class To, class From>
Vec<To> vec_cast(const Vec<From>& a) {
  Vec<To> out(a.size());
  for (Eigen::Index i = 0; i < a.size(); ++i) out(i) = static_cast<To>(a(i));
  return out;
}

/// Whether every entry is finite.
template <class Derived>
bool all_finite(const Eigen::MatrixBase<Derived>& a) {
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      if (!is_finite(a(i, j))) return false;
  return true;
}

}  // namespace muonlab
