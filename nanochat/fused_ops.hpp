// Fused element-wise and row-reduction ops of the compact NanoChat (issue 15), each with autograd and an ATen
// reference it is tested against:
//   rope_qk_norm(x, cos, sin)   = rms_norm(apply_rotary(x, cos, sin)), the QK-norm of queries and keys after RoPE
//   rms_norm(x)                 parameter-free RMSNorm over the last dimension, eps = float32 epsilon, statistics in
//                               float32 (in float64 for float64 input)
//   relu_square(x)              relu(x)², the MLP's activation
//   softcap_cross_entropy(h, w, targets)   cross-entropy of softcap·tanh(h·wᵀ/softcap) computed over row chunks, so
//                               the N×V logits are never held at once (nor ever in float32 on the kernel path)
//
// Three implementations of each (Impl):
//   Reference  the model's ATen math (nanochat/model.cpp), differentiated by autograd
//   Aten       the fused algorithm (hand-written backward, chunked cross-entropy, what is saved for backward) in plain
//              ATen: the CPU path, tested in float64 against Reference; also runs on CUDA
//   Kernel     the same algorithm with CUDA kernels (nanochat/fused_ops_kernels.cu) for the element-wise and row
//              reduction work; float32 and bfloat16 CUDA tensors
//   Auto       Kernel when the tensor is on CUDA, the kernels were compiled (fused_ops_available()) and its dtype is
//              float32 or bfloat16, else Reference; Reference whenever the environment says MUONLAB_FUSED=0, so a
//              broken kernel can be switched off without a rebuild. (On the CPU the Aten path saves memory, not time:
//              at the cpu preset's shapes it measured 0.6–1.4× the reference's speed, the chunked cross-entropy 0.73×
//              because it recomputes the logits in backward; so Auto leaves the CPU on the reference.)
//
// What each fused op saves for backward: rms_norm and rope_qk_norm their output and the per-row 1/rms (float32),
// relu_square its output (the next matmul keeps it anyway; relu(x) = √y); softcap_cross_entropy h, w (cast to h's
// dtype), targets and the per-row log-sum-exp, and it recomputes each chunk's logits in backward. The fused ops are
// differentiable once (no double backward).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace muonlab::nanochat {

/// Whether the CUDA kernels were compiled into this build (nvcc and a CUDA LibTorch were found at configure time).
bool fused_ops_available();

namespace fused {

enum class Impl { Auto, Reference, Aten, Kernel };

/// Whether fused ops are enabled by the environment: MUONLAB_FUSED unset, empty or "1" → true, "0" → false; any
/// other value throws std::invalid_argument.
bool enabled_by_env();

/// The implementation `impl` resolves to for a tensor (Auto's rules above). Throws std::invalid_argument for Kernel
/// where the kernels cannot run (not compiled, not a CUDA tensor, or a dtype other than float32/bfloat16).
Impl resolve(Impl impl, const torch::Tensor& x);

// ---- the ops ---------------------------------------------------------------------------------------------------

/// rms_norm(apply_rotary(x, cos, sin)) for x (B, T, H, D), D even, and cos, sin (1, T, 1, D/2) (float32 on the
/// kernel path, any floating type otherwise). Same shape and dtype as x.
torch::Tensor rope_qk_norm(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                           Impl impl = Impl::Auto);

/// Parameter-free RMSNorm over the last dimension. Same shape and dtype as x.
torch::Tensor rms_norm(const torch::Tensor& x, Impl impl = Impl::Auto);

/// relu(x)². Same shape and dtype as x.
torch::Tensor relu_square(const torch::Tensor& x, Impl impl = Impl::Auto);

struct SoftcapCeOptions {
  double softcap = 15;            // logits ← softcap·tanh(z/softcap) (nanochat: 15); must be > 0
  std::string reduction = "mean";  // mean | sum | none (per-row losses, shape (N))
  std::int64_t chunk_rows = 0;     // rows of logits per chunk; 0 picks rows so one chunk holds ≤ 256 MiB of logits
};

/// Cross-entropy of the softcapped logits z = h·wᵀ against targets: h (N, C), w (V, C), targets (N) int64 in [0, V).
/// The matmuls run in h's dtype (w is cast to it; bf16 on CUDA when h is bf16), the softcap, log-sum-exp and the
/// logits' gradient in float32 (float64 for float64 h). The loss is float32 (float64 for float64 h); the gradients
/// have the dtypes of h and w. A target outside [0, V) throws (Aten, Reference); on the kernel path (no device
/// synchronization) it makes that row's loss NaN.
torch::Tensor softcap_cross_entropy(const torch::Tensor& h, const torch::Tensor& w, const torch::Tensor& targets,
                                    const SoftcapCeOptions& opt = {}, Impl impl = Impl::Auto);

/// The rows per chunk softcap_cross_entropy uses for N rows and V classes of `elem_bytes` each (the option, or the
/// 256 MiB rule when it is 0), clamped to [1, N].
std::int64_t softcap_ce_chunk_rows(const SoftcapCeOptions& opt, std::int64_t N, std::int64_t V,
                                   std::int64_t elem_bytes);

// ---- the ATen references (the model's math; Impl::Reference calls these) ----------------------------------------

namespace reference {
/// model.cpp's rms_norm, except that float64 input keeps float64 statistics (model.cpp's rounds them to float32).
torch::Tensor rms_norm(const torch::Tensor& x);
torch::Tensor rope_qk_norm(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);
torch::Tensor relu_square(const torch::Tensor& x);
/// The full float32 (float64 for float64 h) logits, softcapped, log_softmax and the target's entry: model.cpp's loss.
torch::Tensor softcap_cross_entropy(const torch::Tensor& h, const torch::Tensor& w, const torch::Tensor& targets,
                                    double softcap, const std::string& reduction);
}  // namespace reference

}  // namespace fused
}  // namespace muonlab::nanochat
