// The fused NanoChat kernels (interface and conventions: fused_ops_kernels.cuh). Plain CUDA C++, no torch headers.
//
// Layout of the work:
//   - row reductions over a short row (RMSNorm: C = 768; rotary + QK-norm: D = 128) use one warp per row, so the
//     reduction is a register shuffle with no shared memory and no block barrier; each lane reads VEC consecutive
//     elements at a time (16-byte loads where the row length and the pointers allow)
//   - the cross-entropy rows (V = 16384) use one block per row: an online (max-shifted) log-sum-exp per thread, merged
//     across the warp by shuffles and across warps through shared memory
//   - every kernel walks its rows or elements with a grid-stride loop, so any size is covered by a capped grid;
//     indices into the data are 64-bit
// Arithmetic is float32 throughout; tanhf, expf, logf and sqrtf are the accurate (not fast-math) functions.
#include "nanochat/fused_ops_kernels.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

// Two hooks let tests/nanochat/test_fused_ops_kernels.cpp run this very source on the CPU through a SIMT emulator
// (tests/nanochat/simt_emulator.hpp): how a kernel is launched, and the cap on blocks per launch (small there, so the
// grid-stride loops take several turns in a test).
#ifndef MUONLAB_KERNEL_LAUNCH
#define MUONLAB_KERNEL_LAUNCH(grid, block, stream, ...) __VA_ARGS__<<<grid, block, 0, stream>>>
#endif
#ifndef MUONLAB_KERNEL_MAX_GRID
#define MUONLAB_KERNEL_MAX_GRID 65536
#endif

