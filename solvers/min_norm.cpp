// Minimum-norm interpolation W X = Y with certificates (min_norm.hpp).
#include "solvers/min_norm.hpp"

#include "solvers/lp_simplex.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include <algorithm>
#include <utility>

namespace muonlab::solvers {
namespace {

template <class S>
void check_interpolation_input(const char* who, const Mat<S>& x, const Mat<S>& y) {
  const std::string w(who);
  if (x.size() == 0 || y.size() == 0) throw InputError(w + ": X and Y must be non-empty");
  if (x.cols() != y.cols())
    throw InputError(w + ": X is " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) + " and Y is " +
                     std::to_string(y.rows()) + "x" + std::to_string(y.cols()) +
                     "; both need one column per sample");
  if (!all_finite(x) || !all_finite(y)) throw InputError(w + ": non-finite input");
}

/// XᵀX, checked to be invertible (X of full column rank); the LU is returned for the solves.
template <class S>
Eigen::FullPivLU<Mat<S>> gram_lu(const char* who, const Mat<S>& x) {
  Eigen::FullPivLU<Mat<S>> lu(Mat<S>(x.transpose() * x));
  if (lu.rank() < x.cols())
    throw InputError(std::string(who) + ": the samples (columns of X) are linearly dependent or k > n (k = " +
                     std::to_string(x.cols()) + ", n = " + std::to_string(x.rows()) +
                     "), so W X = Y may be inconsistent; give independent samples");
  return lu;
}

/// W_F = Y G⁻¹ Xᵀ (G = XᵀX) after checking the input, with its feasibility; also G⁻¹ Yᵀ (k×m) for the bounds.
/// The min-Frobenius solution, and a min spectral-norm one (min_norm.hpp).
template <class S>
std::pair<MinNormSolution<S>, Mat<S>> frobenius_interpolant(const char* who, const char* norm, const Mat<S>& x,
                                                            const Mat<S>& y) {
  check_interpolation_input(who, x, y);
  const Eigen::FullPivLU<Mat<S>> lu = gram_lu(who, x);
  MinNormSolution<S> out;
  out.norm = norm;
  Mat<S> gy = lu.solve(Mat<S>(y.transpose()));
  out.w = gy.transpose() * x.transpose();
  out.feasibility = spectral::norm_max(Mat<S>(out.w * x - y));
  return {std::move(out), std::move(gy)};
}

/// Zero threshold of the simplex: exact in rationals; for floats, entries of the tableau carry a relative
/// rounding error of a few (n + k)·ε times the data scale after O(n + k) pivots (64 covers the constants).
template <class S>
S simplex_tol(const Mat<S>& x, const Mat<S>& y) {
  if constexpr (ScalarTraits<S>::is_exact) {
    return S(0);
  } else {
    const S scale = std::max({S(1), spectral::norm_max(x), spectral::norm_max(y)});
    return S(64) * S(static_cast<long>(x.rows() + x.cols())) * ScalarTraits<S>::epsilon() * scale;
  }
}

}  // namespace

