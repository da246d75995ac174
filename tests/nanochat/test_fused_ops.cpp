// The fused ops' algorithms on the CPU (Impl::Aten): against the ATen reference in float64 with bounds from float64's
// unit roundoff, the chunked cross-entropy for chunk sizes that do and do not divide N and every reduction, an
// independent loop-by-loop formula, the float32/bfloat16 behaviour the CUDA kernels must match, the dispatcher and
// bad input. The CUDA kernels themselves: test_fused_ops_cuda.cpp ("[fused][cuda]").
#include "fused_ops_bounds.hpp"
#include "fused_ops_checks.hpp"
#include "nanochat/fused_ops.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace muonlab::nanochat;
using namespace muonlab::testing::fused_bounds;
using muonlab::testing::fused_checks::check_within;
using muonlab::testing::fused_checks::grad_of;
using fused::Impl;
using Catch::Matchers::Contains;

namespace {

bool made_by(const torch::Tensor& y, const std::string& fn) {
  return y.grad_fn() && y.grad_fn()->name().find(fn) != std::string::npos;
}

// Sets an environment variable for one scope and puts the old value back.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~EnvGuard() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

// ---- float64: the fused algorithms equal the references ----------------------------------------------------------

TEST_CASE("fused rms_norm (ATen path) equals the reference in float64, forward and backward", "[nanochat][fused]") {
  torch::manual_seed(1501);
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{3, 5, 24}, {7, 1}, {2, 130}}) {
    const int64_t D = shape.back();
    INFO("shape (..., " << D << ")");
    const torch::Tensor x = (torch::randn(shape, torch::kFloat64) * 3).requires_grad_(true);
    const torch::Tensor g = torch::randn(shape, torch::kFloat64);
    const torch::Tensor y = fused::rms_norm(x, Impl::Aten), y_ref = fused::reference::rms_norm(x);
    CHECK(made_by(y, "RmsNormFn"));
    const RmsExact e = rms_exact(x);
    // Each side evaluates in float64 with ≤ D + 8 roundings per output (forward) and ≤ 2D + 16 (backward, counted as
    // in fused_ops_checks.hpp), so the two differ by at most twice γ_n times the magnitudes.
    check_within(y, y_ref, 2 * gamma(D + 8, kU64) * e.y.abs(), "y");
    check_within(grad_of(y, x, g), grad_of(y_ref, x, g),
                 2 * gamma(2 * D + 16, kU64) * rms_grad_abs(g, e.y.abs(), e.r), "dx");
  }
}

TEST_CASE("fused rope_qk_norm (ATen path) equals the reference in float64, forward and backward",
          "[nanochat][fused]") {
  torch::manual_seed(1502);
  for (const std::vector<int64_t>& s : {std::vector<int64_t>{2, 7, 3, 16}, {1, 3, 2, 2}, {2, 4, 1, 128}}) {
    const int64_t B = s[0], T = s[1], H = s[2], D = s[3];
    INFO("(B, T, H, D) = (" << B << ", " << T << ", " << H << ", " << D << ")");
    const torch::Tensor x = (torch::randn({B, T, H, D}, torch::kFloat64) * 2).requires_grad_(true);
    const torch::Tensor g = torch::randn({B, T, H, D}, torch::kFloat64);
    const auto [cos, sin] = rope_tables(T, D);  // float32, as the model's buffers
    const torch::Tensor y = fused::rope_qk_norm(x, cos, sin, Impl::Aten);
    const torch::Tensor y_ref = fused::reference::rope_qk_norm(x, cos, sin);
    CHECK(made_by(y, "RopeQkNormFn"));
    const torch::Tensor c = f64(cos), sn = f64(sin);
    const torch::Tensor rot = rotate(f64(x), c, sn, false);
    const torch::Tensor r = torch::rsqrt(rot.square().mean(-1, true) + kEpsF32);
    const torch::Tensor Y = r * rotate_abs(f64(x), c, sn);  // ≥ |y|, bounds the rotation's roundings
    // Rotation (3 roundings) + RMSNorm: ≤ 2D + 16 forward, 2D + 24 backward, on each side.
    check_within(y, y_ref, 2 * gamma(2 * D + 16, kU64) * Y, "y");
    check_within(grad_of(y, x, g), grad_of(y_ref, x, g),
                 2 * gamma(2 * D + 24, kU64) * rotate_abs(rms_grad_abs(g, Y, r), c, sn), "dx");
    // And it is the model's order: RoPE first, then the norm (a norm first would change y).
    CHECK(((y - fused::reference::rms_norm(x)).abs().max().item<double>()) > 1e-3);
  }
}

