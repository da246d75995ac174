#include "solvers/lp_simplex.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"

#include <vector>

namespace muonlab::solvers {

const char* to_string(LpStatus s) {
  switch (s) {
    case LpStatus::optimal: return "optimal";
    case LpStatus::infeasible: return "infeasible";
    case LpStatus::unbounded: return "unbounded";
  }
  return "?";
}

namespace {

/// The tableau [B⁻¹A | B⁻¹ | B⁻¹b] with rows flipped so that b ≥ 0; columns N..N+p−1 are the artificials,
/// whose block holds B⁻¹ of the (flipped) system throughout.
template <class S>
struct Tableau {
  Eigen::Index p, n;  // rows, original columns
  Mat<S> t;           // p × (n + p + 1)
  std::vector<Eigen::Index> basis;
  S tol;
  long pivots = 0;

  Eigen::Index rhs() const { return n + p; }

  void pivot(Eigen::Index row, Eigen::Index col) {
    const S piv = t(row, col);
    t.row(row) /= piv;
    for (Eigen::Index i = 0; i < p; ++i)
      if (i != row && t(i, col) != S(0)) {
        const S f = t(i, col);
        t.row(i) -= f * t.row(row);
      }
    basis[static_cast<std::size_t>(row)] = col;
    ++pivots;
  }

  /// Reduced cost of column j for the cost vector `cost` (length n + p).
  S reduced(const Vec<S>& cost, Eigen::Index j) const {
    S r = cost(j);
    for (Eigen::Index i = 0; i < p; ++i) r -= cost(basis[static_cast<std::size_t>(i)]) * t(i, j);
    return r;
  }

  /// Runs simplex iterations with Bland's rule over columns [0, ncols). Returns false when unbounded.
  bool optimize(const Vec<S>& cost, Eigen::Index ncols, long max_pivots) {
    for (;;) {
      if (pivots > max_pivots) throw NumericalError("lp_minimize: pivot limit reached (cycling in rounded arithmetic?)");
      Eigen::Index enter = -1;
      for (Eigen::Index j = 0; j < ncols && enter < 0; ++j)
        if (reduced(cost, j) < -tol) enter = j;  // Bland: the smallest improving index
      if (enter < 0) return true;
      Eigen::Index leave = -1;
      S best(0);
      for (Eigen::Index i = 0; i < p; ++i) {
        if (t(i, enter) <= tol) continue;
        const S ratio = t(i, rhs()) / t(i, enter);
        if (leave < 0 || ratio < best ||
            (ratio == best && basis[static_cast<std::size_t>(i)] < basis[static_cast<std::size_t>(leave)])) {
          leave = i;
          best = ratio;
        }
      }
      if (leave < 0) return false;
      pivot(leave, enter);
    }
  }
};

}  // namespace

template <class S>
LpResult<S> lp_minimize(const Mat<S>& a, const Vec<S>& b, const Vec<S>& c, const S& tol) {
  const Eigen::Index p = a.rows(), n = a.cols();
  if (b.size() != p || c.size() != n)
    throw InputError("lp_minimize: shapes do not match (A is " + std::to_string(p) + "x" + std::to_string(n) +
                     ", b has " + std::to_string(b.size()) + ", c has " + std::to_string(c.size()) + ")");
  if (!all_finite(a) || !all_finite(b) || !all_finite(c)) throw InputError("lp_minimize: non-finite data");
  Tableau<S> tab{p, n, Mat<S>::Zero(p, n + p + 1), std::vector<Eigen::Index>(static_cast<std::size_t>(p)), tol};
  std::vector<int> flip(static_cast<std::size_t>(p), 1);
  for (Eigen::Index i = 0; i < p; ++i) {
    const int sg = b(i) < S(0) ? -1 : 1;
    flip[static_cast<std::size_t>(i)] = sg;
    tab.t.row(i).head(n) = a.row(i) * S(sg);
    tab.t(i, n + i) = S(1);
    tab.t(i, n + p) = b(i) * S(sg);
    tab.basis[static_cast<std::size_t>(i)] = n + i;
  }
  const long max_pivots = 50L * static_cast<long>(p + n) + 100;
  LpResult<S> out;
  // Phase 1: minimize the sum of the artificials.
  Vec<S> cost1 = Vec<S>::Zero(n + p);
  cost1.tail(p).setConstant(S(1));
  tab.optimize(cost1, n + p, max_pivots);  // bounded below by 0
  out.phase1 = S(0);
  for (Eigen::Index i = 0; i < p; ++i)
    if (tab.basis[static_cast<std::size_t>(i)] >= n) out.phase1 += tab.t(i, n + p);
  // Feasibility threshold: exact zero in rationals; for floating types the residual of B⁻¹b scales with ‖b‖.
  const S scale = S(1) + spectral::norm_linf(b);
  if (out.phase1 > tol * scale) {
    out.status = LpStatus::infeasible;
    out.pivots = tab.pivots;
    return out;
  }
  // Drive the artificials out of the basis; a row with no non-artificial entry is redundant and keeps its
  // artificial at zero (its entries in the original columns stay zero under later pivots).
  for (Eigen::Index i = 0; i < p; ++i) {
    if (tab.basis[static_cast<std::size_t>(i)] < n) continue;
    for (Eigen::Index j = 0; j < n; ++j) {
      using std::abs;
      if (abs(tab.t(i, j)) > tol) {
        tab.pivot(i, j);
        break;
      }
    }
  }
  // Phase 2 over the original columns only.
  Vec<S> cost2 = Vec<S>::Zero(n + p);
  cost2.head(n) = c;
  if (!tab.optimize(cost2, n, max_pivots)) {
    out.status = LpStatus::unbounded;
    out.pivots = tab.pivots;
    return out;
  }
  out.status = LpStatus::optimal;
  out.x = Vec<S>::Zero(n);
  for (Eigen::Index i = 0; i < p; ++i)
    if (tab.basis[static_cast<std::size_t>(i)] < n) out.x(tab.basis[static_cast<std::size_t>(i)]) = tab.t(i, n + p);
  out.value = c.dot(out.x);
  // y = c_Bᵀ B⁻¹ for the flipped system; B⁻¹ sits in the artificial block. Undo the flips.
  out.dual = Vec<S>::Zero(p);
  for (Eigen::Index r = 0; r < p; ++r) {
    S y(0);
    for (Eigen::Index i = 0; i < p; ++i) y += cost2(tab.basis[static_cast<std::size_t>(i)]) * tab.t(i, n + r);
    out.dual(r) = y * S(flip[static_cast<std::size_t>(r)]);
  }
  out.pivots = tab.pivots;
  return out;
}

template LpResult<double> lp_minimize<double>(const Mat<double>&, const Vec<double>&, const Vec<double>&,
                                              const double&);
template LpResult<Real> lp_minimize<Real>(const Mat<Real>&, const Vec<Real>&, const Vec<Real>&, const Real&);
template LpResult<Rational> lp_minimize<Rational>(const Mat<Rational>&, const Vec<Rational>&, const Vec<Rational>&,
                                                  const Rational&);

}  // namespace muonlab::solvers
