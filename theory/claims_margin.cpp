// Claims on separable multiclass classification with cross-entropy (issue 19; REFERENCE §7; toy/classification.hpp,
// theory/margin_refs.hpp): which max-margin classifier each optimizer's direction approaches.
//
// The references are certified (exact rational LP and QP; a barrier method bracketed by the nuclear-norm dual).
// The runs are compared through the normalized margin γ(W_T)/‖W_T‖ in the optimizer's own norm. Its convergence is
// slow and the claims say how slow (measured on seeds 1–5, README): with η_t = η0/√(t+1) the gap falls like
// C/√t for SignGD (C ≈ 2), idealized Muon and normalized GD (C ≈ 0.3); GD with a constant step only like
// 0.4/log t. The runs are sized from these rates and each convergence tolerance is the measured gap at the default
// horizon times a margin (stated per claim); what is proven is only that a gap is ≥ 0 up to the references'
// certified width (γ(W)/‖W‖ ≤ γ* for every W).
//
// Precision (docs/conventions.md). Errors and tolerances are Reals of the working precision. The convergence
// tolerances are set by the runs (steps, schedule) and do not change with the precision; only their rounding parts
// (Precision::tolerance) and the spectral reference's certified width (10^(−0.4·digits), capped at 1e-60) do. The
// exact certificates (LP, QP) are compared with tolerance 0 in rationals, and the batch-1 identities to rounding at
// every precision. Tolerances live in one small function per claim (*_tolerance).
#include "solvers/margin.hpp"
#include "solvers/optimizer.hpp"
#include "solvers/step_size.hpp"
#include "spectral/spectral.hpp"
#include "theory/margin_refs.hpp"
#include "theory/registry.hpp"
#include "toy/classification.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace muonlab::theory {
namespace {

using spectral::Rng;
using spectral::rounding::kProducts;
using spectral::rounding::kSvd;
using spectral::to_scientific;

/// The rounding of a normalized margin γ(W)/‖W‖ or of a norm ratio formed at the working precision: a spectral
/// norm (Jacobi SVD of a K×n matrix) and a few quotients, 100·(K+n)·u relative (rounding::kSvd).
Real rounding_of_margins(const spectral::Precision& precision, int classes, Eigen::Index n) {
  return precision.tolerance(static_cast<double>(classes + n), kSvd);
}

toy::Classification<Real> instance(const ClaimSettings& s, int trial, int classes, Eigen::Index n,
                                   Eigen::Index samples, std::uint64_t stream0) {
  toy::ClassificationSpec spec;
  spec.classes = classes;
  spec.n = n;
  spec.samples = samples;
  spec.entries = toy::Entries::integer;
  spec.seed = s.seed;
  spec.stream = stream0 + static_cast<std::uint64_t>(trial);
  return toy::make_classification<Real>(spec);
}

// ---- margin-references -------------------------------------------------------------------------------------------

/// Why this tolerance: the exact parts (LP, QP) are compared in rationals and must agree exactly; a comparison that
/// involves the spectral reference may be off by its certified relative width; the norms and square roots formed
/// at the working precision (a spectral norm of a K×n matrix, a quotient) add 100·(K+n)·u relative (rounding::kSvd).
Real references_tolerance(const spectral::Precision& precision, const MarginReference& spectral_ref, int classes,
                          Eigen::Index n) {
  return spectral_ref.rel_gap + rounding_of_margins(precision, classes, n);
}

class ReferencesClaim : public Claim {
public:
  std::string id() const override { return "margin-references"; }
  std::string statement() const override {
    return "The three max-margin references are certified and consistent: gamma*_max by the exact rational "
           "simplex equals its LP-dual bound ||sum mu_p A_p||_1; gamma*_F by the exact active-set QP equals its dual "
           "bound; gamma*_2 is bracketed by the barrier method and the nuclear-norm dual; gamma*_max >= gamma*_2 >= "
           "gamma*_F >= max(gamma*_2/sqrt(min(K,n)), gamma*_max/sqrt(Kn)); and for K = 2, gamma*_2 = gamma*_F "
           "(this project: W = [d/2; -d/2] minimizes both norms for a given difference d)";
  }
  int default_trials() const override { return 4; }
  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    m.exact = false;  // the spectral reference is rounded; the rational parts are compared with tolerance 0
    const Real requested = default_spectral_gap(s.precision);
    Real widest = 0;
    for (int t = 0; t < s.trials; ++t) {
      Rng pick(s.seed, 19500 + static_cast<std::uint64_t>(t));
      const int k = t % 2 == 0 ? 2 : 3;
      const Eigen::Index n = pick.integer(2, 4), samples = pick.integer(k + 1, 7);
      const toy::Classification<Real> p = instance(s, t, k, n, samples, 19500);
      const std::vector<MarginReference> refs = margin_references(p, requested);
      const MarginReference &rmax = refs[0], &r2 = refs[1], &rf = refs[2];
      widest = std::max(widest, r2.rel_gap);
      const std::string inst = fmt::format("K={} n={} N={}", k, n, samples);
      const Real tol = references_tolerance(s.precision, r2, k, n);
      // Exact certificates: the LP and QP values equal their dual bounds in rationals (rel_gap is exactly 0).
      m.record(rmax.rel_gap, 0, at_trial(s, t, inst + ": LP value = LP-dual bound"),
               "LP primal-dual gap (rel., exact)");
      m.record(rf.rel_gap, 0, at_trial(s, t, inst + ": QP value = dual bound"), "QP primal-dual gap (rel., exact)");
      // The barrier method reached the requested width.
      m.record(r2.rel_gap, requested, at_trial(s, t, inst + ": spectral bracket width"),
               "spectral bracket width (rel.)");
      // Norm chain: ‖W‖max ≤ ‖W‖2 ≤ ‖W‖F ≤ √rank ‖W‖2 and ‖W‖F ≤ √(Kn) ‖W‖max; each recorded as the relative
      // excess of the smaller margin over the larger (0 when the chain holds).
      const Real sr = sqrt(Real(std::min<long>(k, n))), skn = sqrt(Real(static_cast<long>(k) * n));
      const auto excess = [](const Real& small, const Real& large) {
        return std::max(Real(0), Real((small - large) / large));
      };
      const std::string chain = "excess over the norm chain (rel.)";
      m.record(excess(r2.lower, rmax.upper), tol, at_trial(s, t, inst + ": gamma_max >= gamma_2"), chain);
      m.record(excess(rf.lower, r2.upper), tol, at_trial(s, t, inst + ": gamma_2 >= gamma_F"), chain);
      m.record(excess(Real(r2.lower / sr), rf.upper), tol, at_trial(s, t, inst + ": gamma_F >= gamma_2/sqrt(rank)"),
               chain);
      m.record(excess(Real(rmax.lower / skn), rf.upper), tol, at_trial(s, t, inst + ": gamma_F >= gamma_max/sqrt(Kn)"),
               chain);
      if (k == 2)  // γ*_2 = γ*_F for two classes: the barrier against the exact QP (rounding of both margins only).
        m.record(std::max({Real(0), Real((r2.lower - rf.lower) / rf.lower), Real((rf.lower - r2.upper) / rf.lower)}),
                 rounding_of_margins(s.precision, k, n),
                 at_trial(s, t, inst + ": K=2: gamma_F in the spectral bracket"),
                 "distance of gamma*_F outside the spectral bracket (rel.)");
    }
    m.trials = s.trials;
    m.note = "widest spectral bracket " + to_scientific(widest, 3) + " (requested " + to_scientific(requested, 3) + ")";
    return m;
  }
};

