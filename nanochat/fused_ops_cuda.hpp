// The CUDA kernels of nanochat/fused_ops_kernels.cuh wrapped for ATen tensors (internal to the fused ops and their
// tests). Each wrapper checks device, dtype (float32 or bfloat16), shape and contiguity with a clear message, runs on
// the tensor's device and current stream, and checks the launch (C10_CUDA_KERNEL_LAUNCH_CHECK). Defined only when
// the kernels are compiled (MUONLAB_HAVE_CUDA_KERNELS); without them every wrapper throws.
#pragma once

#include <torch/torch.h>

#include <utility>

namespace muonlab::nanochat::fused::cuda {

/// Whether the kernels take tensors of this dtype (float32, bfloat16).
bool supports(torch::ScalarType dtype);

/// (y, rstd): y = x·rstd over the last dimension, rstd float32 with x's leading shape.
std::pair<torch::Tensor, torch::Tensor> rms_norm_forward(const torch::Tensor& x, double eps);
torch::Tensor rms_norm_backward(const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd);

/// (y, rstd) for x (B, T, H, D) and cos, sin float32 with T·D/2 elements (row t at offset t·D/2); rstd (B, T, H).
std::pair<torch::Tensor, torch::Tensor> rope_rms_norm_forward(const torch::Tensor& x, const torch::Tensor& cos,
                                                              const torch::Tensor& sin, double eps);
torch::Tensor rope_rms_norm_backward(const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd,
                                     const torch::Tensor& cos, const torch::Tensor& sin);

torch::Tensor relu_square_forward(const torch::Tensor& x);
torch::Tensor relu_square_backward(const torch::Tensor& gy, const torch::Tensor& y);

/// (loss, lse), float32 (rows), for a logits chunk z (rows, V) and targets (rows) int64.
std::pair<torch::Tensor, torch::Tensor> softcap_ce_forward(const torch::Tensor& z, const torch::Tensor& targets,
                                                           double softcap);
/// Overwrites z (rows, V) with dz (see the kernel); dloss is float32 with 1 element (broadcast) or `rows` elements.
void softcap_ce_backward_(torch::Tensor& z, const torch::Tensor& targets, const torch::Tensor& lse,
                          const torch::Tensor& dloss, double dloss_scale, double softcap);

}  // namespace muonlab::nanochat::fused::cuda
