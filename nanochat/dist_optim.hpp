// The optimizer of a data-parallel run (docs/distributed.md): distributed Muon as nanochat's and Keller Jordan's
// DistMuon do it, and AdamW with its state sharded ZeRO-style, on the groups of a ModelOptimizer (same rule, same
// shape: the stacked groups of the batched path, nanochat/optim.hpp).
//
// One step, with W ranks and rank r:
//   1. reduce-scatter: every rank's gradients go into one flat buffer of W segments; segment r holds, for each group,
//      rank r's share: a Muon-family group of k matrices (padded with zero matrices to a multiple of W) gives rank r
//      matrices [r·k/W, (r+1)·k/W); an AdamW group is flattened and rank r gets elements [r·n/W, (r+1)·n/W). One
//      reduce-scatter (sum, then ÷ W) leaves on each rank the averaged gradient of its share only;
//   2. clip: ‖g‖² is the sum over ranks of their shares' ‖·‖² (one all-reduce of a scalar, on the device);
//   3. update: each rank steps its share with the single-process rule: one batched Newton–Schulz over its stacked
//      matrices (momentum and the other state exist for its matrices only), AdamW's foreach kernels on its slice
//      (m and v exist for its slice only: ZeRO-1/2);
//   4. all-gather: the updated shares are concatenated back into every rank's parameters (one all-gather).
// The orthogonalized update of a matrix is the single-process one: the same averaged gradient, the same rule, only
// computed on one rank (tests/nanochat/test_dist_optim.cpp checks it to the last bit on two Gloo ranks).
//
// With one rank (or no process group) every call is the ModelOptimizer's own (clip_grad_norm then step), so a
// single-process run is unchanged bit for bit. The full state (state_dict) has the ModelOptimizer's names and
// shapes, so a checkpoint written with W ranks resumes with any other number.
#pragma once

#include "nanochat/distributed.hpp"
#include "nanochat/optim.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace muonlab::nanochat {

class DistOptimizer {
public:
  /// `base` routes and groups the parameters and holds the rules' settings; it must outlive this object. While
  /// distributed its own state stays empty (the shards live here).
  DistOptimizer(ModelOptimizer& base, std::shared_ptr<Comm> comm);

  /// Averages the gradients over the ranks, clips their global norm to `grad_clip` (≤ 0: no clip), and steps every
  /// rule with lr multiplied by lr_mult and the Muon momentum `momentum`. Returns the global gradient norm before
  /// the clip as a 0-d tensor on the device (0 when not clipping); nothing is read back to the host (one process:
  /// optim.hpp's clip_grad_norm, then the ModelOptimizer's step).
  torch::Tensor step(double lr_mult, double momentum, double grad_clip);
  void zero_grad() { base_.zero_grad(); }

  /// The full state, as ModelOptimizer::state_dict names it. Collective: every rank must call it.
  std::map<std::string, torch::Tensor> state_dict() const;
  /// Takes this rank's share of a full state (any number of ranks wrote it).
  void load_state_dict(const std::map<std::string, torch::Tensor>& state);
  /// Collective: puts the full state into base() (so save_checkpoint(…, base(), …) writes it); release_base_state()
  /// empties it again.
  void gather_into_base();
  void release_base_state();

  ModelOptimizer& base() { return base_; }
  bool distributed() const { return comm_ && comm_->size() > 1; }
  const std::shared_ptr<Comm>& comm() const { return comm_; }

  /// The matrices (slot indices) whose rule this rank computes, per group (docs, tests).
  std::vector<std::size_t> owned_slots() const;

private:
  struct Shard {
    std::size_t group = 0;  // index into base.groups()
    Rule rule = Rule::AdamW;
    std::int64_t k = 0;       // Muon family: matrices; AdamW: elements (all slots flattened)
    std::int64_t chunk = 0;   // a rank's share: ceil(k / W) (matrices or elements)
    std::vector<std::int64_t> item_shape;  // Muon family: (m, n); AdamW: ()
    std::int64_t item_numel = 1;           // m·n (Muon family) or 1
    std::map<std::string, torch::Tensor> state;  // this rank's share: "buf", "v", "nu" (chunk, …) or "m", "v" (chunk)
    std::int64_t t = 0;  // AdamW step count
    std::int64_t length() const { return chunk * item_numel; }  // elements of a rank's share
  };
  torch::Tensor gather_full(const Shard& s, const torch::Tensor& part) const;  // (W·chunk·…) from each rank's part
  torch::Tensor padded_flat(const Shard& s, const std::vector<torch::Tensor>& per_slot) const;

  ModelOptimizer& base_;
  std::shared_ptr<Comm> comm_;
  std::vector<Shard> shards_;
};

}  // namespace muonlab::nanochat