namespace muonlab::nanochat::kernels {
namespace {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kBlock = 256;                  // threads per block, a multiple of the warp size
constexpr int kWarpsPerBlock = kBlock / kWarp;
constexpr std::int64_t kMaxGrid = MUONLAB_KERNEL_MAX_GRID;  // blocks per launch; grid-stride loops cover the rest
constexpr std::int64_t kMaxRowLength = std::int64_t(1) << 30;  // keeps the in-row int arithmetic far from overflow

static_assert(kBlock % kWarp == 0, "whole warps per block");

// ---- element access ---------------------------------------------------------------------------------------------

__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T from_f32(float v);
template <>
__device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <>
__device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// VEC consecutive elements moved as one aligned access (the launchers check the alignment and the divisibility).
template <typename T, int VEC>
struct alignas(sizeof(T) * VEC) Pack {
  T v[VEC];
};

template <typename T, int VEC>
__device__ __forceinline__ void load(const T* p, float (&out)[VEC]) {
  const Pack<T, VEC> pk = *reinterpret_cast<const Pack<T, VEC>*>(p);
  for (int i = 0; i < VEC; ++i) out[i] = to_f32(pk.v[i]);
}

template <typename T, int VEC>
__device__ __forceinline__ void store(T* p, const float (&in)[VEC]) {
  Pack<T, VEC> pk;
  for (int i = 0; i < VEC; ++i) pk.v[i] = from_f32<T>(in[i]);
  *reinterpret_cast<Pack<T, VEC>*>(p) = pk;
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;  // every lane holds the sum
}

__device__ __forceinline__ float quiet_nan() { return __int_as_float(0x7fc00000); }

// The warp-per-row kernels: this warp's first row and the stride between its rows (uniform within the warp, so a
// warp enters and leaves the loop together and the full-mask shuffles are legal).
__device__ __forceinline__ std::int64_t first_row_of_warp() {
  return std::int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarp;
}
__device__ __forceinline__ std::int64_t warp_row_stride() { return std::int64_t(gridDim.x) * kWarpsPerBlock; }

// ---- RMSNorm ----------------------------------------------------------------------------------------------------

template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    rms_norm_forward_kernel(const T* __restrict__ x, T* __restrict__ y, float* __restrict__ rstd, std::int64_t rows,
                            int cols, float eps) {
  const int lane = threadIdx.x % kWarp;
  const float inv_cols = 1.0f / float(cols);
  for (std::int64_t row = first_row_of_warp(); row < rows; row += warp_row_stride()) {
    const T* xr = x + row * cols;
    T* yr = y + row * cols;
    float ss = 0.f;
    for (int c = lane * VEC; c < cols; c += kWarp * VEC) {  // cols % VEC == 0: a pack never crosses the row end
      float v[VEC];
      load<T, VEC>(xr + c, v);
      for (int i = 0; i < VEC; ++i) ss += v[i] * v[i];
    }
    const float r = rsqrtf(warp_sum(ss) * inv_cols + eps);
    for (int c = lane * VEC; c < cols; c += kWarp * VEC) {  // second read: the row is in L1/L2
      float v[VEC];
      load<T, VEC>(xr + c, v);
      for (int i = 0; i < VEC; ++i) v[i] *= r;
      store<T, VEC>(yr + c, v);
    }
    if (lane == 0) rstd[row] = r;
  }
}

template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    rms_norm_backward_kernel(const T* __restrict__ gy, const T* __restrict__ y, const float* __restrict__ rstd,
                             T* __restrict__ gx, std::int64_t rows, int cols) {
  const int lane = threadIdx.x % kWarp;
  const float inv_cols = 1.0f / float(cols);
  for (std::int64_t row = first_row_of_warp(); row < rows; row += warp_row_stride()) {
    const std::int64_t off = row * cols;
    float dot = 0.f;
    for (int c = lane * VEC; c < cols; c += kWarp * VEC) {
      float g[VEC], o[VEC];
      load<T, VEC>(gy + off + c, g);
      load<T, VEC>(y + off + c, o);
      for (int i = 0; i < VEC; ++i) dot += g[i] * o[i];
    }
    const float m = warp_sum(dot) * inv_cols;  // mean(gy ⊙ y)
    const float r = rstd[row];
    for (int c = lane * VEC; c < cols; c += kWarp * VEC) {
      float g[VEC], o[VEC];
      load<T, VEC>(gy + off + c, g);
      load<T, VEC>(y + off + c, o);
      for (int i = 0; i < VEC; ++i) g[i] = r * (g[i] - o[i] * m);
      store<T, VEC>(gx + off + c, g);
    }
  }
}

// ---- rotary + RMSNorm per head ----------------------------------------------------------------------------------

// Row `row` of x viewed as (B·T·H, D) sits at time t = (row / H) mod T; its rotation uses cos, sin row t (T, D/2).
template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    rope_rms_norm_forward_kernel(const T* __restrict__ x, const float* __restrict__ cos, const float* __restrict__ sin,
                                 T* __restrict__ y, float* __restrict__ rstd, std::int64_t rows, std::int64_t T_len,
                                 std::int64_t H, int half, float eps) {
  const int lane = threadIdx.x % kWarp;
  const float inv_d = 1.0f / float(2 * half);
  for (std::int64_t row = first_row_of_warp(); row < rows; row += warp_row_stride()) {
    const std::int64_t t = (row / H) % T_len;
    const T* xr = x + row * (2 * std::int64_t(half));
    T* yr = y + row * (2 * std::int64_t(half));
    const float* cr = cos + t * half;
    const float* sr = sin + t * half;
    float ss = 0.f;
    for (int p = lane * VEC; p < half; p += kWarp * VEC) {  // half % VEC == 0
      float a[VEC], b[VEC], c[VEC], s[VEC];
      load<T, VEC>(xr + p, a);
      load<T, VEC>(xr + half + p, b);
      load<float, VEC>(cr + p, c);
      load<float, VEC>(sr + p, s);
      for (int i = 0; i < VEC; ++i) {
        const float r1 = a[i] * c[i] + b[i] * s[i];
        const float r2 = b[i] * c[i] - a[i] * s[i];
        ss += r1 * r1 + r2 * r2;
      }
    }
    const float r = rsqrtf(warp_sum(ss) * inv_d + eps);
    for (int p = lane * VEC; p < half; p += kWarp * VEC) {
      float a[VEC], b[VEC], c[VEC], s[VEC], o1[VEC], o2[VEC];
      load<T, VEC>(xr + p, a);
      load<T, VEC>(xr + half + p, b);
      load<float, VEC>(cr + p, c);
      load<float, VEC>(sr + p, s);
      for (int i = 0; i < VEC; ++i) {
        o1[i] = (a[i] * c[i] + b[i] * s[i]) * r;
        o2[i] = (b[i] * c[i] - a[i] * s[i]) * r;
      }
      store<T, VEC>(yr + p, o1);
      store<T, VEC>(yr + half + p, o2);
    }
    if (lane == 0) rstd[row] = r;
  }
}

template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    rope_rms_norm_backward_kernel(const T* __restrict__ gy, const T* __restrict__ y, const float* __restrict__ rstd,
                                  const float* __restrict__ cos, const float* __restrict__ sin, T* __restrict__ gx,
                                  std::int64_t rows, std::int64_t T_len, std::int64_t H, int half) {
  const int lane = threadIdx.x % kWarp;
  const float inv_d = 1.0f / float(2 * half);
  for (std::int64_t row = first_row_of_warp(); row < rows; row += warp_row_stride()) {
    const std::int64_t t = (row / H) % T_len;
    const std::int64_t off = row * (2 * std::int64_t(half));
    const float* cr = cos + t * half;
    const float* sr = sin + t * half;
    float dot = 0.f;
    for (int p = lane * VEC; p < half; p += kWarp * VEC) {
      float g1[VEC], g2[VEC], o1[VEC], o2[VEC];
      load<T, VEC>(gy + off + p, g1);
      load<T, VEC>(gy + off + half + p, g2);
      load<T, VEC>(y + off + p, o1);
      load<T, VEC>(y + off + half + p, o2);
      for (int i = 0; i < VEC; ++i) dot += g1[i] * o1[i] + g2[i] * o2[i];
    }
    const float m = warp_sum(dot) * inv_d;
    const float r = rstd[row];
    for (int p = lane * VEC; p < half; p += kWarp * VEC) {
      float g1[VEC], g2[VEC], o1[VEC], o2[VEC], c[VEC], s[VEC];
      load<T, VEC>(gy + off + p, g1);
      load<T, VEC>(gy + off + half + p, g2);
      load<T, VEC>(y + off + p, o1);
      load<T, VEC>(y + off + half + p, o2);
      load<float, VEC>(cr + p, c);
      load<float, VEC>(sr + p, s);
      for (int i = 0; i < VEC; ++i) {
        const float d1 = r * (g1[i] - o1[i] * m);  // gradient with respect to the rotated row
        const float d2 = r * (g2[i] - o2[i] * m);
        g1[i] = d1 * c[i] - d2 * s[i];  // the rotation's transpose
        g2[i] = d1 * s[i] + d2 * c[i];
      }
      store<T, VEC>(gx + off + p, g1);
      store<T, VEC>(gx + off + half + p, g2);
    }
  }
}

// ---- ReLU² ------------------------------------------------------------------------------------------------------

// relu that lets NaN through (as torch.relu does): NaN < 0 is false.
__device__ __forceinline__ float relu_nan(float v) { return v < 0.f ? 0.f : v; }

template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    relu_square_forward_kernel(const T* __restrict__ x, T* __restrict__ y, std::int64_t n) {
  const std::int64_t first = std::int64_t(blockIdx.x) * kBlock + threadIdx.x;
  const std::int64_t stride = std::int64_t(gridDim.x) * kBlock;
  const std::int64_t packs = n / VEC;
  for (std::int64_t k = first; k < packs; k += stride) {
    float v[VEC];
    load<T, VEC>(x + k * VEC, v);
    for (int i = 0; i < VEC; ++i) {
      const float r = relu_nan(v[i]);
      v[i] = r * r;
    }
    store<T, VEC>(y + k * VEC, v);
  }
  for (std::int64_t k = packs * VEC + first; k < n; k += stride) {  // the tail (< VEC elements)
    const float r = relu_nan(to_f32(x[k]));
    y[k] = from_f32<T>(r * r);
  }
}

template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    relu_square_backward_kernel(const T* __restrict__ gy, const T* __restrict__ y, T* __restrict__ gx,
                                std::int64_t n) {
  const std::int64_t first = std::int64_t(blockIdx.x) * kBlock + threadIdx.x;
  const std::int64_t stride = std::int64_t(gridDim.x) * kBlock;
  const std::int64_t packs = n / VEC;
  for (std::int64_t k = first; k < packs; k += stride) {
    float g[VEC], o[VEC];
    load<T, VEC>(gy + k * VEC, g);
    load<T, VEC>(y + k * VEC, o);
    for (int i = 0; i < VEC; ++i) g[i] = 2.f * sqrtf(o[i]) * g[i];  // d relu(x)²/dx = 2·relu(x) = 2·√y
    store<T, VEC>(gx + k * VEC, g);
  }
  for (std::int64_t k = packs * VEC + first; k < n; k += stride)
    gx[k] = from_f32<T>(2.f * sqrtf(to_f32(y[k])) * to_f32(gy[k]));
}

// ---- softcapped cross-entropy -----------------------------------------------------------------------------------

// Merges the log-sum-exp state (m, s), meaning Σ exp(c) = s·exp(m), with (m2, s2). An empty state is (−∞, 0); two
// empty states stay empty (no exp(−∞ − (−∞)) = NaN), and a NaN in s (from a NaN logit) survives every merge.
__device__ __forceinline__ void lse_merge(float& m, float& s, float m2, float s2) {
  const float mm = fmaxf(m, m2);
  if (mm == -INFINITY) {
    s = s + s2;
    return;
  }
  s = s * expf(m - mm) + s2 * expf(m2 - mm);
  m = mm;
}

template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    softcap_ce_forward_kernel(const T* __restrict__ z, const std::int64_t* __restrict__ targets, float softcap,
                              float inv_softcap, float* __restrict__ loss, float* __restrict__ lse, std::int64_t rows,
                              int V) {
  __shared__ float warp_m[kWarpsPerBlock];
  __shared__ float warp_s[kWarpsPerBlock];
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  const int packs = V / VEC;  // V % VEC == 0
  for (std::int64_t row = blockIdx.x; row < rows; row += gridDim.x) {  // uniform across the block
    const T* zr = z + row * V;
    float m = -INFINITY, s = 0.f;
    for (int k = threadIdx.x; k < packs; k += kBlock) {
      float c[VEC];
      load<T, VEC>(zr + k * VEC, c);
      float pm = -INFINITY;
      for (int i = 0; i < VEC; ++i) {
        c[i] = softcap * tanhf(c[i] * inv_softcap);  // |c| ≤ softcap
        pm = fmaxf(pm, c[i]);
      }
      const float mm = fmaxf(m, pm);
      float acc = 0.f;
      for (int i = 0; i < VEC; ++i) acc += expf(c[i] - mm);
      // First pack: s = 0 and exp(−∞) = 0. mm = −∞ only when the whole pack is NaN, and then acc is NaN too.
      s = s * expf(m - mm) + acc;
      m = mm;
    }
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      const float m2 = __shfl_xor_sync(kFullMask, m, offset);
      const float s2 = __shfl_xor_sync(kFullMask, s, offset);
      lse_merge(m, s, m2, s2);
    }
    if (lane == 0) {
      warp_m[warp] = m;
      warp_s[warp] = s;
    }
    __syncthreads();
    if (warp == 0) {
      m = lane < kWarpsPerBlock ? warp_m[lane] : -INFINITY;
      s = lane < kWarpsPerBlock ? warp_s[lane] : 0.f;
      for (int offset = kWarp / 2; offset > 0; offset /= 2) {
        const float m2 = __shfl_xor_sync(kFullMask, m, offset);
        const float s2 = __shfl_xor_sync(kFullMask, s, offset);
        lse_merge(m, s, m2, s2);
      }
      if (lane == 0) {
        const std::int64_t t = targets[row];
        if (t < 0 || t >= V) {
          loss[row] = quiet_nan();
          lse[row] = quiet_nan();
        } else {
          const float l = m + logf(s);
          const float ct = softcap * tanhf(to_f32(zr[t]) * inv_softcap);
          loss[row] = l - ct;
          lse[row] = l;
        }
      }
    }
    __syncthreads();  // warp 0 has read the shared state before the next row overwrites it
  }
}

// Elementwise within a row; dz may alias z (no __restrict__ on the pair).
template <typename T, int VEC>
__global__ void __launch_bounds__(kBlock)
    softcap_ce_backward_kernel(const T* z, const std::int64_t* __restrict__ targets, const float* __restrict__ lse,
                               const float* __restrict__ dloss, std::int64_t dloss_stride, float dloss_scale,
                               float softcap, float inv_softcap, T* dz, std::int64_t rows, int V) {
  const int packs = V / VEC;
  for (std::int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const float l = lse[row];
    const float dl = dloss[row * dloss_stride] * dloss_scale;
    const std::int64_t t = targets[row];
    const T* zr = z + row * V;
    T* dr = dz + row * V;
    for (int k = threadIdx.x; k < packs; k += kBlock) {
      float v[VEC];
      load<T, VEC>(zr + k * VEC, v);
      for (int i = 0; i < VEC; ++i) {
        const float th = tanhf(v[i] * inv_softcap);
        float p = expf(softcap * th - l);  // softmax of the capped logits
        if (std::int64_t(k) * VEC + i == t) p -= 1.f;
        v[i] = p * dl * (1.f - th * th);  // chain rule through softcap·tanh(z/softcap)
      }
      store<T, VEC>(dr + k * VEC, v);
    }
  }
}

// ---- launch helpers ---------------------------------------------------------------------------------------------

unsigned grid_for(std::int64_t items, std::int64_t per_block) {
  const std::int64_t g = (std::max<std::int64_t>(items, 1) + per_block - 1) / per_block;
  return unsigned(std::min(g, kMaxGrid));
}

bool aligned(const void* p, std::size_t bytes) { return reinterpret_cast<std::uintptr_t>(p) % bytes == 0; }

// The widest VEC (≤ 16 bytes of T, ≤ max_vec) that divides `len`, keeps at least `min_packs` packs per row (so a
// short row still spreads over the lanes) and leaves every pointer aligned to its pack.
struct Aligned {
  const void* p;
  std::size_t elem_bytes;
};
template <typename T>
int pick_vec(std::int64_t len, std::int64_t min_packs, std::initializer_list<Aligned> ptrs) {
  for (int vec = int(16 / sizeof(T)); vec > 1; vec /= 2) {
    if (len % vec != 0 || len / vec < min_packs) continue;
    bool ok = true;
    for (const Aligned& a : ptrs) ok = ok && aligned(a.p, a.elem_bytes * vec);
    if (ok) return vec;
  }
  return 1;
}

// Calls f(std::integral_constant<int, VEC>) for the run-time vec ∈ {8, 4, 2, 1}.
template <typename F>
void with_vec(int vec, F&& f) {
  switch (vec) {
    case 8: f(std::integral_constant<int, 8>{}); break;
    case 4: f(std::integral_constant<int, 4>{}); break;
    case 2: f(std::integral_constant<int, 2>{}); break;
    default: f(std::integral_constant<int, 1>{}); break;
  }
}

// Calls f(T{}) with T the element type named by dtype.
template <typename F>
void with_type(DType dtype, F&& f) {
  if (dtype == DType::BFloat16) f(__nv_bfloat16{});
  else f(float{});
}

bool bad_length(std::int64_t n) { return n < 1 || n > kMaxRowLength; }

}  // namespace

