// The one training loop of pretraining (pretrain.cpp) and fine-tuning (finetune.cpp). A run describes itself as a
// TrainJob (its batches, schedule, optimizer, evaluation, probes, checkpoint writer); train() does the rest, the same
// way for both:
//
//   - evaluation at step 0, every `eval_every` steps, at the end, and at a stop (--stop-after): metrics.csv rows
//       step,tokens,train_loss,<evaluation columns>,<schedule columns>,elapsed_s
//     train_loss is the mean over the steps since the previous row (empty on the first row);
//   - spectral probes (probes.csv) every `probe_every` steps, and always at the end or the stop (the summary's);
//   - a checkpoint every `checkpoint_every` steps, at a stop, on SIGINT/SIGTERM, and at the end when asked; it
//     carries the TrainerState, so a resumed run keeps its initial evaluation and its elapsed time, and its
//     metrics.csv and probes.csv keep the rows of the steps before the checkpoint;
//   - divergence: a non-finite training loss ends the run before that step's update (nothing is checkpointed after
//     it); the result says so and each command records it in its summary and exits non-zero;
//   - progress on stderr: step, loss, the latest validation value with the step it is from, throughput, eta;
//   - SIGINT/SIGTERM (interrupt.hpp): the step in flight finishes, a checkpoint is written, Interrupted is thrown
//     with a message naming the command that resumes.
//
// Synchronization: the loss of each step is read once (the divergence check, before backward); gradient clipping,
// loss sums and timing add no other device synchronization (on CUDA the optimizer's own time is measured on every
// 10th step only, with a synchronization around it).
//
// Data-parallel (a TrainJob with a process group of W > 1 ranks, nanochat/dist_train.hpp): every rank runs the job
// in step, its `loss` on its rows of the step's global batch. The step's loss is the mean over the ranks, read with
// the ranks' interrupt requests in one all-reduce (step_consensus), so every rank sees a divergence, and every rank
// stops after the same step on SIGINT/SIGTERM; the distributed optimizer's step (gradients averaged, clipped by
// their global norm, each rank updating its share, shares gathered) replaces the clip and the optimizer step.
// `evaluate` may be collective (it runs on every rank at the same steps). Rank 0 alone writes metrics.csv and
// probes.csv, probes, prints and saves checkpoints; a checkpoint is collective (the optimizer state gathered into
// `optimizer` first, released after), so one written by W ranks resumes on any number.
#pragma once

#include "nanochat/dist_optim.hpp"
#include "nanochat/interrupt.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/probes.hpp"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::nanochat {

// ---- values that may not have been measured ---------------------------------------------------------------------

/// A number a summary reports only when it was measured (and is finite): JSON null and "—" in text otherwise.
using Measured = std::optional<double>;
nlohmann::json to_json_value(const Measured& v);
/// Reads a Measured back: null, a missing key or a non-number give nullopt.
Measured measured_from_json(const nlohmann::json& j, const char* key);
/// `v` formatted with the fmt spec (e.g. "{:.4f}"), or "—" when not measured.
std::string format_measured(const Measured& v, const char* spec = "{:.4f}");
/// A finite value, else nullopt.
Measured finite_or_none(double v);

// ---- the trainer ------------------------------------------------------------------------------------------------

/// The run's validation values at one step, in the order of TrainJob::eval_columns.
struct Evaluation {
  std::int64_t step = 0;
  std::vector<double> values;
};

/// What a run carries from one invocation to the next (in every checkpoint, as JSON).
struct TrainerState {
  std::int64_t step = 0;                        // optimizer steps done
  double elapsed_s = 0;                         // wall time of every invocation, up to this state
  std::optional<Evaluation> initial;            // the evaluation at step 0
  std::optional<Evaluation> last_eval;          // the latest evaluation
  std::optional<std::int64_t> last_probe_step;  // the step of the latest probes.csv rows
  Measured last_loss;                           // training loss of the latest step
};
nlohmann::json to_json(const TrainerState& s);
/// A state read back; null (a checkpoint from before the trainer state existed) gives {step} with nothing measured.
TrainerState trainer_state_from_json(const nlohmann::json& j, std::int64_t step);

