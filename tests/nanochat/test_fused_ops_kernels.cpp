// The CUDA kernels of nanochat/fused_ops_kernels.cu, this very source, run on the CPU through the SIMT emulator
// (simt_emulator.hpp) and held to the same bounds as on the GPU (fused_ops_checks.hpp): their indexing, 16-byte,
// narrower and scalar (unaligned) paths, grid-stride loops (the emulator caps a launch at 3 blocks), warp shuffles
// and block barriers (a shuffle or barrier not every thread reaches is reported, not hung) are tested by the CPU
// suite. What the emulator cannot show (the GPU's own math library, memory ordering, speed): test_fused_ops_cuda.cpp.
#include "fused_ops_checks.hpp"

#include <catch2/catch.hpp>

#if __has_include(<cuda_bf16.h>) && __has_include(<cuda_runtime.h>)
#define MUONLAB_TEST_SIMT 1
// After every torch and Catch header: the emulator's macros (threadIdx, __shared__, …) must not reach them.
#include "simt_emulator.hpp"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"  // the emulated launches ignore their stream
namespace emulated {
#include "nanochat/fused_ops_kernels.cu"
}  // namespace emulated
#pragma GCC diagnostic pop
#endif

namespace chk = muonlab::testing::fused_checks;

#ifdef MUONLAB_TEST_SIMT
namespace {

namespace ek = emulated::muonlab::nanochat::kernels;
namespace simt = muonlab::testing::simt;
using chk::TensorPair;

ek::DType kdtype(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 ? ek::DType::BFloat16 : ek::DType::Float32;
}

void ok(cudaError_t err) {
  REQUIRE(err == cudaSuccess);
  REQUIRE_FALSE(simt::g_deadlock.load());
}

torch::Tensor like(const torch::Tensor& x) { return torch::empty_like(x, torch::MemoryFormat::Contiguous); }
torch::Tensor f32(torch::IntArrayRef shape) { return torch::empty(shape, torch::kFloat32); }

// The emulated kernels behind the fused::cuda wrappers' signatures, on CPU tensors (no stream).
const chk::RmsKernels kRms{
    [](const torch::Tensor& x, double eps) -> TensorPair {
      const int64_t cols = x.size(-1), rows = x.numel() / cols;
      torch::Tensor y = like(x), rstd = f32({rows});
      ok(ek::rms_norm_forward(kdtype(x), x.data_ptr(), y.data_ptr(), rstd.data_ptr<float>(), rows, cols, float(eps),
                              nullptr));
      return {y, rstd};
    },
    [](const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd) {
      const int64_t cols = y.size(-1), rows = y.numel() / cols;
      torch::Tensor gx = like(y);
      ok(ek::rms_norm_backward(kdtype(y), gy.data_ptr(), y.data_ptr(), rstd.data_ptr<float>(), gx.data_ptr(), rows,
                               cols, nullptr));
      return gx;
    }};

const chk::RopeKernels kRope{
    [](const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, double eps) -> TensorPair {
      torch::Tensor y = like(x), rstd = f32({x.size(0), x.size(1), x.size(2)});
      ok(ek::rope_rms_norm_forward(kdtype(x), x.data_ptr(), cos.data_ptr<float>(), sin.data_ptr<float>(),
                                   y.data_ptr(), rstd.data_ptr<float>(), x.size(0), x.size(1), x.size(2), x.size(3),
                                   float(eps), nullptr));
      return {y, rstd};
    },
    [](const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd, const torch::Tensor& cos,
       const torch::Tensor& sin) {
      torch::Tensor gx = like(y);
      ok(ek::rope_rms_norm_backward(kdtype(y), gy.data_ptr(), y.data_ptr(), rstd.data_ptr<float>(),
                                    cos.data_ptr<float>(), sin.data_ptr<float>(), gx.data_ptr(), y.size(0),
                                    y.size(1), y.size(2), y.size(3), nullptr));
      return gx;
    }};

const chk::ReluKernels kRelu{
    [](const torch::Tensor& x) {
      torch::Tensor y = like(x);
      ok(ek::relu_square_forward(kdtype(x), x.data_ptr(), y.data_ptr(), x.numel(), nullptr));
      return y;
    },
    [](const torch::Tensor& gy, const torch::Tensor& y) {
      torch::Tensor gx = like(y);
      ok(ek::relu_square_backward(kdtype(y), gy.data_ptr(), y.data_ptr(), gx.data_ptr(), y.numel(), nullptr));
      return gx;
    }};

const chk::CeKernels kCe{
    [](const torch::Tensor& z, const torch::Tensor& t, double softcap) -> TensorPair {
      torch::Tensor loss = f32({z.size(0)}), lse = f32({z.size(0)});
      ok(ek::softcap_ce_forward(kdtype(z), z.data_ptr(), t.data_ptr<int64_t>(), float(softcap),
                                loss.data_ptr<float>(), lse.data_ptr<float>(), z.size(0), z.size(1), nullptr));
      return {loss, lse};
    },
    [](torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& lse, const torch::Tensor& dl, double scale,
       double softcap) {
      ok(ek::softcap_ce_backward(kdtype(z), z.data_ptr(), t.data_ptr<int64_t>(), lse.data_ptr<float>(),
                                 dl.data_ptr<float>(), dl.numel() == 1 ? 0 : 1, float(scale), float(softcap),
                                 z.data_ptr(), z.size(0), z.size(1), nullptr));
    }};

const torch::Device kCpu(torch::kCPU);

}  // namespace
#endif