// ---- entry points -----------------------------------------------------------------------------------------------

cudaError_t rms_norm_forward(DType dtype, const void* x, void* y, float* rstd, std::int64_t rows, std::int64_t cols,
                             float eps, cudaStream_t stream) {
  if (rows < 0 || bad_length(cols)) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  if (!x || !y || !rstd) return cudaErrorInvalidValue;
  with_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    const int vec = pick_vec<T>(cols, kWarp, {{x, sizeof(T)}, {y, sizeof(T)}});
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(rows, kWarpsPerBlock), kBlock, stream, rms_norm_forward_kernel<T, VEC>)(
          static_cast<const T*>(x), static_cast<T*>(y), rstd, rows, int(cols), eps);
    });
  });
  return cudaSuccess;
}

cudaError_t rms_norm_backward(DType dtype, const void* gy, const void* y, const float* rstd, void* gx,
                              std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
  if (rows < 0 || bad_length(cols)) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  if (!gy || !y || !rstd || !gx) return cudaErrorInvalidValue;
  with_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    const int vec = pick_vec<T>(cols, kWarp, {{gy, sizeof(T)}, {y, sizeof(T)}, {gx, sizeof(T)}});
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(rows, kWarpsPerBlock), kBlock, stream, rms_norm_backward_kernel<T, VEC>)(
          static_cast<const T*>(gy), static_cast<const T*>(y), rstd, static_cast<T*>(gx), rows, int(cols));
    });
  });
  return cudaSuccess;
}

