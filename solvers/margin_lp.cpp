// Max-norm max-margin LP and the distance to its optimal face (margin_lp.hpp).
#include "solvers/margin_lp.hpp"

#include "solvers/lp_simplex.hpp"
#include "solvers/margin.hpp"
#include "spectral/norms.hpp"

#include <algorithm>

namespace muonlab::solvers {
namespace {

template <class S>
void check_data(const char* who, const Mat<S>& x) {
  if (x.size() == 0) throw InputError(std::string(who) + ": X must be non-empty");
  if (!all_finite(x)) throw InputError(std::string(who) + ": non-finite input");
}

/// Zero threshold of the simplex: exact in rationals; for floats the tableau entries carry a relative rounding
/// error of a few (rows + columns)·ε times the data scale after O(rows) pivots (64 covers the constants).
template <class S>
S simplex_tol(const Mat<S>& x, Eigen::Index size) {
  if constexpr (ScalarTraits<S>::is_exact) {
    return S(0);
  } else {
    const S scale = std::max(S(1), spectral::norm_max(x));
    return S(64) * S(static_cast<long>(size)) * ScalarTraits<S>::epsilon() * scale;
  }
}

}  // namespace

template <class S>
MaxNormMargin<S> max_norm_margin(const Mat<S>& x, const std::vector<int>& labels, int classes) {
  check_data("max_norm_margin", x);
  const Mat<S> a = pair_matrix<S>(x, labels, classes);  // P × Kn
  const Eigen::Index p = a.rows(), d = a.cols();
  // Variables [W⁺ (d), W⁻ (d), γ, s (P), u⁺ (d), u⁻ (d)] ≥ 0. Rows: a_pᵀ(W⁺ − W⁻) − γ − s_p = 0 (P),
  // W⁺ + u⁺ = 1 (d), W⁻ + u⁻ = 1 (d). Minimize −γ.
  const Eigen::Index ig = 2 * d, is = ig + 1, iu = is + p, nv = iu + 2 * d, rows = p + 2 * d;
  Mat<S> lp = Mat<S>::Zero(rows, nv);
  Vec<S> b = Vec<S>::Zero(rows), c = Vec<S>::Zero(nv);
  lp.block(0, 0, p, d) = a;
  lp.block(0, d, p, d) = -a;
  for (Eigen::Index q = 0; q < p; ++q) lp(q, ig) = S(-1), lp(q, is + q) = S(-1);
  for (Eigen::Index j = 0; j < d; ++j) {
    lp(p + j, j) = S(1), lp(p + j, iu + j) = S(1), b(p + j) = S(1);
    lp(p + d + j, d + j) = S(1), lp(p + d + j, iu + d + j) = S(1), b(p + d + j) = S(1);
  }
  c(ig) = S(-1);
  const LpResult<S> r = lp_minimize<S>(lp, b, c, simplex_tol<S>(x, rows + nv));
  if (r.status != LpStatus::optimal) throw NumericalError("max_norm_margin: the LP is not optimal (a bug)");
  MaxNormMargin<S> out;
  out.pivots = r.pivots;
  out.w = Mat<S>(classes, x.rows());
  for (Eigen::Index j = 0; j < d; ++j) out.w(j % classes, j / classes) = r.x(j) - r.x(d + j);
  out.margin = margin_of<S>(out.w, x, labels, classes);
  if (!(out.margin > S(0)))
    throw InputError("max_norm_margin: the data are not linearly separable by a K x n matrix (max-norm margin 0)");
  // Dual feasibility of the γ and slack columns gives y_p ≥ 0 and Σ y_p ≥ 1 (= 1 when γ is basic).
  Vec<S> mu = r.dual.head(p);
  for (Eigen::Index q = 0; q < p; ++q)
    if (mu(q) < S(0)) mu(q) = S(0);  // rounding only: exact duals are ≥ 0
  out.mu = to_simplex<S>(mu);
  out.upper = entrywise_l1<S>(pair_combination<S>(out.mu, x, labels, classes));
  return out;
}

template <class S>
S max_norm_face_distance(const Mat<S>& x, const std::vector<int>& labels, int classes, const S& gamma,
                         const Mat<S>& v) {
  check_data("max_norm_face_distance", x);
  if (v.rows() != classes || v.cols() != x.rows() || !all_finite(v))
    throw InputError("max_norm_face_distance: V must be a finite " + std::to_string(classes) + "x" +
                     std::to_string(x.rows()) + " matrix");
  const Mat<S> a = pair_matrix<S>(x, labels, classes);
  const Eigen::Index p = a.rows(), d = a.cols();
  // Variables [W⁺, W⁻ (d each), t, s (P), u⁺, u⁻, e⁺, e⁻ (d each)] ≥ 0. Rows: a_pᵀ(W⁺ − W⁻) − s_p = γ (P),
  // W± + u± = 1 (2d), (W⁺ − W⁻) − t + e⁺ = V, −(W⁺ − W⁻) − t + e⁻ = −V (2d). Minimize t.
  const Eigen::Index it = 2 * d, is = it + 1, iu = is + p, ie = iu + 2 * d, nv = ie + 2 * d, rows = p + 4 * d;
  Mat<S> lp = Mat<S>::Zero(rows, nv);
  Vec<S> b = Vec<S>::Zero(rows), c = Vec<S>::Zero(nv);
  lp.block(0, 0, p, d) = a;
  lp.block(0, d, p, d) = -a;
  for (Eigen::Index q = 0; q < p; ++q) lp(q, is + q) = S(-1), b(q) = gamma;
  for (Eigen::Index j = 0; j < d; ++j) {
    const S vj = v(j % classes, j / classes);
    lp(p + j, j) = S(1), lp(p + j, iu + j) = S(1), b(p + j) = S(1);
    lp(p + d + j, d + j) = S(1), lp(p + d + j, iu + d + j) = S(1), b(p + d + j) = S(1);
    const Eigen::Index r1 = p + 2 * d + j, r2 = p + 3 * d + j;
    lp(r1, j) = S(1), lp(r1, d + j) = S(-1), lp(r1, it) = S(-1), lp(r1, ie + j) = S(1), b(r1) = vj;
    lp(r2, j) = S(-1), lp(r2, d + j) = S(1), lp(r2, it) = S(-1), lp(r2, ie + d + j) = S(1), b(r2) = -vj;
  }
  c(it) = S(1);
  const S scale = std::max(S(1), spectral::norm_max(v));
  const LpResult<S> r = lp_minimize<S>(lp, b, c, S(simplex_tol<S>(x, rows + nv) * scale));
  if (r.status == LpStatus::infeasible)
    throw InputError("max_norm_face_distance: no W with |W|max <= 1 has margin >= the given gamma");
  if (r.status != LpStatus::optimal) throw NumericalError("max_norm_face_distance: the LP is unbounded (a bug)");
  return r.value;
}

template MaxNormMargin<double> max_norm_margin<double>(const Mat<double>&, const std::vector<int>&, int);
template MaxNormMargin<Real> max_norm_margin<Real>(const Mat<Real>&, const std::vector<int>&, int);
template MaxNormMargin<Rational> max_norm_margin<Rational>(const Mat<Rational>&, const std::vector<int>&, int);
template double max_norm_face_distance<double>(const Mat<double>&, const std::vector<int>&, int, const double&,
                                               const Mat<double>&);
template Real max_norm_face_distance<Real>(const Mat<Real>&, const std::vector<int>&, int, const Real&,
                                           const Mat<Real>&);
template Rational max_norm_face_distance<Rational>(const Mat<Rational>&, const std::vector<int>&, int,
                                                   const Rational&, const Mat<Rational>&);

}  // namespace muonlab::solvers
