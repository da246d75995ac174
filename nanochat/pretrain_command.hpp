// `muonlab pretrain` as options and a summary text (docs/conventions.md, "Options → Summary"): the preset with the
// settings given on the command line over it, the checks, and the one-screen text the command prints. The run itself
// is nanochat::pretrain (pretrain.hpp); the CLI (cli/cmd_torch_pretrain.cpp) starts or joins the data-parallel ranks
// around it.
#pragma once

#include "nanochat/pretrain.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace muonlab::nanochat {

struct PretrainOptions {
  std::string preset = "cpu";      // tiny | cpu | gpu (apply_preset): every setting not in `given` comes from it
  ModelConfig model;               // the values of the settings named in `given` (the rest is ignored)
  TrainConfig train;
  std::string optimizer = "muon";  // --optimizer as given: a name or alias (muon-moonlight: muon + moonlight variant);
                                   // train.optimizer is not read
  std::set<std::string> given;     // settings given on the command line, by flag name without "--" ("depth", ...)
  std::string run_dir;             // empty: runs/pretrain-PRESET-OPTIMIZER-dDEPTH-sSEED
  std::string tokenizer = "bpe";   // bpe | bytes
  std::string finetune_data;       // PretrainRequest::finetune_data
  std::int64_t finetune_max_bytes = 0;
  std::int64_t stop_after = 0;     // > 0: stop after this many steps (continue with resume)
  bool resume = false, force = false, prepare_only = false;
  bool quiet = false;              // no progress on stderr
  int nproc = 1;                   // data-parallel ranks to start on this machine (1: none, or torchrun's)
  double dist_timeout = 300;       // seconds a collective may wait for the other ranks

  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

/// The settings a PretrainOptions may give over the preset, in the order they apply.
const std::vector<std::string>& pretrain_override_names();

/// The preset with the given settings over it (the model's vocabulary is the train config's), the default run
/// directory, and the run flags: the request nanochat::pretrain takes (comm left null). Throws std::invalid_argument
/// for an unknown preset or a `given` name that is not in pretrain_override_names().
PretrainRequest pretrain_request(const PretrainOptions& options);

/// The one-screen text of a summary: for a prepared run one line (tokens, no steps); else the model FLOPs
/// utilization line when it was measured, and the run's line (status, validation bits per byte, throughput, Q,K,V
/// probes; "—" for what was not measured).
std::string brief(const PretrainSummary& s);

/// The stderr message of a diverged run (status "diverged").
std::string diverged_message(const PretrainSummary& s);

/// The command's exit status: 1 for a diverged run, else 0.
inline int exit_code(const PretrainSummary& s) { return s.status == "diverged" ? 1 : 0; }

}  // namespace muonlab::nanochat