cudaError_t rope_rms_norm_forward(DType dtype, const void* x, const float* cos, const float* sin, void* y,
                                  float* rstd, std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t D,
                                  float eps, cudaStream_t stream) {
  if (B < 0 || T < 1 || H < 1 || bad_length(D) || D % 2 != 0) return cudaErrorInvalidValue;
  const std::int64_t rows = B * T * H;
  if (rows == 0) return cudaSuccess;
  if (!x || !cos || !sin || !y || !rstd) return cudaErrorInvalidValue;
  const std::int64_t half = D / 2;
  with_type(dtype, [&](auto tag) {
    using T_ = decltype(tag);
    // Packs run over the D/2 pairs; the row start (a multiple of D = 2·half elements) keeps the alignment.
    const int vec = pick_vec<T_>(half, kWarp, {{x, sizeof(T_)}, {y, sizeof(T_)}, {cos, 4}, {sin, 4}});
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(rows, kWarpsPerBlock), kBlock, stream, rope_rms_norm_forward_kernel<T_, VEC>)(
          static_cast<const T_*>(x), cos, sin, static_cast<T_*>(y), rstd, rows, T, H, int(half), eps);
    });
  });
  return cudaSuccess;
}

cudaError_t rope_rms_norm_backward(DType dtype, const void* gy, const void* y, const float* rstd, const float* cos,
                                   const float* sin, void* gx, std::int64_t B, std::int64_t T, std::int64_t H,
                                   std::int64_t D, cudaStream_t stream) {
  if (B < 0 || T < 1 || H < 1 || bad_length(D) || D % 2 != 0) return cudaErrorInvalidValue;
  const std::int64_t rows = B * T * H;
  if (rows == 0) return cudaSuccess;
  if (!gy || !y || !rstd || !cos || !sin || !gx) return cudaErrorInvalidValue;
  const std::int64_t half = D / 2;
  with_type(dtype, [&](auto tag) {
    using T_ = decltype(tag);
    const int vec = pick_vec<T_>(half, kWarp,
                                 {{gy, sizeof(T_)}, {y, sizeof(T_)}, {gx, sizeof(T_)}, {cos, 4}, {sin, 4}});
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(rows, kWarpsPerBlock), kBlock, stream, rope_rms_norm_backward_kernel<T_, VEC>)(
          static_cast<const T_*>(gy), static_cast<const T_*>(y), rstd, cos, sin, static_cast<T_*>(gx), rows, T, H,
          int(half));
    });
  });
  return cudaSuccess;
}