template <class S>
MinNormSolution<S> min_max_norm_interpolation(const Mat<S>& x, const Mat<S>& y) {
  check_interpolation_input("min_max_norm_interpolation", x, y);
  const Eigen::Index n = x.rows(), k = x.cols(), m = y.rows();
  const S tol = simplex_tol(x, y);
  MinNormSolution<S> out;
  out.norm = "max";
  out.w = Mat<S>::Zero(m, n);
  // Variables [w⁺ (n), w⁻ (n), t, s (n), s' (n)] ≥ 0; rows: Xᵀ(w⁺ − w⁻) = y_i (k),
  // w⁺ − w⁻ − t + s = 0 (n), −w⁺ + w⁻ − t + s' = 0 (n). Minimize t.
  const Eigen::Index nv = 4 * n + 1, p = k + 2 * n, it = 2 * n;
  Mat<S> a = Mat<S>::Zero(p, nv);
  a.block(0, 0, k, n) = x.transpose();
  a.block(0, n, k, n) = -x.transpose();
  for (Eigen::Index j = 0; j < n; ++j) {
    a(k + j, j) = S(1), a(k + j, n + j) = S(-1), a(k + j, it) = S(-1), a(k + j, it + 1 + j) = S(1);
    a(k + n + j, j) = S(-1), a(k + n + j, n + j) = S(1), a(k + n + j, it) = S(-1),
                 a(k + n + j, it + 1 + n + j) = S(1);
  }
  Vec<S> c = Vec<S>::Zero(nv);
  c(it) = S(1);
  for (Eigen::Index i = 0; i < m; ++i) {
    Vec<S> b = Vec<S>::Zero(p);
    b.head(k) = y.row(i).transpose();
    const LpResult<S> r = lp_minimize<S>(a, b, c, tol);
    out.pivots += r.pivots;
    if (r.status == LpStatus::infeasible)
      throw InputError("min_max_norm_interpolation: W X = Y has no solution (row " + std::to_string(i) +
                       " of Y is not in the row space spanned by the samples; k = " + std::to_string(k) +
                       ", n = " + std::to_string(n) + ")");
    if (r.status != LpStatus::optimal) throw NumericalError("min_max_norm_interpolation: the LP is unbounded (a bug)");
    out.w.row(i) = (r.x.segment(0, n) - r.x.segment(n, n)).transpose();
    const S t = r.x(it);
    out.value = std::max(out.value, t);
    // LP dual: μ = the multipliers of the k sample rows; y_iᵀμ / ‖Xμ‖1 ≤ ‖w‖∞ for every feasible w.
    const Vec<S> mu = r.dual.head(k);
    const S l1 = spectral::norm_l1(Vec<S>(x * mu));
    const S dual = y.row(i).dot(mu);
    if (l1 > S(0)) out.lower_bound = std::max(out.lower_bound, S(dual / l1));
  }
  out.feasibility = spectral::norm_max(Mat<S>(out.w * x - y));
  return out;
}

template <class S>
MinNormSolution<S> min_spectral_norm_interpolation(const Mat<S>& x, const Mat<S>& y) {
  auto [out, gy] = frobenius_interpolant("min_spectral_norm_interpolation", "2", x, y);
  const Eigen::LLT<Mat<S>> llt(Mat<S>(x.transpose() * x));
  const Mat<S> yl = llt.matrixL().solve(Mat<S>(y.transpose())).transpose();  // Y L^{-T}
  out.value = spectral::norm_spectral(out.w);
  out.lower_bound = spectral::norm_spectral(yl);  // ‖W‖2 ≥ ‖Y L^{-T}‖2 for every feasible W
  return out;
}

template <class S>
MinNormSolution<S> min_frobenius_interpolation(const Mat<S>& x, const Mat<S>& y) {
  auto [out, gy] = frobenius_interpolant("min_frobenius_interpolation", "F", x, y);
  out.value = spectral::norm_frobenius_sq(out.w);
  out.lower_bound = (y.cwiseProduct(gy.transpose())).sum();  // tr(Y G⁻¹ Yᵀ) ≤ ‖W‖F² for every feasible W
  return out;
}

template MinNormSolution<double> min_max_norm_interpolation<double>(const Mat<double>&, const Mat<double>&);
template MinNormSolution<Real> min_max_norm_interpolation<Real>(const Mat<Real>&, const Mat<Real>&);
template MinNormSolution<Rational> min_max_norm_interpolation<Rational>(const Mat<Rational>&, const Mat<Rational>&);
template MinNormSolution<double> min_spectral_norm_interpolation<double>(const Mat<double>&, const Mat<double>&);
template MinNormSolution<Real> min_spectral_norm_interpolation<Real>(const Mat<Real>&, const Mat<Real>&);
template MinNormSolution<double> min_frobenius_interpolation<double>(const Mat<double>&, const Mat<double>&);
template MinNormSolution<Real> min_frobenius_interpolation<Real>(const Mat<Real>&, const Mat<Real>&);
template MinNormSolution<Rational> min_frobenius_interpolation<Rational>(const Mat<Rational>&, const Mat<Rational>&);

}  // namespace muonlab::solvers