// ---- full-batch dynamics -----------------------------------------------------------------------------------------

struct DynamicsSetup {
  std::string id, statement, optimizer;
  std::string norm;          // the reference the direction approaches: "max", "2" or "F"
  std::string schedule;      // solvers::make_step_size spec
  long steps;
  double gap_tol;            // allowed normalized-margin gap in the own norm after `steps` (measured x margin)
  double distance_tol;       // allowed direction distance (face for max, point for F; <= 0: not checked)
  bool normalize = false;    // divide the gradient by its Frobenius norm (normalized GD)
  int classes = 3;
  Eigen::Index n = 4, samples = 8;
};

/// Why this tolerance: the convergence of the normalized margin is measured, not proven, at this horizon (header):
/// gap_tol is set by the run (steps, schedule), about 2–3 x the largest gap seen on seeds 1–5 at the default
/// horizon, and does not change with the precision. To it are added the reference's certified width and the
/// rounding of the normalized margin at the working precision (the parts that scale with the precision).
Real dynamics_tolerance(const spectral::Precision& precision, const DynamicsSetup& d, const MarginReference& ref,
                        int classes, Eigen::Index n) {
  return Real(d.gap_tol) + ref.rel_gap + rounding_of_margins(precision, classes, n);
}

class DynamicsClaim : public Claim {
public:
  explicit DynamicsClaim(DynamicsSetup d) : d_(std::move(d)) {}
  std::string id() const override { return d_.id; }
  std::string statement() const override { return d_.statement; }
  int default_trials() const override { return 2; }
  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    Real worst_gap = 0, best_gap = std::numeric_limits<Real>::infinity(), worst_dist = 0;
    std::string others;
    for (int t = 0; t < s.trials; ++t) {
      const toy::Classification<Real> p = instance(s, t, d_.classes, d_.n, d_.samples, 19600);
      const std::vector<MarginReference> refs = margin_references(p, default_spectral_gap(s.precision));
      const std::size_t own = d_.norm == "max" ? 0 : d_.norm == "2" ? 1 : 2;
      auto opt = solvers::make_optimizer<Real>(d_.optimizer);
      auto sched = solvers::make_step_size<Real>(d_.schedule);
      toy::RunOptions ro;
      ro.steps = d_.steps;
      ro.records = 4;
      const toy::ClassificationRun<Real> run = toy::run_classification<Real>(
          p, *opt, [&](long k) { return sched->at(k); }, toy::BatchSpec{}, ro, MatR(), d_.normalize);
      const std::string inst = fmt::format("K={} n={} N={}, {} steps", p.classes, p.n(), p.samples(), d_.steps);
      if (run.diverged || !all_finite(run.final_w)) {  // a failed check, never a NaN passed on
        m.record(1, 0, at_trial(s, t, inst + ": the run diverged"), "diverged runs");
        continue;
      }
      const std::vector<MarginComparison> cmp = compare_margins(p, refs, run.final_w);
      if (!cmp[own].defined) {  // W_T = 0: no direction at all
        m.record(1, 0, at_trial(s, t, inst + ": W_T = 0"), "runs without a direction (W_T = 0)");
        continue;
      }
      const Real gap = cmp[own].gap, tol = dynamics_tolerance(s.precision, d_, refs[own], p.classes, p.n());
      worst_gap = std::max(worst_gap, gap);
      best_gap = std::min(best_gap, gap);
      m.record(std::max(Real(0), gap), tol, at_trial(s, t, inst + fmt::format(": {}-margin gap", d_.norm)),
               "gap to gamma*_" + d_.norm + " (rel.)");
      // A normalized margin never exceeds the max-margin of its norm, up to the reference's certified width and the
      // rounding of the margin: a side condition (the sign of the gap is the only proven part).
      for (const MarginComparison& c : cmp) {
        const MarginReference& r = refs[c.norm == "max" ? 0 : c.norm == "2" ? 1 : 2];
        m.require(std::max(Real(0), Real(-c.gap)), r.rel_gap + rounding_of_margins(s.precision, p.classes, p.n()),
                  at_trial(s, t, inst + ": gamma(W)/|W|_" + c.norm + " <= gamma*_" + c.norm),
                  "excess of gamma(W)/|W|_" + c.norm + " over gamma*_" + c.norm + " (rel.)");
      }
      if (d_.distance_tol > 0 && d_.norm != "2") {
        worst_dist = std::max(worst_dist, cmp[own].distance);
        // Measured like gap_tol (set by the run), plus the rounding of the distance.
        m.record(cmp[own].distance, Real(d_.distance_tol) + rounding_of_margins(s.precision, p.classes, p.n()),
                 at_trial(s, t,
                          inst + (d_.norm == "max" ? ": max-norm distance to the LP's optimal face"
                                                   : ": Frobenius distance to W*_F")),
                 d_.norm == "max" ? "max-norm distance to the LP's optimal face" : "Frobenius distance to W*_F");
      }
      if (t == 0)
        others = "trial 0 gaps: max " + to_scientific(cmp[0].gap, 3) + ", 2 " + to_scientific(cmp[1].gap, 3) +
                 ", F " + to_scientific(cmp[2].gap, 3);
    }
    m.trials = s.trials;
    m.note = "own-norm gap in [" + to_scientific(best_gap, 3) + ", " + to_scientific(worst_gap, 3) + "] after " +
             std::to_string(d_.steps) + " steps (allowed " + muonlab::to_string(d_.gap_tol, 3) +
             ", set by the run); " + others +
             (worst_dist > 0 ? "; direction distance <= " + to_scientific(worst_dist, 3) : std::string());
    return m;
  }

