// LoRA adapters on the hidden matrices of a NanoChat (REFERENCE §4 last line, §5; paper §3): for a target W (out×in)
//
//     y = x Wᵀ + s · (drop(x) Aᵀ) Bᵀ,   A: r×in,  B: out×r,  s = α/r  (rsLoRA: α/√r, arXiv 2312.03732)
//
// with W, the embedding and the head frozen. Two initializations:
//   - lora:  A ~ U(±1/√in) (PyTorch's Kaiming-uniform with a = √5, as peft), B = 0, so s·B A = 0 at step 0;
//   - pissa: from the SVD W = U S Vᵀ (arXiv 2404.02948), B = U_r (S_r/s)^½, A = (S_r/s)^½ V_rᵀ, so s·B A = U_r S_r V_rᵀ
//            is the best rank-r approximation of W (Eckart–Young), and the frozen base becomes the residual
//            W − s·B A: the model computes the same function at step 0, up to float rounding.
// Merging (W ← W + s·B A, adapters removed) gives a plain model for evaluation and for the update ΔW.
//
// Adapters hang in the model's adapter slots (model.hpp) and are not registered modules: the model's parameter names
// and files do not change, and the adapters' tensors are listed by lora_parameters for the optimizer.
#pragma once

#include "nanochat/finetune.hpp"
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::nanochat {

/// The adapter scale s = α/r, or α/√r under rsLoRA.
double lora_scale(const LoraConfig& c);

/// One adapter: forward(x) = s · (drop(x) Aᵀ) Bᵀ (bf16 matmuls when `bf16`, as the base map).
class LoraAdapter final : public LinearAdapter {
public:
  LoraAdapter(torch::Tensor a, torch::Tensor b, double scale, double dropout);
  torch::Tensor forward(const torch::Tensor& x, bool bf16) override;
  /// s·B A (out×in) in float64, without gradient.
  torch::Tensor delta64() const;

  torch::Tensor A, B;    // (r, in), (out, r): trainable leaves, in the base weight's dtype and device
  double scale, dropout;
  bool training = false;  // dropout only while training
};

/// A hidden matrix with its adapter and the adapter's initial factors (for ΔW under PiSSA).
struct LoraTarget {
  std::string name, kind;  // as hidden_matrices: "h.0.attn.c_q.weight", "Q"
  int layer = 0;
  torch::Tensor weight;    // the frozen base (the residual under PiSSA)
  AdapterSlot* slot = nullptr;
  std::shared_ptr<LoraAdapter> adapter;
  torch::Tensor delta0;    // s·B₀ A₀ at attachment, float64 (zero for the lora init)
};

/// Freezes every parameter of `model` (requires_grad false) and attaches an adapter to each hidden matrix whose
/// kind is in cfg.targets. Random draws come from torch's global generator (seed it first). Throws
/// std::invalid_argument for a bad LoraConfig or a rank above min(out, in) of a target.
std::vector<LoraTarget> attach_lora(GPT& model, const LoraConfig& cfg);

/// The adapters' tensors, named "<matrix>.lora_A" / "<matrix>.lora_B" ("h.0.attn.c_q.lora_A").
std::vector<std::pair<std::string, torch::Tensor>> lora_parameters(const std::vector<LoraTarget>& targets);

/// LoRA's optimizer routing: A and B on the matrix rule at base lr `lr` (Muon orthogonalizes the r×in and out×r
/// matrices as they are), or, with `a_adamw`, A on AdamW at the same base lr and B on the matrix rule.
std::vector<Route> lora_routing(const std::vector<LoraTarget>& targets, Rule rule, double lr, bool a_adamw);

/// Dropout on (training) or off (evaluation).
void set_lora_training(std::vector<LoraTarget>& targets, bool training);

/// The update of each target relative to the weights before attachment, s·(B A − B₀ A₀), in float64.
torch::Tensor lora_update(const LoraTarget& t);

/// Merges: W ← W + s·B A (computed in float64, rounded once), then empties the slots; the model is plain again
/// (its weights stay frozen: requires_grad is not restored).
void merge_lora(std::vector<LoraTarget>& targets);

}  // namespace muonlab::nanochat
