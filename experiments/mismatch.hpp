// The optimizer-mismatch experiment of the paper's §3 at small scale, end to end (issue 8):
//
//   1. the two pretrained models: Muon- and Adam-pretrained runs of the preset, reused when they are finished
//      (runs/pretrain-PRESET-{muon,adam}-dD-sS, or --muon-run/--adam-run), else pretrained (or resumed) there;
//   2. the main sweep: each pretrained model × method (full, lora) × fine-tuning optimizer × lr grid × seed, every
//      run a nanochat::finetune with the preset's fine-tuning size, LoRA at the default rank (8);
//   3. the rank study (--ranks): each LoRA method at each rank, at its best lr of the main sweep and that lr's two
//      grid neighbours (`rank_lrs`: best | neighbors (default) | grid), the best of them per rank;
//   4. trajectories (--trajectories): the best run of every curve again, seed = the first seed, with evaluations
//      every few steps, into OUT/trajectories/PRETRAIN-METHOD-OPTIMIZER/ (metrics.csv: the paper's Figure 3).
//
// Every finished run is appended to OUT/results.jsonl at once (experiments/mismatch_results.hpp) and every table is
// rewritten atomically (experiments/mismatch_report.hpp), so an interrupted sweep loses at most the run in progress;
// a restart skips the keys already in the file. OUT/sweep.json records the settings that make results comparable
// (fine-tuning size, data, the pretrained runs); a restart with different ones is refused (std::invalid_argument)
// rather than mixing two experiments. Grids, seeds, optimizers and ranks may grow between restarts.
//
// Order: seeds outermost, so a sweep stopped half-way has every curve at the first seeds rather than some curves
// complete and others missing.
//
// Across machines (a Slurm job array, any scheduler): `shard = I/N` runs the I-th of N disjoint parts of the main
// sweep (its keys i with i mod N = I − 1, in the order above) into OUT/shard-I-of-N/, with its own results file; the
// pretrained runs must exist already (the shards would otherwise race to make them). merge_mismatch then combines
// the shards' results into OUT: the same results.jsonl (in the unsharded order), the same tables, byte for byte, as
// one unsharded sweep. The rank study and the trajectories need the whole main sweep (its best lrs): run them after
// the merge, unsharded, on the merged OUT (a rerun skips every merged key).
#pragma once

#include "nanochat/finetune.hpp"
#include "experiments/mismatch_tables.hpp"
#include "nanochat/pretrain.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...

struct MismatchOptions {
  std::string preset = "cpu";       // tiny | cpu | gpu: the pretrained models and the fine-tuning size
  std::string out_dir;              // empty: runs/mismatch-PRESET
  std::string muon_run, adam_run;   // empty: runs/pretrain-PRESET-OPT-dDEPTH-sSEED (the `pretrain` default)
  std::string pretrain_data;        // text for pretraining when a model must be made (empty: the default)
  std::vector<std::string> methods = {"full", "lora"};
  std::vector<std::string> optimizers = {"muon", "adam"};  // fine-tuning matrix rules (+ adamuon, normuon)
  std::map<std::string, std::vector<double>> lrs;  // lr grid per optimizer; a missing one: the preset's default
  std::vector<std::uint64_t> seeds = {1, 2, 3};
  std::vector<int> ranks;           // the rank study's LoRA ranks; empty: no rank study
  std::string rank_lrs = "neighbors";  // best | neighbors (and its two grid neighbours) | grid, at every rank
  bool trajectories = false;        // rerun each curve's best run with evaluations (Figure 3)
  int trajectory_points = 10;       // evaluations along a trajectory run
  int max_runs = 0;                 // > 0: stop after this many new runs (a restart continues)
  bool progress = true;             // progress lines on stderr
  int shard_index = 0, shard_count = 0;  // shard I of N (1 ≤ I ≤ N); N = 0: not sharded
  FinetuneConfig finetune;          // the fine-tuning size and recipe: the preset's (apply_mismatch_preset)
  bool finetune_set = false;        // apply_mismatch_preset has filled `finetune` and the grids

  void validate() const;            // throws std::invalid_argument naming the option
};

/// Fills the preset's fine-tuning size (batch, steps, bytes, evaluation tokens, threads, device). The
/// grids bracket the optimum measured at that size (see mismatch.cpp for the measurements behind them).
void apply_mismatch_preset(const std::string& preset, MismatchOptions& o);

/// The default lr grid of an optimizer at a preset.
std::vector<double> default_lr_grid(const std::string& preset, const std::string& optimizer);

struct MismatchSummary {
  std::string out_dir, muon_run, adam_run;
  int planned = 0;        // runs the sweep consists of (main sweep, rank study, trajectories), as far as known
  int done = 0;           // of them, finished (in results.jsonl or, for trajectories, on disk)
  int new_runs = 0;       // run by this invocation
  bool complete = false;  // nothing left to run
  double elapsed_s = 0, mean_run_s = 0;  // this invocation; mean over its new runs
  MismatchAnalysis analysis;
  std::vector<std::string> warnings;
};
nlohmann::json to_json(const MismatchSummary& s);

/// The two things the sweep calls, replaceable so tests can check planning and resuming without training.
struct MismatchRunners {
  std::function<FinetuneSummary(const FinetuneRequest&)> finetune;  // default: nanochat::finetune
  std::function<PretrainSummary(const PretrainRequest&)> pretrain;  // default: nanochat::pretrain
};

/// The progress line of summary.md: "D of P planned runs done." (+ " (complete)").
std::string mismatch_progress_text(int done, int planned);

/// Parses "I/N" (1 ≤ I ≤ N) into options.shard_index and shard_count; throws std::invalid_argument otherwise.
void parse_shard(const std::string& text, MismatchOptions& options);
/// The folder a shard writes into: OUT/shard-I-of-N.
std::string shard_dir(const std::string& out_dir, int index, int count);

/// Combines sharded sweeps: each of `dirs` is a shard's folder or a folder holding shard-*-of-* folders. Every shard
/// 1…N of one N must be there once, all made with the same settings (else std::invalid_argument). Writes
/// out_dir/results.jsonl (with any records already there: merging again is harmless), sweep.json and every table.
MismatchSummary merge_mismatch(const std::vector<std::string>& dirs, const std::string& out_dir, bool progress = true);

/// Runs (or continues) the sweep. Bad options, an unusable pretrained run, a damaged results file or a results
/// directory made with other settings throw std::invalid_argument.
MismatchSummary run_mismatch(const MismatchOptions& options, const MismatchRunners& runners = {});

}  // namespace muonlab::experiments
