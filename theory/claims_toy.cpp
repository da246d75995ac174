// The paper's claims on the toy problem (REFERENCE §2, issue 3): Lemma D.1, Thm 3.1, Thm 3.2, Prop D.4, Cor D.7.
//
// Each claim runs the optimizer from solvers::make_optimizer on random instances and compares the iterates with
// the closed form (theory/closed_forms.hpp); minimality is checked independently of the closed form, by feasible
// perturbations W* + N with N x = 0 that must not lower the norm.
//
// Tolerances. The dynamics claims use η_t = η0/(t+1) (η_t → 0, Σ η_t = ∞). Lemma D.1's argument gives a bound,
// not an asymptotic: once |d_t| < η_t, |d_{t+1}| = η_t − |d_t| ≤ η_t, and as long as η_{t−1} ≤ 2η_t (true for
// η0/(t+1)) the iterate stays in the band |d_t| ≤ η_{t−1}. So after T steps the iterates are within η_{T−1}
// (in the norm the theorem uses) of the limit, and the tolerance of a limit check is η_{T−1}, not ε; in MPFR
// the rounding of T steps is added on top.
#include "solvers/optimizer.hpp"
#include "spectral/spectral.hpp"
#include "theory/closed_forms.hpp"
#include "theory/registry.hpp"
#include "theory/claims_toy_checks.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace muonlab::theory {
namespace {

using spectral::Rng;

// ---------------------------------------------------------------------------------------------------------------
/// Lemma D.1 in exact rationals: d_{t+1} = d_t − η_t sign(d_t) (entry-wise) with rational η_t.
class LemmaD1Claim : public Claim {
public:
  std::string id() const override { return "lemma-d1"; }
  std::string statement() const override {
    return "Lemma D.1: d_{t+1} = d_t - eta_t sign(d_t) with eta_t -> 0, sum eta_t = inf gives d_t -> 0; "
           "exactly (rationals): |d| drops by eta_t until |d_t| < eta_t, which happens before sum_{s<t} eta_s "
           "exceeds |d_0|, and afterwards |d_t| <= eta_{t-1} (eta0/(t+1) and eta0/(floor(sqrt t)+1))";
  }
  int default_trials() const override { return 8; }

  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    m.exact = true;
    m.unit = "largest departure from the Lemma D.1 phases (exact)";
    for (int trial = 0; trial < s.trials; ++trial) {
      Rng rng(s.seed, static_cast<std::uint64_t>(trial));
      const Eigen::Index dim = rng.integer(1, 6);
      VecQ d(dim);
      for (Eigen::Index i = 0; i < dim; ++i) d(i) = Rational(rng.integer(-25, 25)) / Rational(rng.integer(5, 10));  // |d0| ≤ 5: entry within ~83 steps
      const Rational eta0 = Rational(rng.integer(10, 20)) / Rational(10);
      // Two rational schedules with η_{t−1} ≤ 2η_t, η_t → 0 and Σ η_t = ∞.
      const bool harmonic = trial % 2 == 0;
      const auto eta = [&](long t) {
        if (harmonic) return eta0 / Rational(t + 1);
        return eta0 / Rational(static_cast<long>(std::floor(std::sqrt(static_cast<double>(t)))) + 1);
      };
      const Rational d0 = spectral::norm_linf(d);
      // Predicted entry time: the first T with Σ_{s<T} η_s > ‖d_0‖∞ (before entry |d| only decreases by η_t).
      long t_pred = 0;
      for (Rational sum = 0; sum <= d0; ++t_pred) sum += eta(t_pred);
      const long steps = t_pred + 200;
      Real err = 0;
      std::vector<long> entered(static_cast<std::size_t>(dim), -1);
      for (long t = 0; t < steps; ++t) {
        const Rational e = eta(t);
        for (Eigen::Index i = 0; i < dim; ++i) {
          const Rational before = abs(d(i));
          const int sg = d(i) > 0 ? 1 : (d(i) < 0 ? -1 : 0);
          d(i) -= e * Rational(sg);  // Lemma D.1: d ← d − η_t sign(d)
          const Rational after = abs(d(i));
          auto& tau = entered[static_cast<std::size_t>(i)];
          if (tau < 0 && before < e) tau = t;
          if (tau < 0) {
            err = std::max(err, Real(abs(after - (before - e))));  // phase 1: exact decrease by η_t
          } else if (after > e) {
            err = std::max(err, Real(after - e));  // phase 2: |d_{t+1}| ≤ η_t
          }
        }
      }
      for (long tau : entered)
        if (tau < 0 || tau > t_pred) err = std::max(err, Real(1));  // entered the band no later than predicted
      m.record(err, 0,
               at_trial(s, trial,
                        "dim " + std::to_string(dim) + ", |d0|=" + muonlab::to_string(d0) + ", eta0=" +
                            muonlab::to_string(eta0) + (harmonic ? ", eta0/(t+1)" : ", eta0/(floor(sqrt t)+1)")));
    }
    m.note = "exact: |d_T| <= eta_{T-1} on every trial";
    return m;
  }
};

