// Primal active-set QP for min ½‖w‖² s.t. A w ≥ b, and the Frobenius max-margin classifier (margin_qp.hpp).
#include "solvers/margin_qp.hpp"

#include "solvers/margin.hpp"
#include "solvers/margin_lp.hpp"
#include "spectral/norms.hpp"

#include <Eigen/LU>

#include <algorithm>

namespace muonlab::solvers {
namespace {

/// The zero threshold: exact in rationals; for floats, products a_iᵀw and the projected step carry a rounding
/// error of about (rows + columns)·ε times the scale ‖A‖max·‖w‖ (64 covers the constants of the small solves).
template <class S>
S qp_tol(const Mat<S>& a, const Vec<S>& b) {
  if constexpr (ScalarTraits<S>::is_exact) {
    return S(0);
  } else {
    const S scale = std::max({S(1), spectral::norm_max(a), spectral::norm_max(b)});
    return S(64) * S(static_cast<long>(a.rows() + a.cols())) * ScalarTraits<S>::epsilon() * scale * scale;
  }
}

template <class S>
Mat<S> rows_of(const Mat<S>& a, const std::vector<Eigen::Index>& idx) {
  Mat<S> out(static_cast<Eigen::Index>(idx.size()), a.cols());
  for (std::size_t k = 0; k < idx.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = a.row(idx[k]);
  return out;
}

}  // namespace

template <class S>
MinNormPoint<S> min_norm_polyhedron(const Mat<S>& a, const Vec<S>& b, const Vec<S>& w0) {
  const Eigen::Index m = a.rows(), d = a.cols();
  if (b.size() != m || w0.size() != d)
    throw InputError("min_norm_polyhedron: A is " + std::to_string(m) + "x" + std::to_string(d) + ", b has " +
                     std::to_string(b.size()) + " entries and w0 " + std::to_string(w0.size()));
  if (!all_finite(a) || !all_finite(b) || !all_finite(w0)) throw InputError("min_norm_polyhedron: non-finite input");
  const S tol = qp_tol<S>(a, b);
  {
    const Vec<S> slack = a * w0 - b;
    if (m > 0 && slack.minCoeff() < -tol * std::max(S(1), spectral::norm_linf(w0)))
      throw InputError("min_norm_polyhedron: the starting point is not feasible");
  }
  MinNormPoint<S> out;
  Vec<S> w = w0;
  std::vector<Eigen::Index> work;  // the working set (rows of A held at equality)
  Vec<S> lam_w;                    // multipliers of the working set at the last stationary point
  const long max_iterations = 50L * static_cast<long>(m + d) + 100;
  for (long it = 0;; ++it) {
    if (it > max_iterations) throw NumericalError("min_norm_polyhedron: iteration limit (cycling?)");
    out.iterations = it;
    // Step p = argmin ½‖w + p‖² s.t. A_W p = 0:  p = −w + A_Wᵀ ν,  ν = (A_W A_Wᵀ)⁻¹ A_W w.
    Vec<S> nu = Vec<S>::Zero(static_cast<Eigen::Index>(work.size()));
    Vec<S> p = -w;
    if (!work.empty()) {
      const Mat<S> aw = rows_of<S>(a, work);
      nu = Eigen::FullPivLU<Mat<S>>(Mat<S>(aw * aw.transpose())).solve(Vec<S>(aw * w));
      p += aw.transpose() * nu;
    }
    const S wn = std::max(S(1), spectral::norm_linf(w));
    if (spectral::norm_linf(p) <= tol * wn) {
      // Stationary on the working set: w = A_Wᵀν. Optimal iff every multiplier is ≥ 0.
      Eigen::Index drop = -1;
      for (Eigen::Index k = 0; k < nu.size(); ++k)
        if (nu(k) < -tol * wn && (drop < 0 || nu(k) < nu(drop))) drop = k;
      if (drop < 0) {
        lam_w = nu;
        break;
      }
      work.erase(work.begin() + drop);
      continue;
    }
    // Longest step along p that keeps every constraint outside the working set satisfied.
    S alpha(1);
    Eigen::Index block = -1;
    for (Eigen::Index i = 0; i < m; ++i) {
      if (std::find(work.begin(), work.end(), i) != work.end()) continue;
      const S ap = a.row(i).dot(p);
      if (!(ap < -tol * wn)) continue;
      S ratio = (b(i) - a.row(i).dot(w)) / ap;  // ≥ 0 for a feasible w
      if (ratio < S(0)) ratio = S(0);
      if (ratio < alpha || (block >= 0 && ratio == alpha && i < block)) {
        alpha = ratio;
        block = i;
      }
    }
    w += alpha * p;
    if (block >= 0) work.push_back(block);
  }
  out.w = w;
  out.lambda = Vec<S>::Zero(m);
  for (std::size_t k = 0; k < work.size(); ++k) {
    const S v = lam_w(static_cast<Eigen::Index>(k));
    out.lambda(work[k]) = v > S(0) ? v : S(0);  // multipliers at −tol·scale are rounding
  }
  out.value = spectral::norm_l2_sq(w) / S(2);
  const Vec<S> atl = a.transpose() * out.lambda;
  out.dual_value = b.dot(out.lambda) - spectral::norm_l2_sq(atl) / S(2);
  out.infeasibility = S(0);
  if (m > 0) {
    const S worst = (b - a * w).maxCoeff();
    if (worst > S(0)) out.infeasibility = worst;
  }
  return out;
}

template <class S>
FrobeniusMargin<S> frobenius_margin(const Mat<S>& x, const std::vector<int>& labels, int classes) {
  // A feasible start: the max-norm maximizer scaled to margin 1 (InputError when not separable).
  const MaxNormMargin<S> lp = max_norm_margin<S>(x, labels, classes);
  const Mat<S> a = pair_matrix<S>(x, labels, classes);
  const Eigen::Index d = a.cols();
  Vec<S> w0(d);
  for (Eigen::Index j = 0; j < d; ++j) w0(j) = lp.w(j % classes, j / classes) / lp.margin;
  const MinNormPoint<S> qp = min_norm_polyhedron<S>(a, Vec<S>::Ones(a.rows()), w0);
  FrobeniusMargin<S> out;
  out.iterations = qp.iterations;
  out.w = Mat<S>(classes, x.rows());
  for (Eigen::Index j = 0; j < d; ++j) out.w(j % classes, j / classes) = qp.w(j);
  out.norm_sq = spectral::norm_frobenius_sq(out.w);
  out.min_margin = margin_of<S>(out.w, x, labels, classes);
  out.qp_gap = qp.gap();
  out.mu = to_simplex<S>(qp.lambda);
  out.upper_sq = spectral::norm_frobenius_sq(pair_combination<S>(out.mu, x, labels, classes));
  return out;
}

template MinNormPoint<double> min_norm_polyhedron<double>(const Mat<double>&, const Vec<double>&, const Vec<double>&);
template MinNormPoint<Real> min_norm_polyhedron<Real>(const Mat<Real>&, const Vec<Real>&, const Vec<Real>&);
template MinNormPoint<Rational> min_norm_polyhedron<Rational>(const Mat<Rational>&, const Vec<Rational>&,
                                                              const Vec<Rational>&);
template FrobeniusMargin<double> frobenius_margin<double>(const Mat<double>&, const std::vector<int>&, int);
template FrobeniusMargin<Real> frobenius_margin<Real>(const Mat<Real>&, const std::vector<int>&, int);
template FrobeniusMargin<Rational> frobenius_margin<Rational>(const Mat<Rational>&, const std::vector<int>&, int);

}  // namespace muonlab::solvers
