// `muonlab budget` as a computation (docs/conventions.md, "Options -> Summary"): the Prop D.5 / Cor D.6 curves
// E_max(rho), E_2(rho) for matched and mismatched corrections, and (--samples K) the k-sample comparison of optimizers'
// limits with the min-norm interpolants.
#pragma once

#include "spectral/precision.hpp"
#include "theory/lora_bounds.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace muonlab::theory {

struct BudgetOptions {
  std::string z, r0;                 // comma-separated (decimals or p/q); both empty: a random instance
  std::string rho;                   // explicit budgets, comma-separated; empty: budget_grid(points, range)
  long m = 4, n = 6;                 // random instance: length of r0 and z
  std::uint64_t seed = 1;
  int points = 41;
  double range = 1.5;
  std::optional<spectral::Precision> precision;  // none: double
  bool solve = false;                // also run the constrained solvers at every budget
  long samples = 0;                  // > 0: the k-sample mode
  /// k-sample mode: optimizer specs (solvers/registry names with options), comma-separated, or ';'-separated when
  /// a spec has commas.
  std::string optimizers = "signgd,muon-ideal";
  long steps = 20000;
  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

struct BudgetSummary {
  BudgetOptions options;
  std::vector<std::string> z, r0;    // the instance as given or drawn
  BudgetCurves curves;               // curves mode
  std::vector<KSampleComparison> ksample;  // k-sample mode
  std::string brief() const;
  nlohmann::json to_json() const;
  /// The curves as CSV (rho, e_max, e_2, e_max_muon, e_2_sign, e_max_solver, e_2_solver, gap_max, gap_2).
  std::string curves_csv() const;
};

/// Runs the mode the options select (progress on stderr); InputError (exit 2) on invalid options or data.
BudgetSummary run_budget(const BudgetOptions& options);

}  // namespace muonlab::theory
