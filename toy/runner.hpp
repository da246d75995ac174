// Runs an optimizer on a toy problem for T steps and records its trajectory (REFERENCE §2, issue 3).
//
// The runner knows nothing about which solution is "right": the caller passes the candidate solutions
// (theory/closed_forms.hpp computes W*_max, W*_2, W*_F, ...) and the runner records the distance of the
// iterates to each. The optimizer comes through the solvers::Optimizer interface, built by the caller with
// solvers::make_optimizer.
#pragma once

#include "solvers/optimizer.hpp"
#include "toy/problem.hpp"

#include <functional>
#include <string>
#include <vector>

namespace muonlab::toy {

/// A named candidate limit of the iterates, in parameter space (W, or B under LoRA).
template <class S>
struct Candidate {
  std::string name;  // e.g. "max", "2", "F"
  Mat<S> p;
};

/// One recorded state, after `step` steps (step 0 is the initial point). Norms are of the parameter P.
struct TrajectoryRow {
  long step = 0;
  double lr = 0;        // η of the last step taken (0 at step 0)
  double loss = 0;      // L(P)
  double norm_max = 0;  // ‖P‖max
  double norm_2 = 0;    // ‖P‖2 (NaN when spectral norms are switched off)
  double norm_f = 0;    // ‖P‖F
  std::vector<double> dist;      // ‖P − P*_c‖F per candidate c
  std::vector<double> rel_dist;  // ‖P − P*_c‖F / ‖P*_c − P0‖F (the size of the move the candidate asks for)
};

/// The step size η_t for t = 0, 1, ... (the runner calls it once per step, in order).
template <class S>
using StepSize = std::function<S(long)>;

struct RunOptions {
  long steps = 1000;
  int records = 200;           // about this many log-spaced rows (plus step 0 and the last step)
  bool spectral_norm = true;   // ‖P‖2 needs an SVD per recorded row
  std::function<void(long done, long total)> progress;  // called about 100 times; may be empty
};

template <class S>
struct RunResult {
  std::vector<std::string> candidates;
  std::vector<TrajectoryRow> rows;
  Mat<S> final_param;
  long steps_done = 0;
  bool diverged = false;  // the loss became non-finite; the run stopped there
};

/// The recorded steps: 0, about `records` log-spaced steps in [1, steps], and `steps`; sorted and unique.
std::vector<long> record_steps(long steps, int records);

/// Runs `opt` (its state is used as is; reset() it first for a fresh run) from the problem's P0.
/// Throws InputError if steps < 0 or a candidate has the wrong shape.
template <class S>
RunResult<S> run_toy(const Problem<S>& problem, solvers::Optimizer<S>& opt, const StepSize<S>& lr,
                     const std::vector<Candidate<S>>& candidates, const RunOptions& options);

/// The trajectory as CSV: step,lr,loss,norm_max,norm_2,norm_F,dist_<c>...,rel_<c>... (17 significant digits).
std::string trajectory_csv(const std::vector<std::string>& candidates, const std::vector<TrajectoryRow>& rows);

extern template RunResult<double> run_toy<double>(const Problem<double>&, solvers::Optimizer<double>&,
                                                  const StepSize<double>&, const std::vector<Candidate<double>>&,
                                                  const RunOptions&);
extern template RunResult<Real> run_toy<Real>(const Problem<Real>&, solvers::Optimizer<Real>&, const StepSize<Real>&,
                                              const std::vector<Candidate<Real>>&, const RunOptions&);
extern template RunResult<Rational> run_toy<Rational>(const Problem<Rational>&, solvers::Optimizer<Rational>&,
                                                      const StepSize<Rational>&,
                                                      const std::vector<Candidate<Rational>>&, const RunOptions&);

}  // namespace muonlab::toy