cudaError_t relu_square_forward(DType dtype, const void* x, void* y, std::int64_t n, cudaStream_t stream) {
  if (n < 0) return cudaErrorInvalidValue;
  if (n == 0) return cudaSuccess;
  if (!x || !y) return cudaErrorInvalidValue;
  with_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    const int vec = pick_vec<T>(n - n % 8, 1, {{x, sizeof(T)}, {y, sizeof(T)}});  // the tail loop takes n % VEC
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(n / VEC + VEC, kBlock), kBlock, stream, relu_square_forward_kernel<T, VEC>)(
          static_cast<const T*>(x), static_cast<T*>(y), n);
    });
  });
  return cudaSuccess;
}

cudaError_t relu_square_backward(DType dtype, const void* gy, const void* y, void* gx, std::int64_t n,
                                 cudaStream_t stream) {
  if (n < 0) return cudaErrorInvalidValue;
  if (n == 0) return cudaSuccess;
  if (!gy || !y || !gx) return cudaErrorInvalidValue;
  with_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    const int vec = pick_vec<T>(n - n % 8, 1, {{gy, sizeof(T)}, {y, sizeof(T)}, {gx, sizeof(T)}});
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(n / VEC + VEC, kBlock), kBlock, stream, relu_square_backward_kernel<T, VEC>)(
          static_cast<const T*>(gy), static_cast<const T*>(y), static_cast<T*>(gx), n);
    });
  });
  return cudaSuccess;
}

