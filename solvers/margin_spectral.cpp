// Barrier method for the spectral-norm max-margin problem, with the nuclear-norm certificate (margin_spectral.hpp).
#include "solvers/margin_spectral.hpp"

#include "solvers/margin.hpp"
#include "solvers/margin_lp.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include <algorithm>

namespace muonlab::solvers {
namespace {

/// The barrier f(z) = τ t − log det(tI − WWᵀ) − Σ_p log(a_pᵀw − 1) at z = (vec W, t).
template <class S>
struct Barrier {
  const Mat<S>& a;  // P × Kn pair matrix (margin.hpp), column-major vec: W_ab at a + K·b
  int k;
  Eigen::Index n;
  S tau;

  Eigen::Index dim() const { return k * n + 1; }
  Mat<S> w_of(const Vec<S>& z) const {
    Mat<S> w(k, n);
    for (Eigen::Index j = 0; j < k * n; ++j) w(j % k, j / k) = z(j);
    return w;
  }

  /// f(z); false when z is not strictly feasible (then f is +∞).
  bool value(const Vec<S>& z, S& f) const {
    using std::log;
    const Mat<S> w = w_of(z);
    const S t = z(k * n);
    const Mat<S> s = t * Mat<S>::Identity(k, k) - w * w.transpose();
    const Eigen::LLT<Mat<S>> llt(s);
    if (llt.info() != Eigen::Success) return false;
    S logdet(0);
    for (Eigen::Index i = 0; i < k; ++i) {
      const S l = llt.matrixLLT()(i, i);
      if (!(l > S(0))) return false;
      logdet += S(2) * log(l);
    }
    const Vec<S> slack = a * z.head(k * n) - Vec<S>::Ones(a.rows());
    S logs(0);
    for (Eigen::Index p = 0; p < slack.size(); ++p) {
      if (!(slack(p) > S(0))) return false;
      logs += log(slack(p));
    }
    f = tau * t - logdet - logs;
    return true;
  }

