// The data-parallel side of the training commands (pretrain, finetune), written once: their --nproc and
// --dist-timeout options, and one run: start or join the ranks, train this rank's part, print rank 0's summary.
#pragma once  // Tested by tests/nanochat/test_dist_train.cpp ("finetune on 2 Gloo ranks matches one process")

#include "cli/cli_common.hpp"
#include "nanochat/dist_train.hpp"
#include "nanochat/interrupt.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace muonlab::cli {

/// --nproc N (ranks to start on this machine) and --dist-timeout S (seconds a collective may wait).
inline void add_data_parallel_options(CLI::App* sub, int& nproc, double& dist_timeout) {
  sub->add_option("--nproc", nproc,
                  "Data-parallel ranks to start on this machine (Gloo on the CPU, NCCL with one GPU per rank); under "
                  "torchrun or srun leave it out: their RANK/WORLD_SIZE (SLURM_PROCID/SLURM_NTASKS) decide")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sub->add_option("--dist-timeout", dist_timeout,
                  "Seconds a collective may wait for the other ranks before the run stops (a dead or stalled rank)")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
}

/// Runs a training command on this process's rank: starts `nproc` ranks here (then returns the launcher's status),
/// or joins the group the torchrun/Slurm environment describes, or runs alone; `train(request)` runs this rank's
/// part with the group in request.comm (null: one process) and progress on rank 0 alone, and returns its summary.
/// Rank 0 prints it (brief, or to_json with --json) and a diverged run's message; every rank exits with the summary's exit_code (0, or 1 for a diverged run: the ranks stop
/// after the same step). Interrupted → 130 (rank 0 says what was saved), a failed group (DistError) → 4; other
/// exceptions reach main (std::invalid_argument: bad input, 2). The summary's functions are found by
/// argument-dependent lookup (nanochat/pretrain_command.hpp, nanochat/finetune_command.hpp).
template <class Request, class Train>
int run_data_parallel(const char* command, int nproc, double dist_timeout, const std::string& device, bool quiet,
                      bool json, Request request, Train&& train) {
  static_assert(kOk == 0 && kCheckFailed == 1, "nanochat's exit_code values");
  int launched = -1;
  const auto comm =
      nanochat::join_or_launch({nproc, std::chrono::milliseconds(std::int64_t(dist_timeout * 1000))},
                               torch::Device(device == "cuda" ? torch::kCUDA : torch::kCPU), !quiet, &launched);
  if (launched >= 0) return launched;  // this process was the launcher: its ranks have done the work
  const bool rank0 = !comm || comm->rank() == 0;
  request.comm = comm;
  request.progress = request.progress && rank0;
  std::optional<decltype(train(request))> s;
  try {
    s.emplace(train(request));
  } catch (const nanochat::Interrupted& e) {
    if (rank0) fmt::print(stderr, "muonlab {}: {}\n", command, e.what());  // every rank stopped at the same step
    return kInterrupted;
  } catch (const nanochat::DistError& e) {
    fmt::print(stderr, "muonlab {}: error: {}\n", command, e.what());
    return kInternal;
  }
  const int code = exit_code(*s);
  if (!rank0) return code;  // rank 0 reports; every rank exits alike
  if (json)
    std::cout << to_json(*s).dump(2) << '\n';
  else
    std::cout << brief(*s);
  if (code != kOk) fmt::print(stderr, "muonlab {}: {}\n", command, diverged_message(*s));
  return code;
}

}  // namespace muonlab::cli
