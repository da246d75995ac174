#include "nanochat/dist_train.hpp"

#include "nanochat/eval.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace muonlab::nanochat {

Batch rank_rows(const Batch& global, const Comm* comm) {
  if (!comm || comm->size() == 1) return global;
  const std::int64_t B = global.x.size(0), W = comm->size();
  if (B % W != 0)
    throw std::invalid_argument(fmt::format("the batch of {} sequences does not split over {} ranks: choose "
                                            "--batch-size a multiple of the number of ranks",
                                            B, W));
  const std::int64_t b = B / W;
  return {global.x.narrow(0, comm->rank() * b, b), global.y.narrow(0, comm->rank() * b, b)};
}

double mean_over_ranks(double v, Comm* comm) {
  if (!comm || comm->size() == 1) return v;
  return comm->all_reduce_sum(v) / double(comm->size());
}

StepConsensus step_consensus(double loss, bool interrupted, Comm* comm) {
  if (!comm || comm->size() == 1) return {loss, interrupted};
  torch::Tensor t = torch::tensor(std::vector<double>{loss, interrupted ? 1.0 : 0.0}, torch::kFloat64)
                        .to(comm->device());
  comm->all_reduce_sum(t);
  const torch::Tensor h = t.cpu();
  // A non-finite loss on any rank makes the sum non-finite: every rank sees the divergence.
  return {h[0].item<double>() / double(comm->size()), h[1].item<double>() > 0};
}

double evaluate_bpb_over_ranks(GPT& model, const Batch& val, std::int64_t bytes, int batch_size,
                               const torch::Device& dev, Comm* comm) {
  if (!comm || comm->size() == 1) return evaluate_bpb(model, val, bytes, batch_size, dev);
  // Every W-th window from this rank's index: shares differ by at most one window.
  const torch::Tensor idx = torch::arange(comm->rank(), val.x.size(0), comm->size(), torch::kLong);
  double nats = 0;
  if (idx.numel() > 0) nats = evaluate_nats(model, {val.x.index_select(0, idx), val.y.index_select(0, idx)}, batch_size, dev);
  return comm->all_reduce_sum(nats) / (std::log(2.0) * double(bytes));
}

std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t pos = 0;
  while (pos < all.size()) {
    const std::size_t end = all.find('\0', pos);
    args.push_back(all.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (!args.empty()) args.erase(args.begin());
  return args;
}

std::shared_ptr<Comm> join_or_launch(const DistLaunch& l, const torch::Device& device, bool progress, int* launched) {
  *launched = -1;
  if (l.nproc < 1) throw std::invalid_argument("--nproc must be at least 1");
  const DistEnv env = dist_env_from_environment();
  if (!env.distributed()) {
    if (l.nproc == 1) return nullptr;
    // Each rank gets the group timeout; the launcher gives the others that long (plus a margin) to notice a failure.
    *launched = launch_local(l.nproc, own_arguments(), l.timeout + std::chrono::seconds(10), progress);
    return nullptr;
  }
  if (l.nproc > 1 && !env.launched)
    throw std::invalid_argument(fmt::format("--nproc {} under a launcher that already started {} ranks (RANK, "
                                            "WORLD_SIZE are set): drop --nproc",
                                            l.nproc, env.world_size));
  if (env.launched && l.nproc != env.world_size)
    throw std::invalid_argument("inconsistent environment: WORLD_SIZE differs from --nproc");
  DistOptions o;
  o.timeout = l.timeout;
  auto comm = Comm::create(env, device, o);
  // Exact communication times on CUDA (each collective synchronizes): for benchmarks only.
  if (const char* t = std::getenv("MUONLAB_COMM_TIMING")) comm->set_timing(std::string(t) == "1");
  return comm;
}

}  // namespace muonlab::nanochat