struct TrainJob {
  std::string label;        // progress prefix: "pretrain muon", "finetune lora-adam"
  std::string run_dir;      // metrics.csv, probes.csv and checkpoints go here; empty: nothing is written
  std::string resume_hint;  // the command that continues the run (named by the stop and interrupt messages)
  std::int64_t steps = 0;   // planned optimizer steps
  std::int64_t tokens_per_step = 0;
  int eval_every = 0;        // 0: evaluations at step 0 and at the end (and a stop) only
  int probe_every = 0;       // 0: probes only at the end or a stop (not written to probes.csv)
  int checkpoint_every = 0;  // 0: checkpoints only at a stop, an interrupt, and (checkpoint_at_end) the end
  bool checkpoint_at_end = true;
  std::int64_t stop_after = 0;  // > 0: evaluate, probe, checkpoint and stop after this many steps of this invocation
  bool progress = true;
  torch::Device device = torch::kCPU;

  /// The mean training loss of step `step`'s batch (forward only): a scalar on the device.
  std::function<torch::Tensor(std::int64_t step)> loss;
  ModelOptimizer* optimizer = nullptr;
  std::vector<torch::Tensor> clip_params;  // clipped together to grad_clip (0: no clip)
  double grad_clip = 0;
  std::function<double(std::int64_t step)> lr_mult;    // the optimizer's learning-rate multiplier at `step`
  std::function<double(std::int64_t step)> momentum;   // Muon momentum at `step`
  std::function<void(bool training)> set_training;     // optional (LoRA dropout): true around steps, false to evaluate

  /// metrics.csv columns of an evaluation; the first is shown on progress lines as `eval_label`.
  std::vector<std::string> eval_columns;
  std::string eval_label;                               // "val bpb", "val ppl"
  std::function<std::vector<double>(std::int64_t step)> evaluate;
  /// metrics.csv columns after the evaluations, computed from the step ("lr_mult", "momentum" / "lr").
  std::vector<std::pair<std::string, std::function<double(std::int64_t step)>>> schedule_columns;

  std::function<std::vector<MatrixProbe>()> probe;  // optional: spectral probes of the model

  /// Writes the run's checkpoint (weights, optimizer, whatever else it needs) with the trainer state given.
  std::function<void(const TrainerState& state)> save_checkpoint;

  /// Data-parallel: this rank's process group (null, or one rank: a single process) and the distributed optimizer
  /// over `optimizer` (required with more than one rank). See the top of this file.
  Comm* comm = nullptr;
  DistOptimizer* dist_optimizer = nullptr;
};

struct TrainResult {
  enum class End { finished, stopped, diverged };
  End end = End::finished;
  TrainerState state;                       // at the end of this invocation
  std::optional<Evaluation> final_eval;     // the evaluation of the weights the run ended with (not when diverged)
  std::vector<MatrixProbe> final_probes;    // their probes (empty when the job has none, or diverged)
  std::int64_t start_step = 0;              // where this invocation began
  std::int64_t diverged_step = -1;          // the step whose loss was not finite
  double diverged_loss = 0;
  std::int64_t trained_steps = 0;           // steps of this invocation
  double train_s = 0;                       // their wall time (forward, backward, clip, optimizer)
  Measured mean_optimizer_ms;               // the optimizer step alone (sampled on CUDA, every step on the CPU)
  double comm_s = 0;                        // data-parallel: the steps' time inside collectives
  Measured mean_step_ms() const;            // train_s / trained_steps
  Measured mean_comm_ms() const;            // comm_s / trained_steps
  Measured tokens_per_second(std::int64_t tokens_per_step) const;
};

/// Runs `job` from `state` (a fresh TrainerState, or one restored from the run's checkpoint; the model and
/// optimizer must hold that checkpoint's weights and state). Installs an InterruptScope for its duration.
/// Throws Interrupted after checkpointing on SIGINT/SIGTERM.
TrainResult train(const TrainJob& job, TrainerState state);

// A duration for progress lines: "1m05s", "2h03m" ("?" when negative, NaN or beyond 10^7 s).
std::string format_duration(double seconds);

/// The rows of a CSV file (header first) whose first field, a step, is below `step`, or equal to it when
/// `keep_equal`; the header alone (`header`) when the file is missing or has another header.
std::string keep_csv_rows(const std::string& path, const std::string& header, std::int64_t step, bool keep_equal);

}  // namespace muonlab::nanochat