TEST_CASE("fused relu_square (ATen path) equals the reference in float64, zeros and negatives included",
          "[nanochat][fused]") {
  torch::manual_seed(1503);
  torch::Tensor x0 = torch::randn({400}, torch::kFloat64) * 2;
  x0.narrow(0, 0, 40).zero_();  // relu's kink: gradient 0 at exactly 0 in both
  const torch::Tensor x = x0.requires_grad_(true), g = torch::randn({400}, torch::kFloat64);
  const torch::Tensor y = fused::relu_square(x, Impl::Aten), y_ref = fused::reference::relu_square(x);
  CHECK(made_by(y, "ReluSquareFn"));
  CHECK(torch::equal(y, y_ref));  // the same single rounding of x²
  // Fused 2·√y·g: √ of a rounded square (u/2) and the products (≤ 2 roundings); the reference 2·x·g (1 rounding).
  const torch::Tensor gx_e = 2 * torch::relu(x.detach()) * g;
  check_within(grad_of(y, x, g), grad_of(y_ref, x, g), gamma(5, kU64) * gx_e.abs(), "dx");
  CHECK((grad_of(fused::relu_square(x, Impl::Aten), x, g).narrow(0, 0, 40) == 0).all().item<bool>());
}

TEST_CASE("fused softcap cross-entropy (ATen path) equals the reference in float64 for any chunking and reduction",
          "[nanochat][fused]") {
  torch::manual_seed(1504);
  const int64_t N = 37, C = 16, V = 29;
  // |z| reaches ~40: well into the softcap's saturation for softcap 15 and 3.
  const torch::Tensor h = (torch::randn({N, C}, torch::kFloat64) * 3).requires_grad_(true);
  const torch::Tensor w = torch::randn({V, C}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor targets = torch::randint(0, V, {N}, torch::kInt64);
  for (double softcap : {15.0, 3.0}) {
    for (int64_t chunk : {int64_t(1), int64_t(5), int64_t(37), int64_t(64), int64_t(0)}) {  // 5 does not divide 37
      for (const char* reduction : {"mean", "sum", "none"}) {
        INFO("softcap " << softcap << ", chunk " << chunk << ", " << reduction);
        const torch::Tensor g = std::string(reduction) == "none" ? torch::randn({N}, torch::kFloat64)
                                                                 : torch::full({}, 0.75, torch::kFloat64);
        fused::SoftcapCeOptions opt;
        opt.softcap = softcap, opt.reduction = reduction, opt.chunk_rows = chunk;
        const torch::Tensor loss = fused::softcap_cross_entropy(h, w, targets, opt, Impl::Aten);
        const torch::Tensor ref = fused::reference::softcap_cross_entropy(h, w, targets, softcap, reduction);
        CHECK(made_by(loss, "SoftcapCeFn"));
        CHECK(loss.scalar_type() == torch::kFloat64);
        const auto gf = torch::autograd::grad({loss}, {h, w}, {g});
        const auto gr = torch::autograd::grad({ref}, {h, w}, {g});
        // Both are float64 evaluations of the same quantities: each within CeExact's bound (u = 2^-53 everywhere).
        const CeExact e = ce_exact(h, w, targets, softcap, reduction, g, kU64, kU64);
        check_within(loss, ref, 2 * e.tol_loss, "loss");
        check_within(gf[0], gr[0], 2 * e.tol_dh, "dh");
        check_within(gf[1], gr[1], 2 * e.tol_dw, "dw");
      }
    }
  }
}

TEST_CASE("fused softcap cross-entropy matches a loop-by-loop evaluation of its formula", "[nanochat][fused]") {
  torch::manual_seed(1505);
  const int64_t N = 6, C = 4, V = 5;
  const double s = 3;
  const torch::Tensor h = (torch::randn({N, C}, torch::kFloat64) * 2).requires_grad_(true);
  const torch::Tensor w = torch::randn({V, C}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor targets = torch::randint(0, V, {N}, torch::kInt64);
  const auto H = h.accessor<double, 2>(), W = w.accessor<double, 2>();
  const auto t = targets.accessor<int64_t, 1>();
  // loss_i = log Σ_j exp(s·tanh(z_ij/s)) − s·tanh(z_i,t(i)/s), z = h wᵀ; ∂loss_i/∂z_ij = (softmax_j − [j = t(i)])·
  // (1 − tanh²(z_ij/s)); summed over rows with weights dl_i = 1 (sum).
  std::vector<double> loss(N);
  torch::Tensor dh = torch::zeros({N, C}, torch::kFloat64), dw = torch::zeros({V, C}, torch::kFloat64);
  auto DH = dh.accessor<double, 2>(), DW = dw.accessor<double, 2>();
  for (int64_t i = 0; i < N; ++i) {
    std::vector<double> th(V), c(V);
    double m = -INFINITY;
    for (int64_t j = 0; j < V; ++j) {
      double z = 0;
      for (int64_t k = 0; k < C; ++k) z += H[i][k] * W[j][k];
      th[j] = std::tanh(z / s), c[j] = s * th[j], m = std::max(m, c[j]);
    }
    double sum = 0;
    for (int64_t j = 0; j < V; ++j) sum += std::exp(c[j] - m);
    const double lse = m + std::log(sum);
    loss[i] = lse - c[t[i]];
    for (int64_t j = 0; j < V; ++j) {
      const double dz = (std::exp(c[j] - lse) - (j == t[i] ? 1.0 : 0.0)) * (1 - th[j] * th[j]);
      for (int64_t k = 0; k < C; ++k) DH[i][k] += dz * W[j][k], DW[j][k] += dz * H[i][k];
    }
  }
  fused::SoftcapCeOptions opt;
  opt.softcap = s, opt.reduction = "none", opt.chunk_rows = 4;  // two chunks, the second short
  const torch::Tensor rows = fused::softcap_cross_entropy(h, w, targets, opt, Impl::Aten);
  const torch::Tensor ones = torch::ones({N}, torch::kFloat64);
  const auto gr = torch::autograd::grad({rows}, {h, w}, {ones});
  const CeExact e = ce_exact(h, w, targets, s, "none", ones, kU64, kU64);
  check_within(rows, torch::tensor(loss, torch::kFloat64), 2 * e.tol_loss, "per-row loss vs loops");
  check_within(gr[0], dh, 2 * e.tol_dh, "dh vs loops");
  check_within(gr[1], dw, 2 * e.tol_dw, "dw vs loops");
  // mean and sum are that vector averaged and summed.
  opt.reduction = "mean";
  const double mean = fused::softcap_cross_entropy(h, w, targets, opt, Impl::Aten).item<double>();
  opt.reduction = "sum";
  const double total = fused::softcap_cross_entropy(h, w, targets, opt, Impl::Aten).item<double>();
  double expect = 0;
  for (double l : loss) expect += l;
  CHECK(std::abs(total - expect) <= 2 * e.tol_loss.sum().item<double>() + gamma(N, kU64) * std::abs(expect));
  const double tol_sum = 2 * e.tol_loss.sum().item<double>();
  CHECK(std::abs(mean - expect / N) <= (tol_sum + gamma(N + 1, kU64) * std::abs(expect)) / N);
}

TEST_CASE("fused softcap cross-entropy: gradients in the dtypes of h and w", "[nanochat][fused]") {
  torch::manual_seed(1506);
  const torch::Tensor h = torch::randn({9, 8}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor w = torch::randn({11, 8}, torch::kFloat32).requires_grad_(true);  // cast to h's dtype inside
  const torch::Tensor targets = torch::randint(0, 11, {9}, torch::kInt64);
  fused::SoftcapCeOptions opt;
  opt.chunk_rows = 4;
  const auto g = torch::autograd::grad({fused::softcap_cross_entropy(h, w, targets, opt, Impl::Aten)}, {h, w});
  CHECK(g[0].scalar_type() == torch::kFloat64);
  CHECK(g[1].scalar_type() == torch::kFloat32);
  const auto gr =
      torch::autograd::grad({fused::reference::softcap_cross_entropy(h, w, targets, 15, "mean")}, {h, w});
  // dw is accumulated in float64 (the matmul dtype) and rounded once to float32 in both.
  CHECK(((g[1] - gr[1]).abs() <= 2 * kU32 * gr[1].abs() + 1e-12).all().item<bool>());
  // Only w needs a gradient: h's is not computed.
  const torch::Tensor hc = h.detach();
  const auto gw = torch::autograd::grad({fused::softcap_cross_entropy(hc, w, targets, opt, Impl::Aten)}, {w});
  CHECK(torch::allclose(gw[0], g[1]));
}

// ---- float32 and bfloat16 on the CPU: what the kernels must also meet ------------------------------------------

TEST_CASE("fused ops in float32 and bfloat16 on the CPU (ATen path) stay within the derived rounding bounds",
          "[nanochat][fused]") {
  namespace chk = muonlab::testing::fused_checks;
  const torch::Device cpu(torch::kCPU);
  for (torch::ScalarType dt : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(1507);
    chk::check_rms_norm(cpu, dt, Impl::Aten, 33, 768);
    chk::check_rms_norm(cpu, dt, Impl::Aten, 10, 100, /*offset=*/1);
    chk::check_rope_qk_norm(cpu, dt, Impl::Aten, 2, 9, 3, 128);
    chk::check_rope_qk_norm(cpu, dt, Impl::Aten, 1, 4, 2, 6);
    chk::check_relu_square(cpu, dt, Impl::Aten, 1000, /*offset=*/3);
    // z = h·wᵀ with std ≈ 1.2 and |z| up to ~5 against softcap 4: the cap bends the logits.
    chk::check_softcap_ce(cpu, dt, Impl::Aten, 300, 64, 1000, 4.0, 128, "mean", 1.0, 0.15);
    chk::check_softcap_ce(cpu, dt, Impl::Aten, 77, 32, 257, 15.0, 0, "none", 2.0, 0.5);
  }
}

// ---- dispatch, options and bad input --------------------------------------------------------------------------

TEST_CASE("fused dispatch: MUONLAB_FUSED and Impl choose the implementation", "[nanochat][fused]") {
  const torch::Tensor x = torch::randn({4, 8}).requires_grad_(true);
  {
    EnvGuard env("MUONLAB_FUSED", nullptr);
    CHECK(fused::enabled_by_env());
    CHECK(fused::resolve(Impl::Auto, x) == Impl::Reference);  // a CPU tensor: the model's own math
    CHECK_FALSE(made_by(fused::rms_norm(x), "RmsNormFn"));
    CHECK(fused::resolve(Impl::Aten, x) == Impl::Aten);  // the ATen path when asked for
    CHECK(made_by(fused::rms_norm(x, Impl::Aten), "RmsNormFn"));
  }
  {
    EnvGuard env("MUONLAB_FUSED", "0");
    CHECK_FALSE(fused::enabled_by_env());
    CHECK(fused::resolve(Impl::Auto, x) == Impl::Reference);
    CHECK(fused::resolve(Impl::Aten, x) == Impl::Aten);  // an explicit choice wins
  }
  {
    EnvGuard env("MUONLAB_FUSED", "1");
    CHECK(fused::enabled_by_env());
    CHECK(fused::resolve(Impl::Auto, x) == Impl::Reference);
  }
  {
    EnvGuard env("MUONLAB_FUSED", "yes");
    CHECK_THROWS_WITH(fused::resolve(Impl::Auto, x), Contains("MUONLAB_FUSED must be 0"));
  }
  // The kernels never run on a CPU tensor.
  CHECK_THROWS_WITH(fused::rms_norm(x, Impl::Kernel), Contains("fused kernel requested but"));
#ifdef MUONLAB_HAVE_CUDA_KERNELS
  CHECK(fused_ops_available());
#else
  CHECK_FALSE(fused_ops_available());
#endif
}

TEST_CASE("fused softcap cross-entropy: rows per chunk", "[nanochat][fused]") {
  fused::SoftcapCeOptions opt;
  CHECK(fused::softcap_ce_chunk_rows(opt, 65536, 16384, 2) == 8192);  // 256 MiB of bf16 logits at the gpu preset
  CHECK(fused::softcap_ce_chunk_rows(opt, 100, 16384, 2) == 100);     // never more than N
  CHECK(fused::softcap_ce_chunk_rows(opt, 10, std::int64_t(1) << 30, 4) == 1);  // at least one row
  opt.chunk_rows = 5;
  CHECK(fused::softcap_ce_chunk_rows(opt, 37, 29, 8) == 5);
  opt.chunk_rows = -1;
  CHECK_THROWS_AS(fused::softcap_ce_chunk_rows(opt, 37, 29, 8), std::invalid_argument);
}

TEST_CASE("fused ops reject bad input with a clear message", "[nanochat][fused]") {
  CHECK_THROWS_WITH(fused::rms_norm(torch::ones({3}, torch::kInt64)), Contains("floating-point"));
  CHECK_THROWS_WITH(fused::rms_norm(torch::ones({3, 0})), Contains("last dimension"));
  CHECK_THROWS_WITH(fused::relu_square(torch::Tensor()), Contains("undefined"));
  const auto [cos, sin] = rope_tables(5, 8);
  CHECK_THROWS_WITH(fused::rope_qk_norm(torch::randn({1, 5, 2, 7}), cos, sin), Contains("D even"));
  CHECK_THROWS_WITH(fused::rope_qk_norm(torch::randn({1, 4, 2, 8}), cos, sin), Contains("(1, T, 1, D/2)"));
  CHECK_THROWS_WITH(fused::rope_qk_norm(torch::randn({5, 2, 8}), cos, sin), Contains("(B, T, H, D)"));

  const torch::Tensor h = torch::randn({6, 4}), w = torch::randn({5, 4});
  const torch::Tensor t = torch::randint(0, 5, {6}, torch::kInt64);
  fused::SoftcapCeOptions opt;
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, torch::full({6}, 5, torch::kInt64), opt),
                    Contains("targets must lie in [0, 5)"));
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, torch::full({6}, -1, torch::kInt64), opt),
                    Contains("targets must lie in [0, 5)"));
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, t.to(torch::kInt32), opt), Contains("int64"));
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, t.narrow(0, 0, 5), opt), Contains("targets must be (N)"));
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, torch::randn({5, 3}), t, opt), Contains("columns"));
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h.narrow(0, 0, 0), w, t.narrow(0, 0, 0), opt),
                    Contains("non-empty"));
  fused::SoftcapCeOptions bad = opt;
  bad.reduction = "avg";
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, t, bad), Contains("mean, sum or none"));
  bad = opt, bad.softcap = 0;
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, t, bad), Contains("softcap must be positive"));
  bad.softcap = std::nan("");
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, t, bad), Contains("softcap must be positive"));
  bad = opt, bad.chunk_rows = -3;
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, t, bad), Contains("chunk_rows"));
  // The reference refuses bad targets the same way (the range is checked before any path).
  CHECK_THROWS_WITH(fused::softcap_cross_entropy(h, w, torch::full({6}, 9, torch::kInt64), opt, Impl::Reference),
                    Contains("targets must lie"));
}

