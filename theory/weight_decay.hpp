// Decoupled weight decay as a norm budget (REFERENCE §7; issue 19).
//
// An optimizer whose step has a fixed size in some norm, d = direction(G) with ‖d‖ = s, and decoupled decay
// W ← W(1 − ηλ) − η d, can only rest where λW = −d, i.e. on the sphere ‖W‖ = s/λ where the gradient does not vanish.
// The cited results make this precise: Muon (s = 1 in the spectral norm) converges to KKT points of
// min L(W) s.t. ‖W‖2 ≤ 1/λ (Chen, Li, Liu, arXiv 2506.15054), AdamW to KKT points of min L s.t. ‖W‖max ≤ 1/λ
// (Xie & Li, ICML 2024); SignGD with decay is the same statement for s = 1 in the max norm.
//
// On the toy problems (toy/problem.hpp, one sample) the prediction is made without the dynamics:
//   1. the budget ρ = s/λ, where s is the norm of the step the optimizer settles to under a constant gradient
//      (1 for SignGD, Adam with ε = 0 and idealized Muon; s·φ for NS5 Muon: its scale times the Newton–Schulz
//      image of a unit singular value, found by running a copy of the optimizer — steady_step_norm);
//   2. the budget solver of solvers/constrained_fit.hpp minimizes ½‖Δu − t‖² s.t. ‖Δ‖ ≤ ρ and certifies the value
//      by its duality gap; the fitted vector f = Δu is the same for every minimizer (the objective is strictly
//      convex in f);
//   3. the minimizer is not unique (the spectral ball below the threshold; the max-norm ball above it), and the
//      dynamics pick one: this project's finding is that they pick the minimizer that is smallest row by row in
//      the norm of the step — the min-Frobenius Δ with Δu = f for Muon (every step is ± t̂ ûᵀ plus decay, which
//      erases everything else), the row-wise min max-norm Δ for SignGD/Adam(ε = 0) (every step is a multiple of
//      sign(u)ᵀ per row) — found by solvers/min_norm.hpp (pseudo-inverse, per-row exact simplex).
// Decay toward 0 fits t = the full target (W0 is forgotten: W0's part orthogonal to what the steps touch is
// multiplied by ∏(1 − η_s λ) → 0); decay toward W0 (solvers/anchored_decay.hpp) fits t = r0 = b − W0 z around
// W0, which is Prop D.5's budget problem with ρ = s/λ.
//
// This project's closed forms of the selected point, checked against the solvers (claim wd-kkt-closed-form):
//   spectral  base + min(ρ, ‖t‖2/‖u‖2) · t uᵀ/(‖t‖2‖u‖2)
//   max       base + clip(t sign(u)ᵀ/‖u‖1, ±ρ) entry-wise
#pragma once

#include "solvers/optimizer.hpp"
#include "spectral/scalar.hpp"
#include "toy/problem.hpp"
#include "toy/runner.hpp"

#include <string>
#include <vector>

namespace muonlab::theory {

/// Where decoupled decay pulls: toward 0 (W ← W − ηλW − η d, PyTorch/AdamW) or toward the initial W0.
enum class DecayCenter { zero, initial };
const char* to_string(DecayCenter c);
/// "zero" | "w0" (InputError otherwise).
DecayCenter parse_decay_center(const std::string& name);

struct DecayPrediction {
  std::string norm;            // "max" or "2"
  DecayCenter center = DecayCenter::zero;
  Real radius{0};              // the budget ρ
  Real threshold{0};           // exact-fit threshold of the budget problem: ‖t‖∞/‖u‖1 (max), ‖t‖2/‖u‖2 (2)
  bool exact_fit = false;      // radius ≥ threshold: the loss goes to 0 and the constraint is not active
  MatR point;                  // the predicted limit (parameter space) from the solvers and the selection rule
  MatR closed_form;            // the same point from this project's closed form (header)
  Real value{0};               // certified minimum ½‖Δu − t‖² (the solver's value)
  Real gap{0};                 // the solver's duality gap (value − gap ≤ minimum ≤ value)
  Real solver_tolerance{0};    // the gap the working precision allows (constrained_fit.hpp)
  Real fitted_error{0};        // √(2·gap): bound on ‖f − f*‖2 (½‖f − t‖² is 1-strongly convex in f)
  Real scale{0};               // ‖point − base‖F (the size of the move, for relative errors)
  bool converged = false;      // the solver reached its tolerance
};

/// The prediction for one-sample problems (single, continuation; LoRA: on B with u = Az). InputError for k > 1
/// samples, an unknown norm, radius ≤ 0, or a target t = 0 (nothing to fit).
DecayPrediction predict_decay_limit(const toy::Problem<Real>& problem, const std::string& norm, const Real& radius,
                                    DecayCenter center);

/// The norm ("max", "2" or "F") of the step `opt` settles to when it sees the constant gradient g: a copy (state
/// reset) is stepped with lr = 0 until the norm stops changing (to rounding, or to 1e-20 relative; at most
/// max_steps); `residual` receives the last relative change (0 when it converged).
Real steady_step_norm(const solvers::Optimizer<Real>& opt, const MatR& g, const std::string& norm,
                      double* residual = nullptr, int max_steps = 4000);

/// The budget ρ = s/λ of `opt` on `problem` (s = steady_step_norm at the gradient of the predicted point, iterated
/// to a fixed point: s depends on ‖G‖ only through normalization constants such as NS's ε).
Real effective_radius(const solvers::Optimizer<Real>& opt, const toy::Problem<Real>& problem,
                      const std::string& norm, const Real& lambda, DecayCenter center);

/// The decoupled decay coefficient of an optimizer from solvers::make_optimizer (0 when it has none).
Real weight_decay_of(const solvers::Optimizer<Real>& opt);

/// `muonlab bias` with decoupled decay: the predicted limits for the max-norm and the spectral budget of `opt`
/// (budget = effective_radius in that norm) as candidates "max_wd" and "2_wd", with their predictions in `info`.
std::vector<toy::Candidate<Real>> decay_candidates(const toy::Problem<Real>& problem,
                                                   const solvers::Optimizer<Real>& opt, DecayCenter center,
                                                   std::vector<DecayPrediction>* info = nullptr);

}  // namespace muonlab::theory
