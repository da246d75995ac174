// Data-parallel runs on PyTorch's c10d: where a process stands (the torchrun/Slurm environment), the process group
// (Gloo on the CPU, NCCL on CUDA, rendezvous through a c10d::TCPStore), the few collectives the trainer and the
// distributed optimizer need, and `--nproc N`'s local launcher.
//
// One command line works everywhere:
//   muonlab pretrain … --nproc 4                      this machine: the launcher starts 4 ranks itself
//   torchrun --nnodes 2 --nproc-per-node 8 … muonlab pretrain …   (torchrun sets RANK, WORLD_SIZE, LOCAL_RANK,
//                                                      MASTER_ADDR, MASTER_PORT; its agent hosts the store)
//   srun -N 2 --ntasks-per-node 8 muonlab pretrain …  (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; MASTER_ADDR and
//                                                      MASTER_PORT exported by the job script)
//
// Faults: every collective runs under a timeout (DistOptions::timeout); a rank that dies closes its sockets, so the
// others fail at their next collective at once (Gloo) or when the timeout expires (NCCL's watchdog), and throw
// DistError naming the rank, the operation and what to do (resume from the last checkpoint). The launcher stops the
// remaining ranks when one fails, and every rank it starts dies with it (PR_SET_PDEATHSIG): nothing is left behind.
//
// Interrupts: the launcher's ranks run in a process group of their own, so Ctrl-C (SIGINT to the terminal's
// foreground group) reaches the launcher alone, which passes each SIGINT/SIGTERM on to every rank once. The ranks
// agree on it at their next step (nanochat/dist_train.hpp: step_consensus), checkpoint together and exit 130.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace c10d {
class Backend;
class Store;
}  // namespace c10d

namespace muonlab::nanochat {

/// A collective failed: a peer died, stalled past the timeout, or the rendezvous could not be made.
class DistError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Why rank 0 could not finish what the other ranks wait for (Comm::signal).
enum class GateFailure { error, bad_input, interrupted };

/// Where this process stands, read from the environment.
struct DistEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;  // TORCHELASTIC_USE_AGENT_STORE=True: the launcher hosts the TCPStore, every rank a client
  bool launched = false;     // started by muonlab's own launcher (MUONLAB_LAUNCHER=1)
  bool distributed() const { return world_size > 1; }
};
/// torchrun's RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; else Slurm's SLURM_PROCID, SLURM_NTASKS,
/// SLURM_LOCALID (with MASTER_ADDR, MASTER_PORT); else one process. Malformed values throw std::invalid_argument.
DistEnv dist_env_from_environment();

struct DistOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // per collective, and for the rendezvous
};

/// The process group of a run: rank, size, and the collectives, each blocking until done. Tensors live on the
/// group's device (CPU for Gloo, the rank's GPU for NCCL). The time spent inside collectives is accumulated
/// (comm_seconds) for the benchmark; on CUDA it is exact only with set_timing(true) (then each collective syncs).
class Comm {
public:
  /// Joins the group described by `env` (TCPStore rendezvous at MASTER_ADDR:MASTER_PORT). CPU device: Gloo;
  /// CUDA device: NCCL on cuda:LOCAL_RANK. Throws DistError when the rendezvous fails within the timeout.
  static std::shared_ptr<Comm> create(const DistEnv& env, const torch::Device& device, const DistOptions& o = {});
  /// Joins a group through an existing store (tests: an in-process c10d::HashStore shared by threads).
  static std::shared_ptr<Comm> create(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                      const torch::Device& device, const DistOptions& o = {});
  ~Comm();

  int rank() const { return rank_; }
  int size() const { return size_; }
  const torch::Device& device() const { return device_; }
  std::string backend_name() const;

  /// x ← Σ_ranks x (in place).
  void all_reduce_sum(torch::Tensor& x);
  /// Rank r gets Σ_ranks input[r·c : (r+1)·c] along dim 0 (input: (size·c, …), contiguous) as a new (c, …) tensor.
  torch::Tensor reduce_scatter_sum(const torch::Tensor& input);
  /// Concatenates every rank's `chunk` along dim 0 into `out` ((size·c, …), contiguous), in rank order.
  void all_gather(torch::Tensor& out, const torch::Tensor& chunk);
  /// x ← rank root's x.
  void broadcast(torch::Tensor& x, int root = 0);
  void barrier();
  /// Σ_ranks v, in double precision (a loss, a norm², a count).
  double all_reduce_sum(double v);

  /// Rank 0 alone prepares something (the run directory, the token cache) while the others wait for it: no
  /// collective, so a long preparation is no timeout. Rank 0 calls signal(key) when done, or signal(key, message,
  /// kind) when it failed; the others call wait_for(key, limit), which throws DistError with rank 0's message, or
  /// when `limit` passes first. A failure of kind bad_input (rank 0 rejected the options or the data) is rethrown as
  /// std::invalid_argument, so every rank exits as a bad-input error (2); one of kind interrupted (SIGINT/SIGTERM
  /// stopped rank 0) as Interrupted (exit 130).
  void signal(const std::string& key, const std::string& failure = "", GateFailure kind = GateFailure::error);
  void wait_for(const std::string& key, std::chrono::milliseconds limit);

  double comm_seconds() const { return comm_seconds_; }
  void reset_comm_seconds() { comm_seconds_ = 0; }
  void set_timing(bool on) { timing_ = on; }

private:
  Comm();
  template <class F>
  void run(const char* what, F&& issue);

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::Backend> backend_;
  int rank_ = 0, size_ = 1;
  torch::Device device_{torch::kCPU};
  std::chrono::milliseconds timeout_{0};
  double comm_seconds_ = 0;
  bool timing_ = false;
};

/// `--nproc N` on this machine: hosts a TCPStore on a free loopback port, starts N copies of this executable with
/// `args` (argv[1:]) and the torchrun environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE=True, MUONLAB_LAUNCHER=1), and waits. When a rank fails, the others
/// get `grace` to notice on their own (their message names the collective), then are killed; the first failure's
/// exit status is returned (128 + signal for a rank killed by a signal), 0 when every rank succeeded.
int launch_local(int nproc, const std::vector<std::string>& args, std::chrono::milliseconds grace,
                 bool progress = true);

/// A rank's stderr prefix: "" on one process, "[rank R] " otherwise.
std::string rank_prefix(const DistEnv& env);

}  // namespace muonlab::nanochat