private:
  DynamicsSetup d_;
};

// ---- margin-batch1 -----------------------------------------------------------------------------------------------

/// Why these tolerances: the per-sample identities hold exactly in real arithmetic; the iterate is a sum of T
/// steps of size η_t, each rounded at O(u) relative (plus the O((K+n)u) of the polar factor for Muon), so relative
/// to Σ η_t the error is at most T·(K+n)·u times a small constant: rounding::kProducts (64) covers the sums and the
/// rank-one polar factor. A real comparison at every precision (u of the working precision, never 0).
Real batch1_tolerance(const spectral::Precision& precision, long steps, int classes, Eigen::Index n) {
  return precision.tolerance(static_cast<double>(steps) * static_cast<double>(classes + n), kProducts);
}

class BatchOneClaim : public Claim {
public:
  std::string id() const override { return "margin-batch1"; }
  std::string statement() const override {
    return "Beyond the cited papers (this project's construction; Li, Tang, Zou, arXiv 2602.11557 show that batch "
           "size 1 without momentum can change the bias): on x1 = (3,1)->0, x2 = (1,3)->1, x3 = (10,1)->0 (separable), "
           "batch-size-1 SignSGD moves by sum_t eta_t (2e_c - 1) sign(x_i)^T and Muon (K = 2) by sum_t eta_t "
           "(e_c - e_o) x_i^T/(sqrt2 |x_i|), independent of W, so their directions tend to fixed matrices that "
           "misclassify x2; full-batch SignGD and Muon reach positive normalized margins";
  }
  int default_trials() const override { return 1; }
  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    const toy::Classification<Real> p = toy::batch_one_counterexample<Real>();
    const long steps = 300;  // 100 epochs
    std::string note;
    for (const char* name : {"signgd", "muon-ideal"}) {
      const bool sign = std::string(name) == "signgd";
      auto opt = solvers::make_optimizer<Real>(name);
      auto sched = solvers::make_step_size<Real>("power:lr=1,p=0.5");
      toy::BatchSpec b;
      b.order = toy::BatchSpec::Order::cyclic;
      b.size = 1;
      toy::RunOptions ro;
      ro.steps = steps;
      ro.records = 2;
      const toy::ClassificationRun<Real> run =
          toy::run_classification<Real>(p, *opt, [&](long k) { return sched->at(k); }, b, ro);
      // The predicted iterate: Σ_t η_t D_{i_t} with the W-independent per-sample step D_i.
      MatR pred = MatR::Zero(p.classes, p.n());
      Real total(0);
      for (long k = 0; k < steps; ++k) {
        const Eigen::Index i = k % p.samples();
        const int c = p.labels[static_cast<std::size_t>(i)];
        VecR e = VecR::Constant(p.classes, Real(-1));  // SignSGD: −sign(softmax − e_c) = 2e_c − 1
        e(c) = Real(1);
        MatR step;
        if (sign) {
          step = e * spectral::sign(VecR(p.x.col(i))).transpose();
        } else {
          VecR d = VecR::Zero(p.classes);  // Muon, K = 2: ortho((p − e_c)xᵀ) = (e_o − e_c)x̂ᵀ/√2
          d(c) = Real(1);
          d(1 - c) = Real(-1);
          step = d * p.x.col(i).transpose() / (sqrt(Real(2)) * spectral::norm_l2(VecR(p.x.col(i))));
        }
        pred += sched->at(k) * step;
        total += sched->at(k);
      }
      m.record(Real(spectral::norm_max(MatR(run.final_w - pred)) / total),
               batch1_tolerance(s.precision, steps, p.classes, p.n()),
               std::string(name) + " batch 1: W_T = sum_t eta_t D_{i_t}",
               "|W_T - sum_t eta_t D_{i_t}|max / sum_t eta_t");
      // The epoch direction D = Σ_i D_i misclassifies x2: its normalized margin is negative (recorded as the
      // shortfall, max(0, margin), against 0; the value is −4 (SignSGD) or −0.062 (Muon), far from rounding).
      const Real dmargin = p.margin(pred) / spectral::norm_frobenius(pred);
      m.require(std::max(Real(0), dmargin), 0, std::string(name) + " batch 1: the limit direction misclassifies",
                "normalized margin of the batch-1 limit (must be < 0)");
      // Full batch reaches a positive normalized margin on the same data (the data are separable).
      auto full = solvers::make_optimizer<Real>(name);
      const toy::ClassificationRun<Real> fr =
          toy::run_classification<Real>(p, *full, [&](long k) { return sched->at(k); }, toy::BatchSpec{}, ro);
      const Real fm = p.margin(fr.final_w) / spectral::norm_frobenius(fr.final_w);
      m.require(std::max(Real(0), Real(-fm)), 0, std::string(name) + " full batch: positive margin",
                "minus the normalized full-batch margin (must be < 0)");
      note += std::string(name) + ": batch-1 margin/|W| " + to_scientific(dmargin, 4) + ", full-batch " +
              to_scientific(fm, 4) + "; ";
    }
    m.trials = 1;
    m.note = note + "(Frobenius-normalized margins)";
    return m;
  }
};

}  // namespace