  /// Gradient and Hessian at a strictly feasible z (closed forms; see the header).
  void derivatives(const Vec<S>& z, Vec<S>& g, Mat<S>& h) const {
    const Mat<S> w = w_of(z);
    const S t = z(k * n);
    const Eigen::Index d = k * n;
    const Mat<S> r = Eigen::LLT<Mat<S>>(Mat<S>(t * Mat<S>::Identity(k, k) - w * w.transpose()))
                         .solve(Mat<S>(Mat<S>::Identity(k, k)));  // R = (tI − WWᵀ)⁻¹
    const Mat<S> rw = r * w, wrw = w.transpose() * rw, r2w = r * rw;
    const Vec<S> slack = a * z.head(d) - Vec<S>::Ones(a.rows());
    Vec<S> inv(slack.size()), inv2(slack.size());
    for (Eigen::Index p = 0; p < slack.size(); ++p) inv(p) = S(1) / slack(p), inv2(p) = inv(p) * inv(p);
    g = Vec<S>(d + 1);
    // ∂/∂W of −log det(tI − WWᵀ) is 2RW; ∂/∂t is −tr R; the slacks add −Σ a_p/s_p.
    const Vec<S> lin = a.transpose() * inv;
    for (Eigen::Index j = 0; j < d; ++j) g(j) = S(2) * rw(j % k, j / k) - lin(j);
    g(d) = tau - r.trace();
    h = a.transpose() * inv2.asDiagonal() * a;
    h.conservativeResize(d + 1, d + 1);
    h.row(d).setZero();
    h.col(d).setZero();
    // Second derivative of −log det S(W + s·E, t + s·τ') along directions: tr(R S' R S') + 2 tr(R E Eᵀ) with
    // S' = τ'I − E Wᵀ − W Eᵀ; polarized over the basis E_ab, E_cd this is
    // 2 RW_cb RW_ad + 2 R_ac (WᵀRW)_bd + 2 δ_bd R_ac, the t–W block −2 (R²W)_ab and the t–t entry tr R².
    for (Eigen::Index j2 = 0; j2 < d; ++j2) {
      const Eigen::Index c = j2 % k, dd = j2 / k;
      for (Eigen::Index j1 = 0; j1 < d; ++j1) {
        const Eigen::Index aa = j1 % k, b = j1 / k;
        S v = S(2) * rw(c, b) * rw(aa, dd) + S(2) * r(aa, c) * wrw(b, dd);
        if (b == dd) v += S(2) * r(aa, c);
        h(j1, j2) += v;
      }
      h(d, j2) = h(j2, d) = S(-2) * r2w(c, dd);
    }
    h(d, d) = (r * r).trace();
  }
};

}  // namespace

template <class S>
SpectralMargin<S> spectral_margin(const Mat<S>& x, const std::vector<int>& labels, int classes, const S& rel_gap,
                                  int max_newton_steps) {
  if (!(rel_gap > S(0))) throw InputError("spectral_margin: the requested relative gap must be > 0");
  // A strictly feasible start: the max-norm maximizer scaled to margin 2 (InputError when not separable).
  const MaxNormMargin<S> lp = max_norm_margin<S>(x, labels, classes);
  const Mat<S> a = pair_matrix<S>(x, labels, classes);
  const Eigen::Index n = x.rows(), d = classes * n, np = a.rows();
  Vec<S> z(d + 1);
  for (Eigen::Index j = 0; j < d; ++j) z(j) = S(2) * lp.w(j % classes, j / classes) / lp.margin;
  z(d) = S(2) * spectral::norm_l2_sq(Vec<S>(z.head(d))) + S(1);  // > ‖W‖F² ≥ ‖W‖2²
  Barrier<S> bar{a, classes, n, S(static_cast<long>(classes + np)) / z(d)};

  SpectralMargin<S> out;
  bool have_lower = false, have_upper = false;
  // Keep the best bound of each side: each is valid on its own (margin.hpp).
  auto certify = [&](const Vec<S>& zz) {
    const Mat<S> w = bar.w_of(zz);
    const S lo = margin_of<S>(w, x, labels, classes) / spectral::norm_spectral(w);
    if (!have_lower || lo > out.lower) out.lower = lo, out.w = w, have_lower = true;
    Vec<S> mu(np);
    const Vec<S> slack = a * zz.head(d) - Vec<S>::Ones(np);
    for (Eigen::Index p = 0; p < np; ++p) mu(p) = S(1) / (bar.tau * slack(p));
    mu = to_simplex<S>(mu);
    const S up = spectral::singular_values(pair_combination<S>(mu, x, labels, classes)).sum();
    if (!have_upper || up < out.upper) out.upper = up, out.mu = mu, have_upper = true;
    out.rel_gap = (out.upper - out.lower) / out.upper;
  };

  // Centering stops when the Newton decrement λ²/2 is below this (affine invariant; quadratic convergence makes a
  // tight value cost one or two steps).
  const S center_tol = S(1) / S(1000000000L);
  certify(z);  // the start is strictly feasible: a valid (wide) bracket even if no Newton step is allowed
  bool stalled = false;
  while (!stalled && out.newton_steps < max_newton_steps) {
    for (int inner = 0; inner < 100 && out.newton_steps < max_newton_steps; ++inner) {
      S f;
      if (!bar.value(z, f)) throw NumericalError("spectral_margin: lost strict feasibility (a bug)");
      Vec<S> g;
      Mat<S> h;
      bar.derivatives(z, g, h);
      Vec<S> step;
      const Eigen::LLT<Mat<S>> llt(h);
      if (llt.info() == Eigen::Success)
        step = -llt.solve(g);
      else
        step = -Eigen::FullPivLU<Mat<S>>(h).solve(g);
      ++out.newton_steps;
      const S dec = -g.dot(step);  // λ²
      if (!(dec > S(2) * center_tol)) break;
      S alpha(1);
      bool accepted = false;
      for (int ls = 0; ls < 80; ++ls, alpha /= S(2)) {
        const Vec<S> zn = z + alpha * step;
        S fn;
        if (bar.value(zn, fn) && fn <= f - alpha * dec / S(4)) {
          z = zn;
          accepted = true;
          break;
        }
      }
      if (!accepted) {
        stalled = true;  // no decrease at this precision
        break;
      }
    }
    ++out.centerings;
    certify(z);
    if (out.rel_gap <= rel_gap) {
      out.converged = true;
      break;
    }
    bar.tau *= S(20);
  }
  return out;
}

template SpectralMargin<double> spectral_margin<double>(const Mat<double>&, const std::vector<int>&, int,
                                                        const double&, int);
template SpectralMargin<Real> spectral_margin<Real>(const Mat<Real>&, const std::vector<int>&, int, const Real&, int);

}  // namespace muonlab::solvers
