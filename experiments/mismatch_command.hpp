// `muonlab mismatch` as options and a summary text (docs/conventions.md, "Options → Summary"): the preset's
// fine-tuning size with the settings given on the command line over it, the checks, the one-screen text and the exit
// code. The sweep itself is experiments::run_mismatch / merge_mismatch (mismatch.hpp); the CLI
// (cli/cmd_torch_mismatch.cpp) calls them inside one interrupt scope. The name follows the convention: MismatchOptions
// is the sweep's own struct, so the command's are MismatchRunOptions.
#pragma once

#include "experiments/mismatch.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace muonlab::experiments {

struct MismatchRunOptions {
  std::string preset = "cpu";      // tiny | cpu | gpu (apply_mismatch_preset): the size not given below
  MismatchOptions sweep;           // as parsed, but for the preset and the settings below
  nanochat::FinetuneConfig size;   // the values of the given settings max-steps, max-bytes, batch-size, eval-tokens,
                                   // rank (lora.rank), threads, device, data
  std::map<std::string, std::vector<double>> lrs;  // lr grid per optimizer, used when "lrs-OPT" is given
  std::vector<int> seeds;          // used when "seeds" is given (signed as parsed: a negative one is bad input)
  std::set<std::string> given;     // settings given, by flag name without "--" ("max-steps", "lrs-muon", "seeds", ...)
  std::string shard;               // "I/N": one part of the main sweep (parse_shard); empty: all of it
  std::vector<std::string> merge;  // combine these shard folders instead of running (merge_mismatch)
  bool quiet = false;              // no progress on stderr

  /// The message of the first problem (exit 2), empty when the options are valid. The sweep's own checks
  /// (MismatchOptions::validate) run inside run_mismatch.
  std::string validate() const;
};

/// The settings a MismatchRunOptions may give over the preset (flag names without "--"): the size settings,
/// "seeds", and "lrs-OPT" for every fine-tuning rule.
const std::vector<std::string>& mismatch_override_names();

/// The sweep's options: the preset, the given settings over it, progress unless quiet, the shard. Throws
/// std::invalid_argument for an unknown preset or a `given` name that overrides nothing.
MismatchOptions mismatch_options(const MismatchRunOptions& options);

/// The results folder of a sweep: options.out_dir, or runs/mismatch-PRESET.
std::string mismatch_out_dir(const MismatchOptions& options);

/// The command's run: validate() (std::invalid_argument with its message), mismatch_options, then the sweep
/// (run_mismatch) or, with `merge` folders, merge_mismatch, under one interrupt scope for the whole sweep (a signal
/// between two runs stops the next run at its first step instead of being cleared by that run's own scope). An
/// interrupt is rethrown as nanochat::Interrupted whose message adds where the finished runs are and that the same
/// command continues the sweep.
MismatchSummary run_mismatch_command(const MismatchRunOptions& options);

/// The one-screen text: the progress line, Table 1, one line per check, the count of checks, the speed of new runs.
std::string brief(const MismatchSummary& s, const std::string& preset);

/// 0: complete and every check holds; 1: complete and a check is violated; 3: not complete (rerun to continue).
int exit_code(const MismatchSummary& s);

}  // namespace muonlab::experiments