cudaError_t softcap_ce_forward(DType dtype, const void* z, const std::int64_t* targets, float softcap, float* loss,
                               float* lse, std::int64_t rows, std::int64_t V, cudaStream_t stream) {
  if (rows < 0 || bad_length(V) || !(softcap > 0.f) || !std::isfinite(softcap)) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  if (!z || !targets || !loss || !lse) return cudaErrorInvalidValue;
  with_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    const int vec = pick_vec<T>(V, 1, {{z, sizeof(T)}});  // rows start at multiples of V: aligned when V % VEC == 0
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(rows, 1), kBlock, stream, softcap_ce_forward_kernel<T, VEC>)(
          static_cast<const T*>(z), targets, softcap, 1.0f / softcap, loss, lse, rows, int(V));
    });
  });
  return cudaSuccess;
}

cudaError_t softcap_ce_backward(DType dtype, const void* z, const std::int64_t* targets, const float* lse,
                                const float* dloss, std::int64_t dloss_stride, float dloss_scale, float softcap,
                                void* dz, std::int64_t rows, std::int64_t V, cudaStream_t stream) {
  if (rows < 0 || bad_length(V) || dloss_stride < 0 || !(softcap > 0.f) || !std::isfinite(softcap))
    return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  if (!z || !targets || !lse || !dloss || !dz) return cudaErrorInvalidValue;
  with_type(dtype, [&](auto tag) {
    using T = decltype(tag);
    const int vec = pick_vec<T>(V, 1, {{z, sizeof(T)}, {dz, sizeof(T)}});
    with_vec(vec, [&](auto vc) {
      constexpr int VEC = decltype(vc)::value;
      MUONLAB_KERNEL_LAUNCH(grid_for(rows, 1), kBlock, stream, softcap_ce_backward_kernel<T, VEC>)(
          static_cast<const T*>(z), targets, lse, dloss, dloss_stride, dloss_scale, softcap, 1.0f / softcap,
          static_cast<T*>(dz), rows, int(V));
    });
  });
  return cudaSuccess;
}

}  // namespace muonlab::nanochat::kernels
