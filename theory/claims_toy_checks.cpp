#include "theory/claims_toy_checks.hpp"

#include "solvers/optimizer.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"
#include "theory/closed_forms.hpp"

#include <algorithm>
#include <vector>

namespace muonlab::theory {
namespace {

/// A value in the working precision: exact rationals convert without rounding to 0, Reals are kept.
template <class S>
Real as_real(const S& x) {
  return Real(x);
}

/// Makes N feasible for Δ u = r0 perturbations: N ← N − (N u) uᵀ/‖u‖² (exact in rationals), so N u = 0.
template <class S>
Mat<S> project_null(const Mat<S>& n, const Vec<S>& u) {
  return n - (n * u) * u.transpose() / spectral::norm_l2_sq(u);
}

/// The perturbation directions of the minimality checks (all with N u = 0 up to rounding).
template <class S>
std::vector<Mat<S>> perturbations(const Mat<S>& delta, const Mat<S>& other, const Vec<S>& u, spectral::Rng& rng,
                                  bool steepest_max) {
  const Eigen::Index m = delta.rows(), n = delta.cols();
  std::vector<Mat<S>> out;
  for (int k = 0; k < 4; ++k) {  // random integer directions
    Mat<S> r(m, n);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < m; ++i) r(i, j) = S(rng.integer(-3, 3));
    out.push_back(project_null<S>(r, u));
  }
  // Pairwise exchanges in a row of largest magnitude: e_i (u_k e_j − u_j e_k)ᵀ, exactly in the null space.
  Eigen::Index imax = 0;
  for (Eigen::Index i = 0; i < m; ++i)
    if (spectral::norm_linf(delta.row(i)) > spectral::norm_linf(delta.row(imax))) imax = i;
  int pairs = 0;
  for (Eigen::Index j = 0; j < n && pairs < 6; ++j)
    for (Eigen::Index k = j + 1; k < n && pairs < 6; ++k, ++pairs) {
      Mat<S> e = Mat<S>::Zero(m, n);
      e(imax, j) = u(k);
      e(imax, k) = -u(j);
      out.push_back(e);
      out.push_back(Mat<S>(-e));
    }
  out.push_back(Mat<S>(other - delta));  // toward the other candidate (both are feasible)
  if (steepest_max) out.push_back(project_null<S>(Mat<S>(-spectral::sign(delta)), u));  // max-norm descent
  return out;
}

}  // namespace

template <class S>
SignRunCheck<S> check_signgd_run(const toy::Problem<S>& p, long min_steps, const spectral::Precision& precision) {
  SignRunCheck<S> c;
  const Vec<S> u = p.u.col(0), r0 = p.r0.col(0);
  const Vec<S> su = spectral::sign(u);
  const S l1 = spectral::norm_l1(u), rinf = spectral::norm_linf(r0);
  // η0 = (3/4)‖r0‖∞/‖u‖1: Lemma D.1's entry needs ‖u‖1 Σ_{s<T} η_s > ‖r0‖∞, i.e. H_T > 4/3: T ≥ 2.
  const S eta0 = rinf == S(0) ? S(1) : S(3) * rinf / (S(4) * l1);
  c.steps = std::max(min_steps, 2L + 50);
  Eigen::Index j0 = 0;
  while (su(j0) == S(0)) ++j0;  // a column with u_j ≠ 0 (finalize() rejects u = 0)
  auto opt = solvers::make_optimizer<S>("signgd");
  Mat<S> w = p.p0, g;
  for (long t = 0; t < c.steps; ++t) {
    const S eta = eta0 / S(t + 1);
    p.gradient(w, g);
    opt->step(w, g, eta);  // Thm 3.1: W ← W − η_t sign(∇L)
    const Mat<S> d = w - p.p0;
    const Vec<S> wt = d.col(j0) * su(j0);
    // Thm 3.1: W_t = w_t sign(x)ᵀ (in the reduced form: P_t − P0 = w_t sign(u)ᵀ).
    c.invariant_error = std::max(c.invariant_error, as_real(spectral::norm_max(Mat<S>(d - wt * su.transpose()))));
    c.eta_last = eta;
  }
  const Mat<S> pmax = p.p0 + w_star_max<S>(u, r0), p2 = p.p0 + w_star_2<S>(u, r0);
  // Lemma D.1 band: |r_T,i| ≤ η_{T−1}‖u‖1, i.e. ‖P_T − P*_max‖max ≤ η_{T−1}. In MPFR, T steps of rounding on
  // entries of size ≤ ‖P*_max‖max + η0 are added (zero in rationals).
  const S size = spectral::norm_max(pmax) + eta0;
  const S slack = precision.tolerance_of<S>(static_cast<double>(c.steps), spectral::rounding::kSteps) * size;
  const S excess = spectral::norm_max(Mat<S>(w - pmax)) - c.eta_last - slack;
  c.limit_excess = excess > S(0) ? as_real(excess) : Real(0);
  // The invariant W_t = w_t sign(x)ᵀ is exact in rationals; in MPFR each coordinate is a sum of T rounded steps.
  c.tolerance = as_real(slack);
  c.gap_over_band = as_real(spectral::norm_max(Mat<S>(pmax - p2)) / c.eta_last);
  if (c.gap_over_band == 0) c.gap_over_band = std::numeric_limits<Real>::infinity();  // |u| constant: they coincide
  return c;
}

