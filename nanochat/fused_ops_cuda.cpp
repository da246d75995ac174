// ATen wrappers of the fused kernels (nanochat/fused_ops_cuda.hpp): checks, device guard, current stream, launch check.
#include "nanochat/fused_ops_cuda.hpp"

#ifdef MUONLAB_HAVE_CUDA_KERNELS
#include "nanochat/fused_ops_kernels.cuh"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#endif

#include <cmath>
#include <stdexcept>
#include <string>

namespace muonlab::nanochat::fused::cuda {

bool supports(torch::ScalarType dtype) { return dtype == torch::kFloat32 || dtype == torch::kBFloat16; }

namespace {

#ifdef MUONLAB_HAVE_CUDA_KERNELS

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string("fused ") + op + ": " + what);
}

std::string str(torch::ScalarType t) { return c10::toString(t); }

// The tensor is a contiguous CUDA tensor of a kernel dtype.
void check_input(const torch::Tensor& t, const char* op, const char* name) {
  require(t.defined(), op, std::string(name) + " is undefined");
  require(t.is_cuda(), op, std::string(name) + " must be a CUDA tensor (it is on " + t.device().str() + ")");
  require(supports(t.scalar_type()), op,
          std::string(name) + " must be float32 or bfloat16 for the kernels, got " + str(t.scalar_type()) +
              " (MUONLAB_FUSED=0 or Impl::Aten run other dtypes)");
  require(t.is_contiguous(), op, std::string(name) + " must be contiguous");
}

// `t` has the device, dtype and shape of `like`, and is contiguous.
void check_like(const torch::Tensor& t, const torch::Tensor& like, const char* op, const char* name) {
  check_input(t, op, name);
  require(t.device() == like.device(), op, std::string(name) + " is on another device");
  require(t.scalar_type() == like.scalar_type(), op,
          std::string(name) + " has dtype " + str(t.scalar_type()) + ", expected " + str(like.scalar_type()));
  require(t.sizes() == like.sizes(), op, std::string(name) + " has another shape");
}

// A contiguous float32 tensor of `numel` elements on `device` (per-row statistics, RoPE tables, upstream losses).
void check_f32(const torch::Tensor& t, std::int64_t numel, const torch::Device& device, const char* op,
               const char* name) {
  require(t.defined() && t.device() == device, op, std::string(name) + " must be on " + device.str());
  require(t.scalar_type() == torch::kFloat32, op, std::string(name) + " must be float32, got " + str(t.scalar_type()));
  require(t.is_contiguous(), op, std::string(name) + " must be contiguous");
  require(t.numel() == numel, op,
          std::string(name) + " has " + std::to_string(t.numel()) + " elements, expected " + std::to_string(numel));
}

void check_targets(const torch::Tensor& t, std::int64_t rows, const torch::Device& device, const char* op) {
  require(t.defined() && t.device() == device, op, "targets must be on " + device.str());
  require(t.scalar_type() == torch::kInt64, op, "targets must be int64, got " + str(t.scalar_type()));
  require(t.is_contiguous() && t.numel() == rows, op,
          "targets must be contiguous with " + std::to_string(rows) + " elements");
}

std::int64_t last_dim(const torch::Tensor& x, const char* op) {
  require(x.dim() >= 1 && x.size(-1) >= 1, op, "the last dimension must be non-empty");
  return x.size(-1);
}

kernels::DType kdtype(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 ? kernels::DType::BFloat16 : kernels::DType::Float32;
}

// The launcher's own argument check, then the launch itself (cudaGetLastError).
void check_launch(cudaError_t err) {
  C10_CUDA_CHECK(err);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

#else

[[noreturn]] void not_compiled(const char* op) {
  throw std::invalid_argument(std::string("fused ") + op +
                              ": the CUDA kernels were not compiled into this build (no nvcc or no CUDA LibTorch)");
}

#endif

}  // namespace

#ifdef MUONLAB_HAVE_CUDA_KERNELS

