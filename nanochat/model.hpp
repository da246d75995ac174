// A compact NanoChat (REFERENCE §5: karpathy/nanochat at commit 306bc38, as the paper used it).
//
// What differs from the textbook GPT-2:
//   - depth sets width: n_embd = 64·depth, heads of dimension ≈128 (ModelConfig)
//   - rotary position embeddings (base 10000, half-split), no learned positions
//   - QK-norm: RMSNorm of queries and keys after RoPE
//   - parameter-free RMSNorm after the embedding, before attention and MLP (pre-norm) and before the head
//   - MLP 4× wide with ReLU² (relu(x)²), no biases anywhere
//   - untied token embedding and LM head; logits softcapped 15·tanh(z/15)
//   - init: Linear N(0, 1/√fan_in · min(1, √(fan_out/fan_in))), embedding N(0, 1), LM head and both output
//     projections zero
//   - every hidden linear map can carry an optional adapter, y = x Wᵀ + adapter(x) (LoRA: nanochat/lora.hpp); adapters
//     are not registered modules, so parameter names and model files are the same with or without them
//   - on CUDA the matmuls run in bf16 with fp32 master weights (the effect of autocast, written out); attention is
//     torch's scaled_dot_product_attention (flash attention on CUDA in bf16), and the written-out form with an fp32
//     softmax is kept as the reference it is tested against (ComputeMode::sdpa = false)
#pragma once

#include "nanochat/config.hpp"
#include "nanochat/fused_ops.hpp"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::nanochat {

// ---- primitives ----------------------------------------------------------------------------------------------

/// Parameter-free RMSNorm over the last dimension (eps = float32 machine epsilon, as F.rms_norm's default).
torch::Tensor rms_norm(const torch::Tensor& x);

/// x·Wᵀ; in bf16 when `bf16` (CUDA), else in the tensors' dtype.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, bool bf16);

/// Something added to a hidden linear map's output: y = x Wᵀ + forward(x) (LoRA's s·(drop(x) Aᵀ) Bᵀ). Attached by
/// hand (nanochat/lora.hpp), never registered as a module: the model's named_parameters, its state and its files stay
/// exactly those of the plain model, and a model without adapters computes bit for bit what it did before.
struct LinearAdapter {
  virtual ~LinearAdapter() = default;
  virtual torch::Tensor forward(const torch::Tensor& x, bool bf16) = 0;
};
using AdapterSlot = std::shared_ptr<LinearAdapter>;  // empty: no adapter

/// x·Wᵀ plus the adapter's output when one is attached.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const AdapterSlot& adapter, bool bf16);

/// How a forward pass computes (not what): bf16 matmuls with fp32 master weights (CUDA), attention through SDPA or
/// written out. Every mode computes the same function up to rounding (tests/nanochat/test_model.cpp, test_bf16.cpp).
struct ComputeMode {
  bool bf16 = false;   // matmuls (and attention) in bfloat16; switched on by GPTImpl::to_device for CUDA
  bool sdpa = true;    // torch::scaled_dot_product_attention; false: the written-out reference below
  bool fused = false;  // the fused ops of nanochat/fused_ops.hpp (RoPE + QK-norm, RMSNorm, ReLU², a chunked softcap
                       // cross-entropy that never holds the float32 logits); on by to_device for CUDA, where they
                       // are CUDA kernels (MUONLAB_FUSED=0 switches the kernels back to the ATen reference)
  fused::Impl fused_impl = fused::Impl::Auto;  // which implementation the fused ops use (tests pick Aten on the CPU)
};

/// Causal attention softmax(q kᵀ/√D + causal mask) v for q, k, v (B, H, T, D): scaled_dot_product_attention (flash
/// attention on CUDA in bf16, a fused kernel on the CPU).
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);
/// The same written out: the (B, H, T, T) scores in float32 (float64 for float64 inputs), masked, softmax, cast back, times v. The reference.
torch::Tensor causal_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

/// Rotary embedding of x (B, T, H, D) with cos, sin (1, T, 1, D/2): half-split pairs (x_i, x_{i+D/2}).
torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// ---- blocks --------------------------------------------------------------------------------------------------

struct CausalSelfAttentionImpl : torch::nn::Module {
  CausalSelfAttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const ComputeMode& mode);
  int n_head, head_dim;
  torch::nn::Linear c_q{nullptr}, c_k{nullptr}, c_v{nullptr}, c_proj{nullptr};
  AdapterSlot q_adapter, k_adapter, v_adapter, proj_adapter;  // optional (LoRA), not registered
};
TORCH_MODULE(CausalSelfAttention);

struct MLPImpl : torch::nn::Module {
  MLPImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const ComputeMode& mode);
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  AdapterSlot fc_adapter, proj_adapter;  // optional (LoRA), not registered
};
TORCH_MODULE(MLP);

struct BlockImpl : torch::nn::Module {
  BlockImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const ComputeMode& mode);
  CausalSelfAttention attn{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(Block);

// ---- the model -----------------------------------------------------------------------------------------------

struct GPTImpl : torch::nn::Module {
  explicit GPTImpl(const ModelConfig& c);
  /// The REFERENCE §5 init (call after construction and after torch::manual_seed for reproducibility).
  void init_weights();
  /// Logits (B, T, V) in float32 (float64 for a float64 model), softcapped, for token ids idx (B, T) int64.
  torch::Tensor forward(const torch::Tensor& idx);
  /// The final hidden states (B, T, C), normalized: what the head multiplies.
  torch::Tensor hidden(const torch::Tensor& idx);
  /// Cross-entropy of next-token targets (B, T), mean or sum over tokens ("mean" | "sum" | "none").
  torch::Tensor loss(const torch::Tensor& idx, const torch::Tensor& targets, const std::string& reduction = "mean");
  /// Moves the model (and the RoPE tables) to a device; bf16 matmuls are switched on for CUDA.
  void to_device(const torch::Device& device);

  ModelConfig config;
  ComputeMode mode;
  torch::nn::Embedding wte{nullptr};
  torch::nn::ModuleList h{nullptr};
  torch::nn::Linear lm_head{nullptr};
  torch::Tensor rope_cos, rope_sin;  // (1, seq_len, 1, head_dim/2), buffers
};
TORCH_MODULE(GPT);

/// The probed hidden matrices, in model order: for each block Q, K, V, attention out, MLP up, MLP down.
struct NamedMatrix {
  std::string name;  // parameter name, e.g. "h.0.attn.c_q.weight"
  std::string kind;  // Q | K | V | O | MLP_up | MLP_down
  int layer;
  torch::Tensor weight;  // (out, in)
  AdapterSlot* adapter = nullptr;  // the matrix's adapter slot in its module (lives as long as the model)
};
std::vector<NamedMatrix> hidden_matrices(GPT& model);

/// Number of parameters: total, in hidden matrices, in embedding + head.
struct ParamCount {
  std::int64_t total = 0, hidden = 0, embedding = 0, head = 0;
};
ParamCount count_parameters(GPT& model);

/// Model FLOPs of one training token (forward + backward), nanochat's convention: 6 per weight of every matmul
/// (hidden matrices 12·C² per block, and the V×C head; the embedding is a lookup) plus 12·L·T·C for the attention
/// scores and their use (causal masking not discounted). Model FLOPs utilization = this × tokens/s ÷ peak.
double flops_per_token(const ModelConfig& c);

}  // namespace muonlab::nanochat
