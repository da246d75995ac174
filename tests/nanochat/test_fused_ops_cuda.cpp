// The CUDA kernels of the fused ops ("[fused][cuda]"): each against the exact float64 value of its rounded inputs and
// against the ATen reference, in float32 and bfloat16, with bounds derived from the unit roundoffs
// (fused_ops_bounds.hpp); the kernels' vector, scalar (unaligned) and grid-stride paths; NaN and bad targets; and the
// cross-entropy's peak memory (never an N×V float32 logits tensor). Without a CUDA device (or without compiled
// kernels) each test says why and passes without running anything.
//
// "[.][fused-bench]" (hidden, run by name) times each op, kernel against reference, at the gpu preset's shapes.
#include "fused_ops_bounds.hpp"
#include "fused_ops_checks.hpp"
#include "nanochat/fused_ops.hpp"
#include "nanochat/fused_ops_cuda.hpp"

#include <catch2/catch.hpp>

#include <ATen/Context.h>

#ifdef MUONLAB_HAVE_CUDA_KERNELS
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

using namespace muonlab::nanochat;
using namespace muonlab::testing::fused_bounds;
namespace chk = muonlab::testing::fused_checks;
using fused::Impl;

namespace {

// True when this run can exercise the kernels; otherwise records why and passes.
bool kernels_runnable() {
  if (!torch::cuda::is_available()) {
    SUCCEED("no CUDA device here: the kernels are compiled (when nvcc was found) but cannot run");
    return false;
  }
  if (!fused_ops_available()) {
    WARN("a CUDA device is present but the fused kernels were not compiled (no nvcc or no CUDA LibTorch)");
    SUCCEED();
    return false;
  }
  return true;
}

const torch::Device kCuda(torch::kCUDA);

// PyTorch lets cuBLAS reduce split-K partial sums of bf16 products in bf16 by default (an extra rounding per split
// that the bounds, which assume float32 accumulation, do not model); this turns that off for one scope.
class Bf16FullPrecisionReduction {
 public:
  Bf16FullPrecisionReduction() : old_(at::globalContext().allowBF16ReductionCuBLAS()) {
    at::globalContext().setAllowBF16ReductionCuBLAS(false, true);
  }
  ~Bf16FullPrecisionReduction() {
    using O = at::CuBLASReductionOption;
    at::globalContext().setAllowBF16ReductionCuBLAS(old_ == O::AllowReducedPrecisionWithSplitK,
                                                    old_ != O::DisallowReducedPrecisionDisallowSplitK);
  }

 private:
  at::CuBLASReductionOption old_;
};

}  // namespace

TEST_CASE("fused kernels: RMSNorm within the derived bounds (vector, unaligned and grid-stride paths)",
          "[nanochat][fused][cuda]") {
  if (!kernels_runnable()) return;
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1511);
    chk::check_rms_norm(kCuda, dt, Impl::Kernel, 33, 768);                 // C at the gpu preset: 16-byte packs
    chk::check_rms_norm(kCuda, dt, Impl::Kernel, 10, 100, /*offset=*/1);  // unaligned: scalar path
    chk::check_rms_norm(kCuda, dt, Impl::Kernel, 40, 128);                 // a head's D
    chk::check_rms_norm(kCuda, dt, Impl::Kernel, 7, 1);                    // one column
    chk::check_rms_norm(kCuda, dt, Impl::Kernel, 600000, 32);  // more rows than one grid covers (65536·8 warps)
  }
}

TEST_CASE("fused kernels: rotary + QK-norm within the derived bounds", "[nanochat][fused][cuda]") {
  if (!kernels_runnable()) return;
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1512);
    chk::check_rope_qk_norm(kCuda, dt, Impl::Kernel, 2, 9, 3, 128);  // the gpu preset's head dimension
    chk::check_rope_qk_norm(kCuda, dt, Impl::Kernel, 1, 4, 2, 6);    // D/2 = 3: scalar path
    chk::check_rope_qk_norm(kCuda, dt, Impl::Kernel, 2, 5, 2, 256);  // wider packs
    chk::check_rope_qk_norm(kCuda, dt, Impl::Kernel, 1, 1000, 600, 8);  // 600 000 rows: grid-stride
  }
}

TEST_CASE("fused kernels: ReLU² within the derived bounds, equal to the reference bit for bit",
          "[nanochat][fused][cuda]") {
  if (!kernels_runnable()) return;
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1513);
    chk::check_relu_square(kCuda, dt, Impl::Kernel, 1000);
    chk::check_relu_square(kCuda, dt, Impl::Kernel, 1001, /*offset=*/3);  // unaligned, with a tail
    // More elements than one grid covers (65536 blocks · 256 threads · 8 per pack), plus a tail of 13.
    chk::check_relu_square(kCuda, dt, Impl::Kernel, (std::int64_t(65536) * 256 * 8) + 13);
  }
}