TEST_CASE("fused kernels on the SIMT emulator: RMSNorm and rotary + QK-norm within the GPU bounds",
          "[nanochat][fused][simt]") {
#ifndef MUONLAB_TEST_SIMT
  SUCCEED("no CUDA headers (cuda_bf16.h) in this build: the kernel source is not emulated");
#else
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1521);
    chk::check_rms_kernels(kRms, kCpu, dt, 37, 768);             // 16-byte packs, 37 rows over 3·8 warps
    chk::check_rms_kernels(kRms, kCpu, dt, 37, 100);             // narrower packs (100 = 4·25 = 2·50)
    chk::check_rms_kernels(kRms, kCpu, dt, 37, 100, /*offset=*/1);  // unaligned: scalar path
    chk::check_rms_kernels(kRms, kCpu, dt, 7, 1);
    chk::check_rms_kernels(kRms, kCpu, dt, 30, 33);
    chk::check_rope_kernels(kRope, kCpu, dt, 2, 9, 3, 128);  // 54 rows, the gpu preset's D
    chk::check_rope_kernels(kRope, kCpu, dt, 1, 7, 5, 6, /*offset=*/1);
    chk::check_rope_kernels(kRope, kCpu, dt, 1, 3, 2, 256);
  }
  CHECK_FALSE(muonlab::testing::simt::g_deadlock.load());
#endif
}

TEST_CASE("fused kernels on the SIMT emulator: ReLU² equal to ATen's, its gradient within the GPU bound",
          "[nanochat][fused][simt]") {
#ifndef MUONLAB_TEST_SIMT
  SUCCEED("no CUDA headers (cuda_bf16.h) in this build: the kernel source is not emulated");
#else
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1522);
    chk::check_relu_kernels(kRelu, kCpu, dt, 12301);  // > 3 blocks·256 threads·8: grid-stride, then a tail of 13
    chk::check_relu_kernels(kRelu, kCpu, dt, 1001, /*offset=*/3);
    chk::check_relu_kernels(kRelu, kCpu, dt, 5);
  }
#endif
}

TEST_CASE("fused kernels on the SIMT emulator: softcap cross-entropy rows within the GPU bounds",
          "[nanochat][fused][simt]") {
#ifndef MUONLAB_TEST_SIMT
  SUCCEED("no CUDA headers (cuda_bf16.h) in this build: the kernel source is not emulated");
#else
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1523);
    chk::check_ce_kernels(kCe, kCpu, dt, 37, 997);   // scalar path
    chk::check_ce_kernels(kCe, kCpu, dt, 37, 1002);  // pairs
    chk::check_ce_kernels(kCe, kCpu, dt, 37, 4096);  // 16-byte packs
    chk::check_ce_kernels(kCe, kCpu, dt, 50, 30);
    chk::check_ce_kernels(kCe, kCpu, dt, 5, 3);      // fewer classes than threads: most threads hold nothing
    chk::check_ce_kernels_nan(kCe, kCpu, dt);
  }
  CHECK_FALSE(muonlab::testing::simt::g_deadlock.load());
#endif
}

TEST_CASE("fused kernels on the SIMT emulator: bad arguments are refused, empty work launches nothing",
          "[nanochat][fused][simt]") {
#ifndef MUONLAB_TEST_SIMT
  SUCCEED("no CUDA headers (cuda_bf16.h) in this build: the kernel source is not emulated");
#else
  float buf[8] = {};
  const auto F = ek::DType::Float32;
  CHECK(ek::rms_norm_forward(F, buf, buf, buf, 1, 0, 1e-7f, nullptr) == cudaErrorInvalidValue);  // empty row
  CHECK(ek::rms_norm_forward(F, nullptr, buf, buf, 1, 4, 1e-7f, nullptr) == cudaErrorInvalidValue);
  CHECK(ek::rms_norm_forward(F, nullptr, nullptr, nullptr, 0, 4, 1e-7f, nullptr) == cudaSuccess);  // no rows
  CHECK(ek::rope_rms_norm_forward(F, buf, buf, buf, buf, buf, 1, 1, 1, 3, 1e-7f, nullptr) == cudaErrorInvalidValue);
  CHECK(ek::relu_square_forward(F, buf, buf, -1, nullptr) == cudaErrorInvalidValue);
  const std::int64_t t = 0;
  CHECK(ek::softcap_ce_forward(F, buf, &t, 0.f, buf, buf, 1, 4, nullptr) == cudaErrorInvalidValue);  // softcap 0
  CHECK(ek::softcap_ce_backward(F, buf, &t, buf, buf, -1, 1.f, 15.f, buf, 1, 4, nullptr) == cudaErrorInvalidValue);
  CHECK(ek::softcap_ce_forward(F, buf, &t, 15.f, buf, buf, 1, std::int64_t(1) << 31, nullptr) ==
        cudaErrorInvalidValue);  // a row longer than 2^30
#endif
}
