// Box-constrained least squares and spectral-ball least squares with duality-gap certificates (constrained_fit.hpp).
#include "solvers/constrained_fit.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <Eigen/QR>

#include <algorithm>
#include <string>
#include <vector>

namespace muonlab::solvers {
namespace {

template <class S>
void check_budget_input(const char* who, const Vec<S>& z, const Vec<S>& r0, const S& rho) {
  const std::string w(who);
  if (z.size() == 0 || r0.size() == 0) throw InputError(w + ": z and r0 must be non-empty");
  if (!all_finite(z) || !all_finite(r0) || !is_finite(rho)) throw InputError(w + ": non-finite input");
  if (spectral::norm_max(z) == S(0)) throw InputError(w + ": z = 0 (the fine-tuning input must be non-zero)");
  if (spectral::norm_max(r0) == S(0))
    throw InputError(w + ": r0 = 0 (the pretrained weight already fits the example; nothing to budget)");
  if (rho < S(0)) throw InputError(w + ": the budget rho must be >= 0");
}

template <class S>
S clip(const S& v, const S& rho) {
  return v > rho ? rho : (v < -rho ? S(-rho) : v);
}

template <class S>
Vec<S> clip_box(const Vec<S>& x, const S& rho) {
  Vec<S> out(x.size());
  for (Eigen::Index j = 0; j < x.size(); ++j) out(j) = clip(x(j), rho);
  return out;
}

/// ⟨g, x⟩ + ρ‖g‖1: the duality gap of the box problem (see the header).
template <class S>
S box_gap(const Vec<S>& g, const Vec<S>& x, const S& rho) {
  using std::abs;
  S gap(0);
  for (Eigen::Index j = 0; j < x.size(); ++j) gap += rho * abs(g(j)) + g(j) * x(j);
  return gap;
}

template <class S>
S half_sq(const Vec<S>& r) {
  return spectral::norm_l2_sq(r) / S(2);
}

/// U min(Σ, ρ) Vᵀ: the Frobenius projection onto {‖Δ‖2 ≤ ρ}.
template <class S>
Mat<S> project_spectral_ball(const Mat<S>& y, const S& rho) {
  const spectral::Svd<S> d = spectral::svd(y);
  Vec<S> s = d.s;
  for (Eigen::Index i = 0; i < s.size(); ++i) s(i) = std::min(s(i), rho);
  return d.U * s.asDiagonal() * d.V.transpose();
}

}  // namespace

template <class S>
BudgetFit<S> box_least_squares(const Mat<S>& m, const Vec<S>& c, const S& rho, int max_iterations) {
  using std::sqrt;
  const Eigen::Index p = m.rows(), n = m.cols();
  if (c.size() != p) throw InputError("box_least_squares: M has " + std::to_string(p) + " rows but c has " +
                                      std::to_string(c.size()) + " entries");
  if (!all_finite(m) || !all_finite(c) || !is_finite(rho)) throw InputError("box_least_squares: non-finite input");
  if (rho < S(0)) throw InputError("box_least_squares: the bound rho must be >= 0");
  BudgetFit<S> out;
  Vec<S> x = Vec<S>::Zero(n);
  const S lip = spectral::norm_frobenius_sq(m);  // ≥ ‖M‖2², so 1/lip is a safe projected-gradient step
  const S cn = spectral::norm_l2(c);
  // Why this tolerance: the gap sums n terms ρ|g_j| + g_j x_j that cancel exactly at bound-active coordinates
  // (x_j = ∓ρ is stored exactly) and are ρ·O(|g_j|) at free ones, where g = Mᵀ(Mx − c) carries a rounding error of
  // about p·ε·‖M‖F·‖c‖; the objective itself carries p·ε·‖c‖². 16 covers the constants.
  out.tolerance = S(16) * S(static_cast<long>(n + p)) * ScalarTraits<S>::epsilon() *
                  (cn * cn + rho * sqrt(lip) * cn * S(static_cast<long>(n)));
  auto objective = [&](const Vec<S>& v) { return half_sq<S>(Vec<S>(m * v - c)); };
  S f = objective(x);
  for (int it = 0;; ++it) {
    const Vec<S> res = m * x - c;
    const Vec<S> g = m.transpose() * res;
    f = half_sq(res);
    out.gap = box_gap(g, x, rho);
    out.iterations = it;
    if (out.gap <= out.tolerance) {
      out.converged = true;
      break;
    }
    if (it >= max_iterations || lip == S(0)) break;
    // Free variables: those not held at a bound by the gradient.
    std::vector<Eigen::Index> free;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!((x(j) >= rho && g(j) < S(0)) || (x(j) <= -rho && g(j) > S(0)))) free.push_back(j);
    Vec<S> best_x = x;
    S best_f = f;
    if (!free.empty()) {
      Mat<S> mf(p, static_cast<Eigen::Index>(free.size()));
      for (std::size_t k = 0; k < free.size(); ++k) mf.col(static_cast<Eigen::Index>(k)) = m.col(free[k]);
      // Newton step on the free variables: the minimum-norm least-squares solution of M_F s = −res.
      const Vec<S> sf = Eigen::CompleteOrthogonalDecomposition<Mat<S>>(mf).solve(Vec<S>(-res));
      Vec<S> step = Vec<S>::Zero(n);
      for (std::size_t k = 0; k < free.size(); ++k) step(free[k]) = sf(static_cast<Eigen::Index>(k));
      S alpha(1);
      for (int ls = 0; ls < 60; ++ls, alpha /= S(2)) {
        const Vec<S> xn = clip_box<S>(Vec<S>(x + alpha * step), rho);
        const S fn = objective(xn);
        if (fn < best_f) {
          best_f = fn;
          best_x = xn;
          break;
        }
      }
    }
    // Safeguard: a projected gradient step, which decreases f unless x is optimal.
    const Vec<S> xg = clip_box<S>(Vec<S>(x - g / lip), rho);
    const S fg = objective(xg);
    if (fg < best_f) {
      best_f = fg;
      best_x = xg;
    }
    if (!(best_f < f)) break;  // no progress at this precision: report the gap as it is
    x = best_x;
  }
  out.value = f;
  out.delta = x;
  out.constraint = spectral::norm_linf(x);
  return out;
}