std::pair<torch::Tensor, torch::Tensor> rms_norm_forward(const torch::Tensor& x, double eps) {
  const char* op = "rms_norm";
  check_input(x, op, "x");
  const std::int64_t cols = last_dim(x, op), rows = x.numel() / cols;
  const c10::cuda::CUDAGuard guard(x.device());
  torch::Tensor y = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  torch::Tensor rstd = torch::empty(x.sizes().slice(0, x.dim() - 1), x.options().dtype(torch::kFloat32));
  check_launch(kernels::rms_norm_forward(kdtype(x), x.data_ptr(), y.data_ptr(), rstd.data_ptr<float>(), rows, cols,
                                         float(eps), at::cuda::getCurrentCUDAStream()));
  return {y, rstd};
}

torch::Tensor rms_norm_backward(const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd) {
  const char* op = "rms_norm backward";
  check_input(y, op, "y");
  check_like(gy, y, op, "the output gradient");
  const std::int64_t cols = last_dim(y, op), rows = y.numel() / cols;
  check_f32(rstd, rows, y.device(), op, "rstd");
  const c10::cuda::CUDAGuard guard(y.device());
  torch::Tensor gx = torch::empty_like(y, torch::MemoryFormat::Contiguous);
  check_launch(kernels::rms_norm_backward(kdtype(y), gy.data_ptr(), y.data_ptr(), rstd.data_ptr<float>(),
                                          gx.data_ptr(), rows, cols, at::cuda::getCurrentCUDAStream()));
  return gx;
}

std::pair<torch::Tensor, torch::Tensor> rope_rms_norm_forward(const torch::Tensor& x, const torch::Tensor& cos,
                                                              const torch::Tensor& sin, double eps) {
  const char* op = "rope_qk_norm";
  check_input(x, op, "x");
  require(x.dim() == 4 && x.size(3) >= 2 && x.size(3) % 2 == 0, op, "x must be (B, T, H, D) with D even");
  const std::int64_t B = x.size(0), T = x.size(1), H = x.size(2), D = x.size(3);
  check_f32(cos, T * (D / 2), x.device(), op, "cos");
  check_f32(sin, T * (D / 2), x.device(), op, "sin");
  const c10::cuda::CUDAGuard guard(x.device());
  torch::Tensor y = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  torch::Tensor rstd = torch::empty({B, T, H}, x.options().dtype(torch::kFloat32));
  check_launch(kernels::rope_rms_norm_forward(kdtype(x), x.data_ptr(), cos.data_ptr<float>(), sin.data_ptr<float>(),
                                              y.data_ptr(), rstd.data_ptr<float>(), B, T, H, D, float(eps),
                                              at::cuda::getCurrentCUDAStream()));
  return {y, rstd};
}

torch::Tensor rope_rms_norm_backward(const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd,
                                     const torch::Tensor& cos, const torch::Tensor& sin) {
  const char* op = "rope_qk_norm backward";
  check_input(y, op, "y");
  require(y.dim() == 4 && y.size(3) >= 2 && y.size(3) % 2 == 0, op, "y must be (B, T, H, D) with D even");
  check_like(gy, y, op, "the output gradient");
  const std::int64_t B = y.size(0), T = y.size(1), H = y.size(2), D = y.size(3);
  check_f32(rstd, B * T * H, y.device(), op, "rstd");
  check_f32(cos, T * (D / 2), y.device(), op, "cos");
  check_f32(sin, T * (D / 2), y.device(), op, "sin");
  const c10::cuda::CUDAGuard guard(y.device());
  torch::Tensor gx = torch::empty_like(y, torch::MemoryFormat::Contiguous);
  check_launch(kernels::rope_rms_norm_backward(kdtype(y), gy.data_ptr(), y.data_ptr(), rstd.data_ptr<float>(),
                                               cos.data_ptr<float>(), sin.data_ptr<float>(), gx.data_ptr(), B, T, H,
                                               D, at::cuda::getCurrentCUDAStream()));
  return gx;
}

torch::Tensor relu_square_forward(const torch::Tensor& x) {
  check_input(x, "relu_square", "x");
  const c10::cuda::CUDAGuard guard(x.device());
  torch::Tensor y = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  check_launch(kernels::relu_square_forward(kdtype(x), x.data_ptr(), y.data_ptr(), x.numel(),
                                            at::cuda::getCurrentCUDAStream()));
  return y;
}