// ---- timings (hidden: run with "[fused-bench-cpu]") --------------------------------------------------------------

TEST_CASE("fused ops: CPU timings at the cpu preset's shapes, ATen path against reference", "[.][fused-bench-cpu]") {
  // Median wall time of 15 runs of forward + backward after 2 warm-ups (a shared machine: read the ratios).
  auto time_ms = [](const std::function<void()>& f) {
    for (int i = 0; i < 2; ++i) f();
    std::vector<double> ms;
    for (int i = 0; i < 15; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    return ms[ms.size() / 2];
  };
  auto report = [&](const char* what, const std::function<void(Impl)>& f) {
    const double a = time_ms([&] { f(Impl::Aten); }), r = time_ms([&] { f(Impl::Reference); });
    std::printf("%-48s aten %8.3f ms  reference %8.3f ms  (reference/aten %.2f)\n", what, a, r, r / a);
    CHECK(a > 0);
  };
  torch::manual_seed(1508);
  const int64_t B = 16, T = 128, C = 128, V = 2048;  // the cpu preset: 2048 tokens per step, one head of 128
  {
    const torch::Tensor x = torch::randn({B, T, 1, C}).requires_grad_(true), g = torch::randn_like(x);
    auto [cos, sin] = rope_tables(T, C);
    report("rope_qk_norm (16, 128, 1, 128) fwd+bwd",
           [&](Impl i) { torch::autograd::grad({fused::rope_qk_norm(x, cos, sin, i)}, {x}, {g}); });
  }
  {
    const torch::Tensor x = torch::randn({B * T, C}).requires_grad_(true), g = torch::randn_like(x);
    report("rms_norm (2048, 128) fwd+bwd", [&](Impl i) { torch::autograd::grad({fused::rms_norm(x, i)}, {x}, {g}); });
  }
  {
    const torch::Tensor x = torch::randn({B * T, 4 * C}).requires_grad_(true), g = torch::randn_like(x);
    report("relu_square (2048, 512) fwd+bwd",
           [&](Impl i) { torch::autograd::grad({fused::relu_square(x, i)}, {x}, {g}); });
  }
  {
    const torch::Tensor h = torch::randn({B * T, C}).requires_grad_(true);
    const torch::Tensor w = (torch::randn({V, C}) * 0.05).requires_grad_(true);
    const torch::Tensor t = torch::randint(0, V, {B * T}, torch::kInt64);
    report("softcap_cross_entropy 2048 x 2048 (C 128) fwd+bwd", [&](Impl i) {
      torch::autograd::grad({fused::softcap_cross_entropy(h, w, t, {}, i)}, {h, w});
    });
  }
}
