// `muonlab finetune` as options and a summary text (docs/conventions.md, "Options → Summary"): the checks, the
// request nanochat::finetune takes, and the one-screen text the command prints (the run line, the perplexity and
// distance line, and the ΔW table). The CLI (cli/cmd_torch_finetune.cpp) starts or joins the data-parallel ranks.
#pragma once

#include "nanochat/finetune.hpp"

#include <string>
#include <vector>

namespace muonlab::nanochat {

struct FinetuneOptions {
  FinetuneRequest req;             // as parsed: the run, its config, the run directory and its flags
  std::string optimizer = "muon";  // --optimizer as given: muon | adam | adamuon | normuon (req.config.optimizer)
  bool lr_given = false;           // --lr was given (then it must be >= 0; else req.config.lr < 0: the default)
  std::string targets;             // LoRA targets, comma-separated (Q,K,V,O,MLP_up,MLP_down); empty: the config's
  bool quiet = false;              // no progress on stderr
  int nproc = 1;                   // data-parallel ranks to start on this machine (1: none, or torchrun's)
  double dist_timeout = 300;       // seconds a collective may wait for the other ranks

  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

/// The request nanochat::finetune takes: req with the optimizer's id, the targets split and progress unless quiet
/// (comm left null). Throws std::invalid_argument for an optimizer that is not a torch rule.
FinetuneRequest finetune_request(const FinetuneOptions& options);

/// "a, b,,c " → {"a", "b", "c"}: the items of a comma-separated list, trimmed, empty ones dropped.
std::vector<std::string> split_list(const std::string& text);

/// The per-kind means over layers of the ΔW statistics (max-norm, spectral, Frobenius, stable rank, relative norms),
/// one row per kind that has updates, and a note line.
std::string update_table(const FinetuneSummary& s);

/// The one-screen text: the run line (method, optimizer, lrs, steps, status), the perplexity, forgetting and distance
/// line ("—" for what was not measured or is not finite), and update_table.
std::string brief(const FinetuneSummary& s);

/// The stderr message of a diverged run.
std::string diverged_message(const FinetuneSummary& s);

/// The command's exit status: 1 for a diverged run, else 0.
inline int exit_code(const FinetuneSummary& s) { return s.diverged ? 1 : 0; }

}  // namespace muonlab::nanochat
