// The SVD instantiations (the expensive multiprecision translation unit of spectral/).
#include "spectral/svd.hpp"

#include "spectral/errors.hpp"

#include <Eigen/SVD>
#include <lapacke.h>

#include <cmath>
#include <limits>
#include <string>

namespace muonlab::spectral {
namespace {

template <class S>
void require_finite(const Mat<S>& g) {
  if (!all_finite(g)) throw InputError("svd: matrix has NaN or Inf entries");
}

/// The power of two e with max|g_ij|·2^(−e) in [1/2, 1) (0 for a zero matrix).
template <class S>
int scale_exponent(const Mat<S>& g) {
  const S top = g.size() == 0 ? S(0) : g.cwiseAbs().maxCoeff();
  return top == S(0) ? 0 : std::ilogb(top) + 1;
}

/// Whether LAPACK should see a rescaled copy: entries beyond 2^±(max_exponent/4) (about 1e±77 in double) leave
/// too little room for the squares and products inside the factorization (and its own scaling thresholds sit at
/// √(safe minimum)/ε). Inside that band the input is passed as is, so ordinary matrices get unchanged results.
template <class S>
bool needs_rescaling(int e) {
  const int band = std::numeric_limits<S>::max_exponent / 4;
  return e > band || e < -band;
}

// LAPACK ?gesdd with jobz = 'S' (thin U and Vᵀ); column-major, as Eigen stores by default. With `exponent` non-null
// the singular values are returned for G·2^(−*exponent) (not scaled back); otherwise scaled back to G's.
template <class S, class Gesdd>
Svd<S> lapack_svd(const Mat<S>& g, bool vectors, Gesdd gesdd, int* exponent = nullptr) {
  require_finite(g);
  const lapack_int m = static_cast<lapack_int>(g.rows()), n = static_cast<lapack_int>(g.cols());
  const lapack_int k = std::min(m, n);
  Svd<S> out;
  out.s.resize(k);
  if (k == 0) {
    out.U.resize(m, 0);
    out.V.resize(n, 0);
    return out;
  }
  Mat<S> a = g;
  // Rescale by a power of two (exact, except that entries below 2^(−e)·(smallest subnormal) vanish: they are below
  // the rounding of σ_1 anyway) when the entries lie near either end of the range.
  const int e = scale_exponent(g);
  const bool rescale = exponent != nullptr ? e != 0 : needs_rescaling<S>(e);
  if (rescale) a = a.unaryExpr([e](S x) { return std::ldexp(x, -e); });
  if (exponent != nullptr) *exponent = rescale ? e : 0;
  Mat<S> vt;
  if (vectors) {
    out.U.resize(m, k);
    vt.resize(k, n);
  }
  const lapack_int info = gesdd(LAPACK_COL_MAJOR, vectors ? 'S' : 'N', m, n, a.data(), m, out.s.data(),
                                vectors ? out.U.data() : nullptr, m, vectors ? vt.data() : nullptr, k);
  if (info != 0)
    throw NumericalError("svd: LAPACK gesdd did not converge (info = " + std::to_string(info) + ")");
  if (vectors) out.V = vt.transpose();
  if (rescale && exponent == nullptr) out.s = out.s.unaryExpr([e](S x) { return std::ldexp(x, e); });
  return out;
}

template <class S>
Svd<S> jacobi_svd(const Mat<S>& g, bool vectors) {
  require_finite(g);
  Svd<S> out;
  const Eigen::Index k = std::min(g.rows(), g.cols());
  if (k == 0) {
    out.U.resize(g.rows(), 0);
    out.V.resize(g.cols(), 0);
    out.s.resize(0);
    return out;
  }
  // One-sided Jacobi with a column-pivoted QR preconditioner: backward stable at the working precision.
  Eigen::JacobiSVD<Mat<S>, Eigen::ColPivHouseholderQRPreconditioner> solver(
      g, vectors ? (Eigen::ComputeThinU | Eigen::ComputeThinV) : 0);
  out.s = solver.singularValues();
  if (vectors) {
    out.U = solver.matrixU();
    out.V = solver.matrixV();
  }
  return out;
}

}  // namespace

template <>
Svd<double> svd<double>(const Mat<double>& g) {
  return lapack_svd<double>(g, true, LAPACKE_dgesdd);
}
template <>
Vec<double> singular_values<double>(const Mat<double>& g) {
  return lapack_svd<double>(g, false, LAPACKE_dgesdd).s;
}
ScaledSingularValues singular_values_scaled(const Mat<double>& g) {
  ScaledSingularValues out;
  out.s = lapack_svd<double>(g, false, LAPACKE_dgesdd, &out.exponent).s;
  return out;
}

template <>
Svd<float> svd<float>(const Mat<float>& g) {
  return lapack_svd<float>(g, true, LAPACKE_sgesdd);
}
template <>
Vec<float> singular_values<float>(const Mat<float>& g) {
  return lapack_svd<float>(g, false, LAPACKE_sgesdd).s;
}
template <>
Svd<Real> svd<Real>(const Mat<Real>& g) {
  return jacobi_svd<Real>(g, true);
}
template <>
Vec<Real> singular_values<Real>(const Mat<Real>& g) {
  return jacobi_svd<Real>(g, false).s;
}

}  // namespace muonlab::spectral
