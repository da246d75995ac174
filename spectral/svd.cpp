// The SVD instantiations (the expensive multiprecision translation unit of spectral/).
#include "spectral/svd.hpp"

#include "spectral/errors.hpp"

#include <Eigen/SVD>
#include <lapacke.h>

#include <string>

namespace muonlab::spectral {
namespace {

template <class S>
void require_finite(const Mat<S>& g) {
  if (!all_finite(g)) throw InputError("svd: matrix has NaN or Inf entries");
}

// LAPACK ?gesdd with jobz = 'S' (thin U and Vᵀ); column-major, as Eigen stores by default.
template <class S, class Gesdd>
Svd<S> lapack_svd(const Mat<S>& g, bool vectors, Gesdd gesdd) {
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