// ---------------------------------------------------------------------------------------------------------------
/// Thm 3.1 in exact rationals: SignGD from W0 = 0 keeps W_t = w_t sign(x)ᵀ and approaches W*_max within η_{T−1}
/// (max-norm); W*_max is the min max-norm solution (checked by perturbation, not by the formula).
class Thm31Claim : public Claim {
public:
  std::string id() const override { return "thm-3.1"; }
  std::string statement() const override {
    return "Thm 3.1/D.2: SignGD from W0 = 0 on L = 1/2|Wx - y|^2 converges to W*_max = y sign(x)^T/|x|_1, the "
           "min max-norm solution; exact rationals with eta_t = 1/(t+1): W_t = w_t sign(x)^T at every step, "
           "|W_T - W*_max|_max <= eta_{T-1}, and no feasible W*_max + N (N x = 0) has a smaller max-norm";
  }
  int default_trials() const override { return 8; }

  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    m.exact = true;
    Real min_gap = std::numeric_limits<Real>::infinity();
    for (int trial = 0; trial < s.trials; ++trial) {
      toy::ProblemSpec spec;
      Rng pick(s.seed, 1000 + static_cast<std::uint64_t>(trial));
      spec.m = pick.integer(1, 5);
      spec.n = pick.integer(1, 5);
      spec.entries = toy::Entries::integer;
      spec.seed = s.seed;
      spec.stream = static_cast<std::uint64_t>(trial);
      toy::Problem<Rational> p = toy::make_problem<Rational>(spec);
      if (trial % 3 == 2 && p.n() > 1) {  // sign(0) = 0: a zero input gives a zero column
        p.x(0, 0) = 0;
        p.finalize();
      }
      const SignRunCheck<Rational> c = check_signgd_run(p, /*min_steps=*/150, s.precision);
      const MinimalityCheck mc = check_min_max_norm<Rational>(p, pick, s.precision);
      min_gap = std::min(min_gap, c.gap_over_band);
      const std::string inst =
          at_trial(s, trial,
                   std::to_string(p.m()) + "x" + std::to_string(p.n()) + " integer instance, " +
                       std::to_string(c.steps) + " steps, " + std::to_string(mc.perturbations) + " perturbations");
      // Exact rationals: every part has tolerance 0.
      m.record(c.invariant_error, 0, inst, "|W_t - w_t sign(x)^T|_max (exact)");
      m.record(c.limit_excess, 0, inst, "|W_T - W*_max|_max beyond eta_{T-1} (exact)");
      m.record(mc.violation, 0, inst, "max-norm decrease by a feasible perturbation (exact)");
    }
    m.note = "|W*_max - W*_2|_max / eta_{T-1} >= " + spectral::to_scientific(min_gap, 3) +
             " where the two differ (the check separates them)";
    return m;
  }
};