MuonRunCheck check_muon_run(const toy::Problem<Real>& p, const std::string& optimizer, long steps,
                            spectral::Rng& rng, const spectral::Precision& precision) {
  MuonRunCheck c;
  c.steps = steps;
  c.invariant_tol = c.limit_tol = 1;  // replaced below; r0 = 0 leaves nothing to do (errors 0)
  const VecR u = p.u.col(0), r0 = p.r0.col(0);
  const Real nu = spectral::norm_l2(u), nr = spectral::norm_l2(r0);
  const MatR y = w_star_2<Real>(u, r0);  // P*_2 − P0
  const Real scale = spectral::norm_frobenius(y);
  const double mn = static_cast<double>(p.m() + p.u.rows());
  if (nr == 0) return c;
  // η0 = c‖r0‖/‖u‖, c ∈ [0.3, 0.9]: Lemma D.1 on ρ_t (steps η_t‖u‖) enters its band once H_T > 1/c (T ≥ 16).
  const Real eta0 = Real(rng.uniform(0.3, 0.9)) * nr / nu;
  auto opt = solvers::make_optimizer<Real>(optimizer);
  MatR w = p.p0, g;
  const Real yy = spectral::norm_frobenius_sq(y);
  Real eta = eta0;
  // Rounding. Forming r_t = P_t u − (P0 u + r0) costs O((m+n)ε‖r0‖) absolute, i.e. a relative error
  // O((m+n)ε‖r0‖/‖r_t‖) in the direction ortho() sees, and ‖r_t‖ gets small (it oscillates in Lemma D.1's band,
  // sometimes close to 0). Since r_{t+1} = r_t(1 − η_t‖u‖/‖r_t‖) rescales the whole vector, a relative error
  // once made is kept, so after t steps it is at most Σ_{s≤t} (m+n)ε‖r0‖/‖r_s‖; each step moves P by
  // η_s ≤ ‖P*_2 − P0‖, so the distance from the line, relative to ‖P*_2 − P0‖, is at most
  // T·(m+n)u·(1 + Σ_s ‖r0‖/‖r_s‖). The amplification Σ_s ‖r0‖/‖r_s‖ is measured along the run;
  // rounding::kSvd covers the constants of the rank-one polar factor and of the products.
  Real amplification = 1;
  for (long t = 0; t < steps; ++t) {
    eta = eta0 / Real(t + 1);
    p.gradient(w, g);
    const Real rt = spectral::norm_l2(p.residual(w));
    // A residual that is exactly 0 is the solution itself (ortho(0) = 0: the iterate stays); it amplifies nothing.
    if (rt > 0) amplification += nr / rt;
    opt->step(w, g, eta);
    const MatR d = w - p.p0;
    const Real coef = (d.cwiseProduct(y)).sum() / yy;
    // Thm 3.2: the iterates stay on the line P0 + c·r0 uᵀ.
    c.invariant_error = std::max(c.invariant_error, Real(spectral::norm_frobenius(MatR(d - coef * y)) / scale));
  }
  c.invariant_tol = precision.tolerance(static_cast<double>(steps) * mn, spectral::rounding::kSvd) * amplification;
  c.limit_tol = c.invariant_tol * scale;
  c.eta_last = eta;
  // Lemma D.1 on ρ_t: ‖P_T − P*_2‖2 = |ρ_T|/‖u‖ ≤ η_{T−1}.
  const Real dist = spectral::norm_frobenius(MatR(w - p.p0 - y));
  c.limit_excess = std::max(Real(0), Real(dist - eta));
  return c;
}

