// Checks shared by the toy claims (claims_toy.cpp, claims_bias.cpp): one optimizer run compared with the
// closed form, and the independent minimality checks. Instantiated in claims_toy_checks.cpp.
#pragma once  // Tested by tests/theory/test_claims_toy.cpp ("the checks detect the wrong optimizer and the wrong candidate")

#include "spectral/precision.hpp"
#include "spectral/random.hpp"
#include "theory/registry.hpp"
#include "toy/problem.hpp"

#include <string>

namespace muonlab::theory {

/// SignGD (solvers::make_optimizer("signgd")) on a one-sample problem in its reduced form, from P0, with
/// η_t = η0/(t+1), η0 = (3/4)‖r0‖∞/‖u‖1 (a rational when the data are), for T = max(min_steps, entry + 50)
/// steps, where "entry" is when Lemma D.1 predicts the residual enters its band.
/// Errors and tolerances are `Real`s of the working precision (exact rationals are converted without rounding to 0).
template <class S>
struct SignRunCheck {
  long steps = 0;
  Real invariant_error = 0;  // max_t max_ij |(P_t − P0)_ij − w_t,i sign(u_j)| (Thm 3.1: W_t = w_t sign(x)ᵀ)
  Real limit_excess = 0;     // max(0, ‖P_T − P*_max‖max − η_{T−1} − rounding slack)
  Real tolerance = 0;        // of both: 0 in rationals; in MPFR the slack is in limit_excess, the invariant's here
  Real gap_over_band = 0;    // ‖P*_max − P*_2‖max / η_{T−1} (how well the check separates the candidates; +inf if 0)
  S eta_last = S(0);
};
template <class S>
SignRunCheck<S> check_signgd_run(const toy::Problem<S>& p, long min_steps, const spectral::Precision& precision);

/// An optimizer whose iterates should stay on the line P0 + c·r0 uᵀ and reach P*_2 = P0 + r0 uᵀ/‖u‖2²
/// (idealized Muon: Thm 3.2, Prop D.4), run with η_t = η0/(t+1), η0 = c‖r0‖2/‖u‖2, c uniform in [0.3, 0.9],
/// for `steps` steps, in MPFR.
struct MuonRunCheck {
  long steps = 0;
  Real invariant_error = 0, invariant_tol = 0;  // distance of P_t − P0 from the line, relative to ‖P*_2 − P0‖F
  Real limit_excess = 0, limit_tol = 0;         // max(0, ‖P_T − P*_2‖F − η_{T−1}) (‖·‖2 ≤ ‖·‖F: conservative)
  Real eta_last = 0;                            // η_{T−1}: Lemma D.1's band, the run's own tolerance of the limit
};
MuonRunCheck check_muon_run(const toy::Problem<Real>& p, const std::string& optimizer, long steps,
                            spectral::Rng& rng, const spectral::Precision& precision);

/// Minimality of a candidate correction, checked without its closed-form norm: feasibility Δ u = r0, and no
/// feasible perturbation Δ + N (N u = 0: random, pairwise, toward the other candidate, along the steepest
/// descent direction of the norm) has a smaller norm.
struct MinimalityCheck {
  int perturbations = 0;
  Real violation = 0;  // largest amount by which a feasible point beat the candidate, or infeasibility
  Real tolerance = 0;  // 0 in rationals
};
/// For the max-norm candidate P*_max (Thm 3.1, Prop D.4); exact in rationals.
template <class S>
MinimalityCheck check_min_max_norm(const toy::Problem<S>& p, spectral::Rng& rng, const spectral::Precision& precision);
/// For the spectral-norm candidate P*_2 (Thm 3.2, Prop D.4), with SVDs in MPFR.
MinimalityCheck check_min_spectral_norm(const toy::Problem<Real>& p, spectral::Rng& rng,
                                        const spectral::Precision& precision);

/// The bias-* claims (claims_bias.cpp), added by add_toy_claims.
void add_bias_claims(ClaimList& out);

}  // namespace muonlab::theory