template <class S>
BudgetFit<S> fit_max_budget(const Vec<S>& z, const Vec<S>& r0, const S& rho) {
  check_budget_input("fit_max_budget", z, r0, rho);
  const Eigen::Index m = r0.size(), n = z.size();
  // M maps vec(Δ) (column-major) to Δz: (Δz)_i = Σ_j Δ_ij z_j.
  Mat<S> mm = Mat<S>::Zero(m, m * n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) mm(i, j * m + i) = z(j);
  BudgetFit<S> fit = box_least_squares<S>(mm, r0, rho);
  Mat<S> delta(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) delta(i, j) = fit.delta(j * m + i, 0);
  fit.delta = delta;
  fit.constraint = spectral::norm_max(delta);
  return fit;
}

template <class S>
BudgetFit<S> fit_spectral_budget(const Vec<S>& z, const Vec<S>& r0, const S& rho, int max_iterations) {
  using std::sqrt;
  check_budget_input("fit_spectral_budget", z, r0, rho);
  const Eigen::Index m = r0.size(), n = z.size();
  const S lip = spectral::norm_l2_sq(z);  // ‖∇f(Δ) − ∇f(Δ')‖F ≤ ‖z‖²‖Δ − Δ'‖F
  const S rn = spectral::norm_l2(r0);
  BudgetFit<S> out;
  // Why this tolerance: ⟨G, Δ⟩ and ρ‖G‖_* cancel at the minimizer; each is a sum of O(mn) products of size
  // ‖r0‖² + ρ‖z‖‖r0‖ computed with relative error ~(m+n)ε (the SVD's backward error included); 64 covers constants.
  out.tolerance = S(64) * S(static_cast<long>(m + n)) * ScalarTraits<S>::epsilon() * (rn * rn + rho * sqrt(lip) * rn);
  auto grad = [&](const Mat<S>& d) { return Mat<S>((d * z - r0) * z.transpose()); };
  Mat<S> delta = Mat<S>::Zero(m, n), y = delta;
  S t(1);
  for (int it = 1; it <= max_iterations; ++it) {
    const Mat<S> next = project_spectral_ball<S>(Mat<S>(y - grad(y) / lip), rho);
    const S tn = (S(1) + sqrt(S(1) + S(4) * t * t)) / S(2);
    y = next + ((t - S(1)) / tn) * (next - delta);
    delta = next;
    t = tn;
    const Mat<S> g = grad(delta);
    out.gap = (g.cwiseProduct(delta)).sum() + rho * spectral::singular_values(g).sum();
    out.iterations = it;
    if (out.gap <= out.tolerance) {
      out.converged = true;
      break;
    }
  }
  out.delta = delta;
  out.value = half_sq<S>(Vec<S>(delta * z - r0));
  out.constraint = spectral::norm_spectral(delta);
  return out;
}

template BudgetFit<double> box_least_squares<double>(const Mat<double>&, const Vec<double>&, const double&, int);
template BudgetFit<Real> box_least_squares<Real>(const Mat<Real>&, const Vec<Real>&, const Real&, int);
template BudgetFit<double> fit_max_budget<double>(const Vec<double>&, const Vec<double>&, const double&);
template BudgetFit<Real> fit_max_budget<Real>(const Vec<Real>&, const Vec<Real>&, const Real&);
template BudgetFit<double> fit_spectral_budget<double>(const Vec<double>&, const Vec<double>&, const double&, int);
template BudgetFit<Real> fit_spectral_budget<Real>(const Vec<Real>&, const Vec<Real>&, const Real&, int);

}  // namespace muonlab::solvers
