// CUDA kernels of the fused NanoChat ops (nanochat/fused_ops.hpp), behind a plain pointer + stream interface: no torch
// header here or in the .cu, so nvcc compiles fast and the kernels are ordinary CUDA C++. nanochat/fused_ops_cuda.cpp
// checks shapes, dtypes, devices and contiguity, passes raw pointers and the current stream, and runs
// C10_CUDA_KERNEL_LAUNCH_CHECK after every launch.
//
// Conventions for every function below:
//   - pointers are device pointers to contiguous row-major data; `dtype` is the element type of the non-float
//     arguments declared `void*` (float32 or bfloat16); statistics (rstd, lse, loss, dloss) are float32
//   - arithmetic and accumulation run in float32; results are rounded once to `dtype` (round to nearest even)
//   - sizes are int64; a row length (cols, D, V) must be in [1, 2^30]; rows may be 0 (nothing is launched)
//   - the return value is cudaErrorInvalidValue for arguments these functions can see are wrong (a null pointer with
//     work to do, a non-positive or odd length, a non-positive softcap), else cudaSuccess; launch errors are left
//     for the caller's cudaGetLastError (C10_CUDA_KERNEL_LAUNCH_CHECK)
//   - input and output may alias only where a function says so
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace muonlab::nanochat::kernels {

enum class DType { Float32, BFloat16 };

// ---- RMSNorm over the last dimension (rows × cols), y = x·rstd with rstd = 1/√(mean(x²) + eps) ----------------

/// y (rows, cols) and rstd (rows) from x (rows, cols).
cudaError_t rms_norm_forward(DType dtype, const void* x, void* y, float* rstd, std::int64_t rows, std::int64_t cols,
                             float eps, cudaStream_t stream);

/// gx = rstd·(gy − y·mean(gy⊙y)) from the saved output y and rstd (the exact gradient written in y = x·rstd).
cudaError_t rms_norm_backward(DType dtype, const void* gy, const void* y, const float* rstd, void* gx,
                              std::int64_t rows, std::int64_t cols, cudaStream_t stream);

// ---- rotary (half-split) then RMSNorm, per head: x (B, T, H, D), cos and sin (T, D/2) float32 ------------------

/// r = rotate(x): r1 = x1·cos + x2·sin, r2 = x2·cos − x1·sin (x1 = x[..., :D/2], x2 = x[..., D/2:]); y = r·rstd with
/// rstd = 1/√(mean(r²) + eps) per (b, t, h) row; rstd is (B·T·H).
cudaError_t rope_rms_norm_forward(DType dtype, const void* x, const float* cos, const float* sin, void* y,
                                  float* rstd, std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t D,
                                  float eps, cudaStream_t stream);

/// gr = rstd·(gy − y·mean(gy⊙y)), then the transposed rotation: gx1 = gr1·cos − gr2·sin, gx2 = gr1·sin + gr2·cos.
cudaError_t rope_rms_norm_backward(DType dtype, const void* gy, const void* y, const float* rstd, const float* cos,
                                   const float* sin, void* gx, std::int64_t B, std::int64_t T, std::int64_t H,
                                   std::int64_t D, cudaStream_t stream);

// ---- ReLU², elementwise over n elements ---------------------------------------------------------------------

/// y = relu(x)² (NaN propagates).
cudaError_t relu_square_forward(DType dtype, const void* x, void* y, std::int64_t n, cudaStream_t stream);

/// gx = 2·√y·gy from the saved output y = relu(x)² (√y = relu(x)).
cudaError_t relu_square_backward(DType dtype, const void* gy, const void* y, void* gx, std::int64_t n,
                                 cudaStream_t stream);

// ---- softcapped cross-entropy over the rows of a logits chunk z (rows, V) ------------------------------------

/// c = softcap·tanh(z/softcap); lse[i] = log Σ_j exp(c_ij) (online, max-shifted); loss[i] = lse[i] − c_i,t(i).
/// A target outside [0, V) gives loss = lse = NaN for that row (the kernel cannot throw; the caller checks ranges
/// where it can do so without a device synchronization).
cudaError_t softcap_ce_forward(DType dtype, const void* z, const std::int64_t* targets, float softcap, float* loss,
                               float* lse, std::int64_t rows, std::int64_t V, cudaStream_t stream);

/// dz_ij = (exp(c_ij − lse_i) − [j = t(i)]) · dloss_i · (1 − tanh²(z_ij/softcap)), dloss_i = dloss[i·dloss_stride]·
/// dloss_scale (stride 0 broadcasts one value: the gradient of a mean or a sum). dz may alias z (each element is read
/// and then written by the same thread).
cudaError_t softcap_ce_backward(DType dtype, const void* z, const std::int64_t* targets, const float* lse,
                                const float* dloss, std::int64_t dloss_stride, float dloss_scale, float softcap,
                                void* dz, std::int64_t rows, std::int64_t V, cudaStream_t stream);

}  // namespace muonlab::nanochat::kernels
