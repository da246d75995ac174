// Matrix and vector norms (REFERENCE §1). Header-only and scalar-generic, exact for rationals where the norm is
// rational (max, ℓ0, ℓ1, ℓ∞, squared Frobenius/ℓ2).
#pragma once

#include "spectral/eigen_support.hpp"

namespace muonlab::spectral {

/// ‖W‖max = max |W_ij| (0 for an empty matrix).
template <class Derived>
typename Derived::Scalar norm_max(const Eigen::MatrixBase<Derived>& w) {
  using S = typename Derived::Scalar;
  using std::abs;
  S best(0);
  for (Eigen::Index j = 0; j < w.cols(); ++j)
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      S a = abs(S(w(i, j)));
      if (a > best) best = a;
    }
  return best;
}

/// ‖W‖F² (exact in rationals).
template <class Derived>
typename Derived::Scalar norm_frobenius_sq(const Eigen::MatrixBase<Derived>& w) {
  using S = typename Derived::Scalar;
  S s(0);
  for (Eigen::Index j = 0; j < w.cols(); ++j)
    for (Eigen::Index i = 0; i < w.rows(); ++i) s += S(w(i, j)) * S(w(i, j));
  return s;
}

/// ‖W‖F. For rationals use norm_frobenius_sq (the root is generally irrational).
/// Scaled by ‖W‖max first, so that it neither overflows nor underflows where ‖W‖F itself is representable
/// (in double, squaring entries above 1.3e154 would give inf).
template <class Derived>
typename Derived::Scalar norm_frobenius(const Eigen::MatrixBase<Derived>& w) {
  using S = typename Derived::Scalar;
  using std::sqrt;
  const S scale = norm_max(w);
  if (scale == S(0)) return S(0);
  S s(0);
  for (Eigen::Index j = 0; j < w.cols(); ++j)
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      const S r = S(w(i, j)) / scale;
      s += r * r;
    }
  return scale * S(sqrt(s));
}

/// ‖v‖0: the number of non-zero entries.
template <class Derived>
Eigen::Index norm_l0(const Eigen::MatrixBase<Derived>& v) {
  using S = typename Derived::Scalar;
  Eigen::Index k = 0;
  for (Eigen::Index j = 0; j < v.cols(); ++j)
    for (Eigen::Index i = 0; i < v.rows(); ++i)
      if (S(v(i, j)) != S(0)) ++k;
  return k;
}

/// ‖v‖1 (entry-wise sum of absolute values).
template <class Derived>
typename Derived::Scalar norm_l1(const Eigen::MatrixBase<Derived>& v) {
  using S = typename Derived::Scalar;
  using std::abs;
  S s(0);
  for (Eigen::Index j = 0; j < v.cols(); ++j)
    for (Eigen::Index i = 0; i < v.rows(); ++i) s += abs(S(v(i, j)));
  return s;
}

/// ‖v‖2² and ‖v‖2 (entry-wise).
template <class Derived>
typename Derived::Scalar norm_l2_sq(const Eigen::MatrixBase<Derived>& v) {
  return norm_frobenius_sq(v);
}
template <class Derived>
typename Derived::Scalar norm_l2(const Eigen::MatrixBase<Derived>& v) {
  return norm_frobenius(v);
}

/// ‖v‖∞ (entry-wise max absolute value).
template <class Derived>
typename Derived::Scalar norm_linf(const Eigen::MatrixBase<Derived>& v) {
  return norm_max(v);
}

/// Element-wise sign with sign(0) = 0.
template <class Derived>
Mat<typename Derived::Scalar> sign(const Eigen::MatrixBase<Derived>& w) {
  using S = typename Derived::Scalar;
  Mat<S> out(w.rows(), w.cols());
  for (Eigen::Index j = 0; j < w.cols(); ++j)
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      const S x = w(i, j);
      out(i, j) = x > S(0) ? S(1) : (x < S(0) ? S(-1) : S(0));
    }
  return out;
}

}  // namespace muonlab::spectral