template <class S>
MinimalityCheck check_min_max_norm(const toy::Problem<S>& p, spectral::Rng& rng, const spectral::Precision& precision) {
  MinimalityCheck mc;
  const Vec<S> u = p.u.col(0), r0 = p.r0.col(0);
  const Mat<S> delta = w_star_max<S>(u, r0), other = w_star_2<S>(u, r0);
  const S best = spectral::norm_max(delta);
  // Rounding in MPFR: norms of O(1)-sized sums of m+n terms; zero in rationals.
  const S tol = precision.tolerance_of<S>(static_cast<double>(p.m() + u.size()), spectral::rounding::kSums) * (best + S(1));
  const S noise = S(1000000) * precision.unit_roundoff_of<S>();
  mc.tolerance = as_real(tol);
  S viol = spectral::norm_linf(Vec<S>(delta * u - r0));  // feasibility
  // The dual bound every feasible Δ obeys, |r0_i| = |Σ_j Δ_ij u_j| ≤ ‖Δ‖max‖u‖1, is attained by the candidate.
  using std::abs;
  viol = std::max(viol, S(abs(best * spectral::norm_l1(u) - spectral::norm_linf(r0))));
  for (const Mat<S>& dir : perturbations<S>(delta, other, u, rng, true)) {
    const S size = spectral::norm_max(dir);
    // The directions are O(1) or, when the null space is trivial (n = 1), rounding noise: skip the latter
    // (rescaled, noise would be an infeasible direction).
    if (size <= noise) continue;
    for (const S& t : {S(1) / S(1000), S(1) / S(10), S(1)}) {
      const Mat<S> n = dir * (t * (best + S(1)) / size);
      viol = std::max(viol, spectral::norm_linf(Vec<S>(n * u)));  // N u = 0
      const S lowered = best - spectral::norm_max(Mat<S>(delta + n));
      if (lowered > viol) viol = lowered;
      ++mc.perturbations;
    }
  }
  mc.violation = as_real(viol);
  return mc;
}

MinimalityCheck check_min_spectral_norm(const toy::Problem<Real>& p, spectral::Rng& rng,
                                        const spectral::Precision& precision) {
  MinimalityCheck mc;
  const VecR u = p.u.col(0), r0 = p.r0.col(0);
  const MatR delta = w_star_2<Real>(u, r0), other = w_star_max<Real>(u, r0);
  const Real target = spectral::norm_l2(r0) / spectral::norm_l2(u);
  // Jacobi SVD in MPFR has relative accuracy O((m+n)u) (rounding::kSvd covers its constant).
  const Real tol = precision.tolerance(static_cast<double>(p.m() + u.size()), spectral::rounding::kSvd) * (target + Real(1));
  const Real noise = Real(1000000) * precision.unit_roundoff();
  mc.tolerance = tol;
  Real viol = spectral::norm_l2(VecR(delta * u - r0));
  // Every feasible Δ has ‖r0‖ = ‖Δu‖ ≤ ‖Δ‖2‖u‖; the candidate attains it (its σ_max from an SVD).
  viol = std::max(viol, Real(abs(spectral::norm_spectral(delta) - target)));
  for (const MatR& dir : perturbations<Real>(delta, other, u, rng, false)) {
    const Real size = spectral::norm_max(dir);
    if (size <= noise) continue;  // rounding noise (see above)
    for (const Real& t : {Real(1) / 1000, Real(1) / 10, Real(1)}) {
      const MatR n = dir * (t * (target + Real(1)) / size);
      viol = std::max(viol, Real(spectral::norm_l2(VecR(n * u))));
      viol = std::max(viol, Real(target - spectral::norm_spectral(MatR(delta + n))));
      ++mc.perturbations;
    }
  }
  mc.violation = viol;
  return mc;
}

template SignRunCheck<Rational> check_signgd_run<Rational>(const toy::Problem<Rational>&, long,
                                                           const spectral::Precision&);
template SignRunCheck<Real> check_signgd_run<Real>(const toy::Problem<Real>&, long, const spectral::Precision&);
template MinimalityCheck check_min_max_norm<Rational>(const toy::Problem<Rational>&, spectral::Rng&,
                                                      const spectral::Precision&);
template MinimalityCheck check_min_max_norm<Real>(const toy::Problem<Real>&, spectral::Rng&,
                                                  const spectral::Precision&);

}  // namespace muonlab::theory
