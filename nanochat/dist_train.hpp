// What a training loop needs to run data-parallel (nanochat/distributed.hpp): each rank's rows of the global batch,
// the global mean of a per-rank loss, validation split over the ranks, and the command-line side: joining the group
// or launching `--nproc N` ranks.
//
// The global batch is the single-process one: every rank draws the same B windows from (seed, step)
// (nanochat/data.hpp) and keeps its B/W rows; the mean of the ranks' mean gradients is the batch's mean gradient.
// A W-rank run therefore follows the 1-rank run's loss curve up to reduction-order rounding: the gradient is summed
// over ranks (and AdamW's grouping differs, nanochat/dist_optim.hpp), float32 sums in another order, ≈ 1e-7
// relative per step, growing slowly along the run.
#pragma once

#include "nanochat/data.hpp"
#include "nanochat/distributed.hpp"
#include "nanochat/model.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace muonlab::nanochat {

/// Rank r's rows [r·B/W, (r+1)·B/W) of a global batch; the batch itself without a group. Throws std::invalid_argument
/// when B is not a multiple of W.
Batch rank_rows(const Batch& global, const Comm* comm);
/// The mean over ranks of a per-rank mean over equal shares (a loss): the global batch's mean.
double mean_over_ranks(double v, Comm* comm);
/// What every rank must agree on after a training step's forward pass: the global batch's loss (mean_over_ranks) and
/// whether any rank has been asked to stop (SIGINT/SIGTERM, nanochat/interrupt.hpp). One all-reduce carries both, so
/// every rank stops after the same step (a signal reaches the ranks at different points of a step) and none waits
/// at a collective the others have left. Without a group: `loss` and `interrupted` as given.
struct StepConsensus {
  double loss = 0;
  bool interrupted = false;
};
StepConsensus step_consensus(double loss, bool interrupted, Comm* comm);
/// Validation bits per byte, each rank evaluating every W-th window, the nats summed over ranks.
double evaluate_bpb_over_ranks(GPT& model, const Batch& val, std::int64_t bytes, int batch_size,
                               const torch::Device& dev, Comm* comm);

/// The command line's side of a distributed run.
struct DistLaunch {
  int nproc = 1;                                        // --nproc: ranks to start on this machine
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // --dist-timeout
};
/// This process's arguments after argv[0], from /proc/self/cmdline (the launcher restarts them as ranks).
std::vector<std::string> own_arguments();
/// Decides how this invocation runs: returns a launcher exit status in *launched (this process started
/// `--nproc N` ranks and waited for them), or the group this rank joined (null: one process). `--nproc N > 1` inside
/// a torchrun/Slurm environment that is not muonlab's own launcher is refused (the environment already says how many
/// ranks there are). A rank's device index is its LOCAL_RANK.
std::shared_ptr<Comm> join_or_launch(const DistLaunch& l, const torch::Device& device, bool progress, int* launched);

}  // namespace muonlab::nanochat