TEST_CASE("fused kernels one by one (the fused::cuda wrappers) against the exact values of their inputs",
          "[nanochat][fused][cuda]") {
  if (!kernels_runnable()) return;
  const chk::RmsKernels rms{fused::cuda::rms_norm_forward, fused::cuda::rms_norm_backward};
  const chk::RopeKernels rope{fused::cuda::rope_rms_norm_forward, fused::cuda::rope_rms_norm_backward};
  const chk::ReluKernels relu{fused::cuda::relu_square_forward, fused::cuda::relu_square_backward};
  const chk::CeKernels ce{fused::cuda::softcap_ce_forward, fused::cuda::softcap_ce_backward_};
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1514);
    chk::check_rms_kernels(rms, kCuda, dt, 37, 768);
    chk::check_rms_kernels(rms, kCuda, dt, 37, 100, /*offset=*/1);
    chk::check_rope_kernels(rope, kCuda, dt, 2, 9, 3, 128);
    chk::check_rope_kernels(rope, kCuda, dt, 1, 7, 5, 6, /*offset=*/1);
    chk::check_relu_kernels(relu, kCuda, dt, 12301);
    chk::check_relu_kernels(relu, kCuda, dt, 1001, /*offset=*/3);
    // V = 997: scalar path; 1002: pairs; 4096: 16-byte packs; 30 with 70 000 rows: grid-stride over rows.
    chk::check_ce_kernels(ce, kCuda, dt, 37, 997);
    chk::check_ce_kernels(ce, kCuda, dt, 37, 1002);
    chk::check_ce_kernels(ce, kCuda, dt, 37, 4096);
    chk::check_ce_kernels(ce, kCuda, dt, 70000, 30);
    chk::check_ce_kernels_nan(ce, kCuda, dt);
  }
}

TEST_CASE("fused kernels: softcap cross-entropy end to end (chunked matmuls, autograd) within the derived bounds",
          "[nanochat][fused][cuda]") {
  if (!kernels_runnable()) return;
  const Bf16FullPrecisionReduction full_precision;
  torch::manual_seed(1515);
  CHECK(fused::resolve(Impl::Auto, torch::zeros({1}, torch::TensorOptions(torch::kBFloat16).device(kCuda))) ==
        (fused::enabled_by_env() ? Impl::Kernel : Impl::Reference));
  chk::check_softcap_ce(kCuda, torch::kBFloat16, Impl::Kernel, 300, 64, 1000, 4.0, 128, "mean", 1.0, 0.15);
  chk::check_softcap_ce(kCuda, torch::kBFloat16, Impl::Kernel, 300, 64, 4096, 15.0, 100, "none", 2.0, 0.5);
  chk::check_softcap_ce(kCuda, torch::kBFloat16, Impl::Kernel, 257, 128, 16384, 15.0, 0, "sum", 1.0, 0.2);
  // float32 matmuls are IEEE unless TF32 was allowed (then their error is 2^-11, not the float32 bound used here).
  if (at::globalContext().allowTF32CuBLAS()) {
    WARN("TF32 matmuls are allowed in this process: the float32 end-to-end check is skipped");
  } else {
    chk::check_softcap_ce(kCuda, torch::kFloat32, Impl::Kernel, 300, 64, 1000, 4.0, 64, "mean", 1.0, 0.15);
  }
}

#ifdef MUONLAB_HAVE_CUDA_KERNELS
namespace {

// Bytes allocated on the current device above what was allocated when `f` started, at the peak.
std::int64_t peak_bytes_during(const std::function<void()>& f) {
  const c10::DeviceIndex dev = c10::cuda::current_device();
  torch::cuda::synchronize();
  c10::cuda::CUDACachingAllocator::resetPeakStats(dev);
  const auto agg = static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  const std::int64_t base = c10::cuda::CUDACachingAllocator::getDeviceStats(dev).allocated_bytes[agg].current;
  f();
  torch::cuda::synchronize();
  return c10::cuda::CUDACachingAllocator::getDeviceStats(dev).allocated_bytes[agg].peak - base;
}

}  // namespace
#endif