void add_margin_claims(ClaimList& out) {
  out.push_back(std::make_unique<ReferencesClaim>());
  const std::string sqrt_sched = "power:lr=0.5,p=0.5";
  std::vector<DynamicsSetup> v = {
      {"margin-signgd",
       "Full-batch SignGD on separable multiclass data with cross-entropy converges in direction to the max-norm "
       "max-margin classifier (Fan, Schmidt, Thrampoulidis, arXiv 2502.04664): after 3000 steps of eta_t = "
       "0.1/sqrt(t+1) its normalized max-norm margin is within 0.1 of gamma*_max (measured <= 0.043 on seeds 1-8; "
       "gap ~ 0.8/sqrt t) and its direction within 0.4 of the LP's optimal face (measured <= 0.22)",
       "signgd", "max", "power:lr=0.1,p=0.5", 3000, 0.1, 0.4},
      {"margin-adam-eps0",
       "Adam with eps = 0 (beta1 = beta2 = 0.9) converges in direction to the max-norm max-margin classifier "
       "(arXiv 2502.04664): normalized max-norm margin within 0.12 of gamma*_max after 3000 steps of eta_t = "
       "0.1/sqrt(t+1) (measured <= 0.05 on seeds 1-8); with PyTorch's beta2 = 0.999 the second moment remembers "
       "gradients from when the loss was far larger and the gap stays ~0.25 for 3e4 steps (README)",
       "adam:eps=0,beta2=0.9", "max", "power:lr=0.1,p=0.5", 3000, 0.12, -1},
      {"margin-muon",
       "Idealized Muon (exact polar factor) converges in direction to the spectral-norm max-margin classifier "
       "(arXiv 2502.04664): normalized spectral margin within 0.05 of gamma*_2 after 2000 steps of eta_t = "
       "0.5/sqrt(t+1) (measured <= 0.024 on seeds 1-7; gap ~ 0.3/sqrt t)",
       "muon-ideal", "2", sqrt_sched, 2000, 0.05, -1},
      {"margin-ngd",
       "Normalized GD (steepest descent for the Frobenius norm) converges in direction to the Frobenius max-margin "
       "classifier W*_F (arXiv 2502.04664): normalized Frobenius margin within 0.06 of gamma*_F after 2000 steps "
       "of eta_t = 0.5/sqrt(t+1) (measured <= 0.029 on seeds 1-7), direction within 0.1 of W*_F/|W*_F| (measured "
       "<= 0.046)",
       "gd", "F", sqrt_sched, 2000, 0.06, 0.1, true},
      {"margin-gd",
       "GD with a constant step converges in direction to W*_F only logarithmically (Soudry et al. 2018): after "
       "2000 steps of eta = 1 the Frobenius-margin gap is within 0.2 (measured <= 0.12 on seeds 1-7, ~0.4/log t)",
       "gd", "F", "constant:lr=1", 2000, 0.2, -1},
  };
  for (auto& d : v) out.push_back(std::make_unique<DynamicsClaim>(std::move(d)));
  out.push_back(std::make_unique<BatchOneClaim>());
}

}  // namespace muonlab::theory
