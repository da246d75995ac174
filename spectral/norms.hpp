// Matrix and vector norms (REFERENCE §1). Header-only and scalar-generic, exact for rationals where the norm is
// rational (max, ℓ0, ℓ1, ℓ∞, squared Frobenius/ℓ2).
#pragma once

#include "spectral/eigen_support.hpp"

namespace muonlab::spectral {

/// Calls f(S(w_ij)) for every entry, column by column: the order every sum below is taken in.
template <class Derived, class F>
void for_each_entry(const Eigen::MatrixBase<Derived>& w, F&& f) {
  using S = typename Derived::Scalar;
  for (Eigen::Index j = 0; j < w.cols(); ++j)
    for (Eigen::Index i = 0; i < w.rows(); ++i) f(S(w(i, j)));
}

/// ‖W‖max = max |W_ij| (0 for an empty matrix).
template <class Derived>
typename Derived::Scalar norm_max(const Eigen::MatrixBase<Derived>& w) {
  using S = typename Derived::Scalar;
  using std::abs;
  S best(0);
  for_each_entry(w, [&](const S& x) {
    S a = abs(x);
    if (a > best) best = a;
  });
  return best;
}

/// ‖W‖F² (exact in rationals).
template <class Derived>
typename Derived::Scalar norm_frobenius_sq(const Eigen::MatrixBase<Derived>& w) {
  using S = typename Derived::Scalar;
  S s(0);
  for_each_entry(w, [&](const S& x) { s += x * x; });
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
  for_each_entry(w, [&](const S& x) {
    const S r = x / scale;
    s += r * r;
  });
  return scale * S(sqrt(s));
}

/// ‖v‖0: the number of non-zero entries.
template <class Derived>
Eigen::Index norm_l0(const Eigen::MatrixBase<Derived>& v) {
  using S = typename Derived::Scalar;
  Eigen::Index k = 0;
  for_each_entry(v, [&](const S& x) {
    if (x != S(0)) ++k;
  });
  return k;
}

/// ‖v‖1 (entry-wise sum of absolute values).
template <class Derived>
typename Derived::Scalar norm_l1(const Eigen::MatrixBase<Derived>& v) {
  using S = typename Derived::Scalar;
  using std::abs;
  S s(0);
  for_each_entry(v, [&](const S& x) { s += abs(x); });
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