torch::Tensor relu_square_backward(const torch::Tensor& gy, const torch::Tensor& y) {
  const char* op = "relu_square backward";
  check_input(y, op, "y");
  check_like(gy, y, op, "the output gradient");
  const c10::cuda::CUDAGuard guard(y.device());
  torch::Tensor gx = torch::empty_like(y, torch::MemoryFormat::Contiguous);
  check_launch(kernels::relu_square_backward(kdtype(y), gy.data_ptr(), y.data_ptr(), gx.data_ptr(), y.numel(),
                                             at::cuda::getCurrentCUDAStream()));
  return gx;
}

std::pair<torch::Tensor, torch::Tensor> softcap_ce_forward(const torch::Tensor& z, const torch::Tensor& targets,
                                                           double softcap) {
  const char* op = "softcap_cross_entropy";
  check_input(z, op, "the logits chunk");
  require(z.dim() == 2 && z.size(1) >= 1, op, "the logits chunk must be (rows, V) with V ≥ 1");
  const std::int64_t rows = z.size(0), V = z.size(1);
  check_targets(targets, rows, z.device(), op);
  require(softcap > 0 && std::isfinite(softcap), op, "softcap must be positive and finite");
  const c10::cuda::CUDAGuard guard(z.device());
  torch::Tensor loss = torch::empty({rows}, z.options().dtype(torch::kFloat32));
  torch::Tensor lse = torch::empty({rows}, z.options().dtype(torch::kFloat32));
  check_launch(kernels::softcap_ce_forward(kdtype(z), z.data_ptr(), targets.data_ptr<std::int64_t>(), float(softcap),
                                           loss.data_ptr<float>(), lse.data_ptr<float>(), rows, V,
                                           at::cuda::getCurrentCUDAStream()));
  return {loss, lse};
}

void softcap_ce_backward_(torch::Tensor& z, const torch::Tensor& targets, const torch::Tensor& lse,
                          const torch::Tensor& dloss, double dloss_scale, double softcap) {
  const char* op = "softcap_cross_entropy backward";
  check_input(z, op, "the logits chunk");
  require(z.dim() == 2 && z.size(1) >= 1, op, "the logits chunk must be (rows, V) with V ≥ 1");
  const std::int64_t rows = z.size(0), V = z.size(1);
  check_targets(targets, rows, z.device(), op);
  check_f32(lse, rows, z.device(), op, "lse");
  require(dloss.defined() && (dloss.numel() == 1 || dloss.numel() == rows), op,
          "the loss gradient must have 1 or " + std::to_string(rows) + " elements");
  check_f32(dloss, dloss.numel(), z.device(), op, "the loss gradient");
  require(softcap > 0 && std::isfinite(softcap), op, "softcap must be positive and finite");
  const c10::cuda::CUDAGuard guard(z.device());
  const std::int64_t stride = dloss.numel() == 1 ? 0 : 1;
  check_launch(kernels::softcap_ce_backward(kdtype(z), z.data_ptr(), targets.data_ptr<std::int64_t>(),
                                            lse.data_ptr<float>(), dloss.data_ptr<float>(), stride,
                                            float(dloss_scale), float(softcap), z.data_ptr(), rows, V,
                                            at::cuda::getCurrentCUDAStream()));
}

#else  // no kernels in this build: every wrapper says so

std::pair<torch::Tensor, torch::Tensor> rms_norm_forward(const torch::Tensor&, double) { not_compiled("rms_norm"); }
torch::Tensor rms_norm_backward(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  not_compiled("rms_norm");
}
std::pair<torch::Tensor, torch::Tensor> rope_rms_norm_forward(const torch::Tensor&, const torch::Tensor&,
                                                              const torch::Tensor&, double) {
  not_compiled("rope_qk_norm");
}
torch::Tensor rope_rms_norm_backward(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                     const torch::Tensor&, const torch::Tensor&) {
  not_compiled("rope_qk_norm");
}
torch::Tensor relu_square_forward(const torch::Tensor&) { not_compiled("relu_square"); }
torch::Tensor relu_square_backward(const torch::Tensor&, const torch::Tensor&) { not_compiled("relu_square"); }
std::pair<torch::Tensor, torch::Tensor> softcap_ce_forward(const torch::Tensor&, const torch::Tensor&, double) {
  not_compiled("softcap_cross_entropy");
}
void softcap_ce_backward_(torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, double,
                          double) {
  not_compiled("softcap_cross_entropy");
}

#endif

}  // namespace muonlab::nanochat::fused::cuda