// ---------------------------------------------------------------------------------------------------------------
/// Thm 3.2 in MPFR: idealized Muon (exact polar factor, no momentum, no scaling) keeps W_t ∥ y xᵀ and approaches
/// W*_2 within η_{T−1} (spectral norm); W*_2 is the min spectral-norm solution (checked by SVDs of perturbations).
class Thm32Claim : public Claim {
public:
  std::string id() const override { return "thm-3.2"; }
  std::string statement() const override {
    return "Thm 3.2/D.3: idealized Muon (W <- W - eta ortho(grad)) from W0 = 0 converges to W*_2 = y x^T/|x|_2^2, "
           "the min spectral-norm solution; with eta_t = eta0/(t+1): W_t stays a multiple of y x^T, "
           "|W_T - W*_2|_2 <= eta_{T-1} (+ rounding), and no feasible W*_2 + N (N x = 0) has a smaller |.|_2";
  }
  int default_trials() const override { return 6; }

  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    for (int trial = 0; trial < s.trials; ++trial) {
      toy::ProblemSpec spec;
      Rng pick(s.seed, 1000 + static_cast<std::uint64_t>(trial));
      spec.m = pick.integer(1, 6);
      spec.n = pick.integer(1, 6);
      spec.seed = s.seed;
      spec.stream = static_cast<std::uint64_t>(trial);
      const toy::Problem<Real> p = toy::make_problem<Real>(spec);
      const MuonRunCheck c = check_muon_run(p, "muon-ideal", 300, pick, s.precision);
      const MinimalityCheck mc = check_min_spectral_norm(p, pick, s.precision);
      const std::string inst =
          at_trial(s, trial,
                   std::to_string(p.m()) + "x" + std::to_string(p.n()) + " Gaussian, " + std::to_string(c.steps) +
                       " steps, eta_{T-1} = " + spectral::to_scientific(c.eta_last, 3));
      // Three checks, each against its own allowance: the invariant and the minimality to rounding (amplified
      // along the run, see check_muon_run), the limit to Lemma D.1's band eta_{T-1} set by the run (excess beyond
      // the band, to rounding).
      m.record(c.invariant_error, c.invariant_tol, inst, "distance of W_t from the line c y x^T (rel.)");
      m.record(c.limit_excess, c.limit_tol, inst, "|W_T - W*_2|_F beyond the band eta_{T-1}");
      m.record(mc.violation, mc.tolerance, inst, "spectral-norm decrease by a feasible perturbation");
    }
    m.note = "the limit is measured against Lemma D.1's band eta_{T-1} of the run (300 steps, eta0/(t+1)); only "
             "the rounding allowances scale with the precision";
    return m;
  }
};

// ---------------------------------------------------------------------------------------------------------------
/// Prop D.4: continuation from a pretrained W0 with (z, b): SignGD (exact rationals) → W0 + r0 sign(z)ᵀ/‖z‖1,
/// Muon (MPFR) → W0 + r0 zᵀ/‖z‖2², each the minimal correction in its norm.
class PropD4Claim : public Claim {
public:
  std::string id() const override { return "prop-d4"; }
  std::string statement() const override {
    return "Prop D.4: from a pretrained W0 on (z, b), r0 = b - W0 z, SignGD converges to W0 + r0 sign(z)^T/|z|_1 "
           "and Muon to W0 + r0 z^T/|z|_2^2, each the min max-norm / min spectral-norm correction "
           "(SignGD in exact rationals, Muon in MPFR; eta_t = eta0/(t+1), tolerance eta_{T-1})";
  }
  int default_trials() const override { return 6; }

  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    for (int trial = 0; trial < s.trials; ++trial) {
      toy::ProblemSpec spec;
      Rng pick(s.seed, 2000 + static_cast<std::uint64_t>(trial));
      spec.kind = toy::ProblemKind::continuation;
      spec.m = pick.integer(1, 5);
      spec.n = pick.integer(1, 5);
      spec.seed = s.seed;
      spec.stream = static_cast<std::uint64_t>(trial);
      const std::string inst =
          at_trial(s, trial, std::to_string(spec.m) + "x" + std::to_string(spec.n) + " continuation");
      {
        spec.entries = toy::Entries::integer;
        const toy::Problem<Rational> q = toy::make_problem<Rational>(spec);
        const SignRunCheck<Rational> c = check_signgd_run(q, 150, s.precision);
        const MinimalityCheck mc = check_min_max_norm<Rational>(q, pick, s.precision);
        // Exact parts: tolerance 0.
        m.record(c.invariant_error, 0, inst, "SignGD: |W_t - W0 - w_t sign(z)^T|_max (exact)");
        m.record(c.limit_excess, 0, inst, "SignGD: |W_T - W*|_max beyond eta_{T-1} (exact)");
        m.record(mc.violation, 0, inst, "SignGD: max-norm decrease by a feasible perturbation (exact)");
      }
      {
        spec.entries = toy::Entries::gaussian;
        const toy::Problem<Real> p = toy::make_problem<Real>(spec);
        const MuonRunCheck c = check_muon_run(p, "muon-ideal", 300, pick, s.precision);
        const MinimalityCheck mc = check_min_spectral_norm(p, pick, s.precision);
        m.record(c.invariant_error, c.invariant_tol, inst, "Muon: distance of W_t - W0 from the line c r0 z^T (rel.)");
        m.record(c.limit_excess, c.limit_tol, inst, "Muon: |W_T - W*|_F beyond the band eta_{T-1}");
        m.record(mc.violation, mc.tolerance, inst, "Muon: spectral-norm decrease by a feasible perturbation");
      }
    }
    m.note = "the SignGD half is exact; the Muon limit is measured against Lemma D.1's band eta_{T-1} of the run "
             "(300 steps), only the rounding allowances scale with the precision";
    return m;
  }
};