TEST_CASE("fused kernels: the softcap cross-entropy never allocates the N x V float32 logits",
          "[nanochat][fused][cuda]") {
  if (!kernels_runnable()) return;
#ifdef MUONLAB_HAVE_CUDA_KERNELS
  const int64_t N = 4096, C = 256, V = 16384;
  torch::manual_seed(1516);
  const torch::Tensor h = chk::draw({N, C}, 1.0, torch::kBFloat16, kCuda).requires_grad_(true);
  const torch::Tensor w = chk::draw({V, C}, 0.05, torch::kFloat32, kCuda).requires_grad_(true);
  const torch::Tensor t = torch::randint(0, V, {N}, torch::kInt64).to(kCuda);
  fused::SoftcapCeOptions opt;
  opt.chunk_rows = 512;  // a chunk of bf16 logits: 16 MiB
  auto run = [&](Impl impl) {
    return [&, impl] {
      const torch::Tensor loss = fused::softcap_cross_entropy(h, w, t, opt, impl);
      const auto g = torch::autograd::grad({loss}, {h, w});
      CHECK(std::isfinite(loss.item<double>()));
    };
  };
  run(Impl::Kernel)();  // warm-up: cuBLAS workspaces and the allocator's pools exist before measuring
  run(Impl::Reference)();
  const std::int64_t fused_peak = peak_bytes_during(run(Impl::Kernel));
  const std::int64_t ref_peak = peak_bytes_during(run(Impl::Reference));
  const std::int64_t logits_f32 = N * V * 4;  // 256 MiB
  INFO("peak above baseline: fused " << fused_peak / 1048576.0 << " MiB, reference " << ref_peak / 1048576.0
                                     << " MiB; N x V float32 logits " << logits_f32 / 1048576.0 << " MiB");
  // The fused path holds one bf16 chunk (16 MiB), w in bf16 (8 MiB), dw in float32 (16 MiB), one bf16 dw product
  // (8 MiB) and dh (2 MiB), about 50 MiB; one N×V float32 tensor alone is 256 MiB, twice the bound.
  CHECK(fused_peak < logits_f32 / 2);
  CHECK(ref_peak >= logits_f32);  // the measurement sees a materialized float32 logits tensor when there is one
#endif
}

// ---- timings (hidden: run with "[fused-bench]") ------------------------------------------------------------------

TEST_CASE("fused kernels: timings at the gpu preset's shapes", "[.][fused-bench]") {
  if (!kernels_runnable()) return;
#ifdef MUONLAB_HAVE_CUDA_KERNELS
  // Median over 20 runs of forward + backward, CUDA events around each, after 3 warm-ups.
  auto time_ms = [](const std::function<void()>& f) {
    for (int i = 0; i < 3; ++i) f();
    at::cuda::CUDAEvent start(cudaEventDefault), stop(cudaEventDefault);
    std::vector<float> ms;
    for (int i = 0; i < 20; ++i) {
      start.record();
      f();
      stop.record();
      stop.synchronize();
      ms.push_back(start.elapsed_time(stop));
    }
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    return double(ms[ms.size() / 2]);
  };
  const auto bf16 = torch::TensorOptions(torch::kBFloat16).device(kCuda);
  auto report = [&](const char* what, const std::function<void(Impl)>& f) {
    const double k = time_ms([&] { f(Impl::Kernel); }), r = time_ms([&] { f(Impl::Reference); });
    const std::int64_t pk = peak_bytes_during([&] { f(Impl::Kernel); });
    const std::int64_t pr = peak_bytes_during([&] { f(Impl::Reference); });
    std::printf("%-44s kernel %8.3f ms  reference %8.3f ms  (%.2fx)  peak %8.1f / %8.1f MiB\n", what, k, r, r / k,
                pk / 1048576.0, pr / 1048576.0);
    CHECK(k > 0);
  };
  torch::manual_seed(1517);
  {  // QK-norm of q and k at (B, T, H, D) = (64, 1024, 6, 128)
    const torch::Tensor x = torch::randn({64, 1024, 6, 128}, bf16).requires_grad_(true), g = torch::randn_like(x);
    auto [cos, sin] = rope_tables(1024, 128);
    cos = cos.to(kCuda), sin = sin.to(kCuda);
    report("rope_qk_norm (64, 1024, 6, 128) fwd+bwd", [&](Impl i) {
      torch::autograd::grad({fused::rope_qk_norm(x, cos, sin, i)}, {x}, {g});
    });
  }
  {  // RMSNorm of the residual stream (65536, 768)
    const torch::Tensor x = torch::randn({65536, 768}, bf16).requires_grad_(true), g = torch::randn_like(x);
    report("rms_norm (65536, 768) fwd+bwd", [&](Impl i) {
      torch::autograd::grad({fused::rms_norm(x, i)}, {x}, {g});
    });
  }
  {  // ReLU² of the MLP's hidden layer (65536, 3072)
    const torch::Tensor x = torch::randn({65536, 3072}, bf16).requires_grad_(true), g = torch::randn_like(x);
    report("relu_square (65536, 3072) fwd+bwd", [&](Impl i) {
      torch::autograd::grad({fused::relu_square(x, i)}, {x}, {g});
    });
  }
  {  // the head and loss: h (65536, 768) bf16, w (16384, 768) float32
    const torch::Tensor h = (torch::randn({65536, 768}, bf16) * 0.5).requires_grad_(true);
    const torch::Tensor w = (torch::randn({16384, 768}, torch::TensorOptions(kCuda)) * 0.03).requires_grad_(true);
    const torch::Tensor t = torch::randint(0, 16384, {65536}, torch::TensorOptions(torch::kInt64).device(kCuda));
    report("softcap_cross_entropy 65536 x 16384 fwd+bwd", [&](Impl i) {
      torch::autograd::grad({fused::softcap_cross_entropy(h, w, t, {}, i)}, {h, w});
    });
  }
#endif
}
