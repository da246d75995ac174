// `muonlab bias` as a computation (docs/conventions.md, "Options -> Summary"): one optimizer on a toy problem,
// and which candidate solution its iterates approach (REFERENCE §2, issue 3; k samples, issue 5; weight decay and
// separable classification, issue 19). The problem, the runner and the one-sample verdict live in toy/; the
// candidates in theory/closed_forms.hpp (one sample), theory/ksample.hpp (k samples: the min-norm interpolants with
// their certificates, whose verdict replaces toy/bias_verdict's), theory/weight_decay.hpp (the budget points) and
// theory/margin_refs.hpp (classification).
#pragma once

#include "spectral/precision.hpp"
#include "theory/ksample.hpp"
#include "theory/margin_refs.hpp"
#include "theory/weight_decay.hpp"
#include "toy/bias_verdict.hpp"
#include "toy/runner.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace muonlab::theory {

struct BiasOptions {
  /// Optimizer spec NAME[:key=value,...]; NAME is a solvers::OptimizerId name or alias (solvers/optimizer_id.hpp; its registry entry: solvers/registry.hpp).
  std::string optimizer;
  std::string problem;               // single | continuation | lora | ksample | classify | batch1; empty: single,
                                     // or ksample when samples > 1
  std::string instance;              // an instance file; empty: a random instance
  std::string entries = "gaussian";  // gaussian | integer (classify: integer unless given)
  long m = 4, n = 6, samples = 1, rank = 2;
  /// 30 digits, not the project's 50 (docs/conventions.md, "Precision"): the committed figures, the README's
  /// numbers and the claims' bias runs were all made at 30, and 30 digits resolve --tol down to 1e-28.
  spectral::Precision precision{30};
  bool exact = false;                // iterates in exact rationals (field-only optimizers)
  long steps = 2000;
  std::string schedule;              // empty: power:lr=0.5,p=1 (regression), power:lr=0.1,p=0.5 (classification)
  std::uint64_t seed = 1;
  int records = 200;
  double tol = 1e-2;                 // relative distance (or margin gap) that counts as converged
  std::string out;                   // the trajectory file the caller writes (named in the summary)
  std::string decay_to = "zero";     // zero | w0 (decoupled weight decay toward 0 or W0)
  int classes = 3;                   // classify
  std::string batch = "full";        // classify, batch1: full | cyclic:B | random:B
  bool normalize = false;            // classify, batch1: divide each gradient by its Frobenius norm
  bool classification() const { return problem == "classify" || problem == "batch1"; }
  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

/// A k-sample reference as the summary keeps it (the certified values in double, for display).
struct BiasReference {
  std::string method;
  bool exact = false;
  double value = 0, lower_bound = 0, certificate_gap = 0, feasibility = 0;
};

/// A least-squares run (single, continuation, lora, ksample).
struct BiasRegression {
  std::string optimizer_name, schedule_name;
  bool robbins_monro = false;
  std::string kind;                  // toy::to_string(ProblemKind)
  long m = 0, n = 0, samples = 0;
  std::string scalar;                // "mpfr" or "rational"
  long steps_done = 0;
  double loss0 = 0;
  toy::TrajectoryRow last;
  std::vector<std::string> candidates;
  toy::BiasVerdict verdict;          // k samples: with theory::ksample's verdict and converged_to
  bool ksample = false;
  std::vector<BiasReference> references;  // k samples
  KSampleLimit limit;                     // k samples, when not diverged
  bool has_decay = false;
  std::vector<DecayPrediction> decay;     // one sample with weight decay (MPFR)
};

/// A classification run (classify, batch1).
struct BiasClassification {
  std::string optimizer_name, schedule_name, batch_name, kind, source;
  long classes = 0, n = 0, samples = 0;
  long steps_done = 0;
  double loss0 = 0, loss = 0, margin = 0;
  bool diverged = false;
  std::string verdict;
  std::vector<std::string> reached;
  std::vector<MarginReference> references;
  std::vector<MarginComparison> comparisons;
};

struct BiasSummary {
  BiasOptions options;
  bool classification = false;       // which of the two below holds the run
  BiasRegression regression;
  BiasClassification classify;
  std::string trajectory_csv;        // write it to options.out (the CLI does, atomically)
  std::string brief() const;
  nlohmann::json to_json() const;
};

/// Runs the problem the options select (progress on stderr from 20000 steps); InputError (exit 2) on invalid
/// options or data, NumericalError (exit 3) when the precision cannot decide.
BiasSummary run_bias(const BiasOptions& options);

/// The classification part (theory/bias_classify_command.cpp); run_bias dispatches to it.
BiasSummary run_bias_classification(const BiasOptions& options);
std::string brief_classification(const BiasSummary& summary);
nlohmann::json json_classification(const BiasSummary& summary);

/// The runner's options of a `bias` run: its steps and records, and a progress line on stderr every tenth of a run
/// of 20000 steps or more (both problem kinds).
toy::RunOptions bias_run_options(const BiasOptions& options);

}  // namespace muonlab::theory