// ---------------------------------------------------------------------------------------------------------------
/// Cor D.7: if W0 x = y, L_old(W0 + Δ) = ½‖Δx‖² ≤ (m/2)‖Δ‖max²‖x‖1² and ≤ ½‖Δ‖2²‖x‖2², both attained.
class CorD7Claim : public Claim {
public:
  std::string id() const override { return "cor-d7"; }
  std::string statement() const override {
    return "Cor D.7: if W0 x = y then L_old(W0 + D) = 1/2|Dx|^2 <= (m/2)|D|_max^2 |x|_1^2 and <= 1/2|D|_2^2 |x|_2^2 "
           "(random D, the SignGD and Muon corrections of Prop D.4), with equality for D = a sign(x)^T, |a_i| "
           "equal, and for D = v x^T";
  }
  int default_trials() const override { return 8; }

  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    m.unit = "identity and bound errors relative to the bound";
    for (int trial = 0; trial < s.trials; ++trial) {
      Rng rng(s.seed, static_cast<std::uint64_t>(trial));
      const Eigen::Index rows = rng.integer(1, 6), cols = rng.integer(1, 6);
      const MatR w0 = spectral::random_gaussian<Real>(rng, rows, cols);
      const VecR x = spectral::random_gaussian<Real>(rng, cols, 1);
      const VecR y = w0 * x;  // the old task is fit exactly
      const VecR z = spectral::random_gaussian<Real>(rng, cols, 1), b = spectral::random_gaussian<Real>(rng, rows, 1);
      VecR a(rows);
      for (Eigen::Index i = 0; i < rows; ++i) a(i) = rng.uniform(0, 1) < 0.5 ? Real(-0.75) : Real(0.75);
      struct Case {
        MatR delta;
        int tight;  // 0: inequality only; 1: max-norm bound attained; 2: spectral bound attained
      };
      const std::vector<Case> cases = {
          {spectral::random_gaussian<Real>(rng, rows, cols), 0},
          {correction_signgd<Real>(w0, z, b), 0},
          {correction_muon<Real>(w0, z, b), 0},
          {MatR(a * spectral::sign(x).transpose()), 1},
          {MatR(spectral::random_gaussian<Real>(rng, rows, 1) * x.transpose()), 2},
      };
      Real worst = 0;
      for (const Case& c : cases) {
        const Real loss = spectral::norm_l2_sq(VecR((w0 + c.delta) * x - y)) / Real(2);  // L_old, computed directly
        const Real ident = old_task_loss<Real>(c.delta, x);
        const Real bmax = cor_d7_bound_max<Real>(c.delta, x);
        const Real s2 = spectral::norm_spectral(c.delta);  // independent of the closed form: an SVD
        const Real b2 = cor_d7_bound_spectral<Real>(s2 * s2, x);
        // Relative to the bound (the largest quantity), rounding in the products and the SVD is
        // O((m+n)·u); rounding::kSvd covers the constants (the Jacobi SVD's relative accuracy included).
        const Real scale = std::max(bmax, b2) + Real(1);
        Real e = abs(loss - ident);
        e = std::max(e, Real(loss - bmax));
        e = std::max(e, Real(loss - b2));
        if (c.tight == 1) e = std::max(e, Real(abs(bmax - loss)));
        if (c.tight == 2) e = std::max(e, Real(abs(b2 - loss)));
        worst = std::max(worst, Real(e / scale));
      }
      const Real tol = s.precision.tolerance(static_cast<double>(rows + cols), spectral::rounding::kSvd);
      m.record(worst, tol, at_trial(s, trial, std::to_string(rows) + "x" + std::to_string(cols) + ", 5 corrections"));
    }
    m.note = "errors relative to the bound; both bounds attained by the tight cases";
    return m;
  }
};

}  // namespace

void add_toy_claims(ClaimList& out) {
  out.push_back(std::make_unique<LemmaD1Claim>());
  out.push_back(std::make_unique<Thm31Claim>());
  out.push_back(std::make_unique<Thm32Claim>());
  out.push_back(std::make_unique<PropD4Claim>());
  out.push_back(std::make_unique<CorD7Claim>());
  add_bias_claims(out);
}

}  // namespace muonlab::theory
