// The CUDA numerics (bf16 matmuls with fp32 master weights, bf16 Newton–Schulz) exercised on the CPU, where LibTorch
// runs bfloat16 too: the GPU path's dtypes, gradients and error sizes are checked before any GPU is at hand.
// bf16 keeps 8 significand bits: unit roundoff u = 2^-8.
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "small_model.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace muonlab::nanochat;
using muonlab::testing::small_model_config;

namespace {
constexpr double kU = 1.0 / 256;  // bf16 unit roundoff
}  // namespace

TEST_CASE("bf16 linear: within the rounding bound of its inputs, and really in bf16", "[nanochat][bf16]") {
  torch::manual_seed(21);
  const std::int64_t n = 96;  // inner dimension
  const torch::Tensor x = torch::randn({8, n}), w = torch::randn({32, n});
  const torch::Tensor y16 = linear(x, w, /*bf16=*/true);
  CHECK(y16.scalar_type() == torch::kBFloat16);
  const torch::Tensor y = linear(x.to(torch::kFloat64), w.to(torch::kFloat64), false);
  // Rounding x and w costs ≤ (2u + u²)·|x||w|ᵀ, the float32 accumulation ≤ n·2^-24·|x||w|ᵀ, rounding the result to
  // bf16 ≤ u·|y16|. Elementwise, so a wrong transposition or an accumulation in bf16 of a long sum would show.
  const torch::Tensor mag = torch::matmul(x.abs().to(torch::kFloat64), w.abs().to(torch::kFloat64).t());
  const torch::Tensor bound = (2 * kU + kU * kU + n * std::ldexp(1.0, -24)) * mag +
                              kU * y16.to(torch::kFloat64).abs();
  const torch::Tensor err = (y16.to(torch::kFloat64) - y).abs();
  CHECK((err <= bound).all().item<bool>());
  // It is not a float32 product in disguise: the error is far above float32's (≈ 1e-6 relative).
  CHECK((err / mag).max().item<double>() > 1e-4);
}

TEST_CASE("bf16 model: float32 logits and master-weight gradients, close to the float32 model", "[nanochat][bf16]") {
  torch::manual_seed(22);
  GPT m32(small_model_config());
  // The zero-initialized head and projections would make both logits zero: give them weights to carry.
  {
    torch::NoGradGuard ng;
    for (auto& p : m32->parameters()) p.normal_(0, 0.05);
  }
  GPT m16(small_model_config());
  {
    torch::NoGradGuard ng;
    auto src = m32->parameters(), dst = m16->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  m16->mode.bf16 = true;  // what to_device(kCUDA) switches on
  const torch::Tensor idx = torch::randint(0, 97, {4, 16}, torch::kInt64);
  const torch::Tensor tgt = torch::randint(0, 97, {4, 16}, torch::kInt64);
  const torch::Tensor l32 = m32->forward(idx), l16 = m16->forward(idx);
  CHECK(l16.scalar_type() == torch::kFloat32);
  // Each block rounds to bf16 about 5 times on any path (Q/K/V, attention out, MLP up, MLP down, and the attention
  // matmuls), plus the head: about 12 roundings at depth 2, each ≤ u relative, and every map after them is
  // (nearly) norm-preserving here (RMSNorm, softcap is 1-Lipschitz): ≤ 12u ≈ 0.05 of the logits' norm to first order.
  const double rel = ((l16 - l32).norm() / l32.norm()).item<double>();
  INFO("relative logit difference " << rel);
  CHECK(rel < 12 * kU);
  CHECK(rel > 0);  // and it did run in bf16
  m16->loss(idx, tgt).backward();
  for (const auto& p : m16->named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
    CHECK(p.value().grad().scalar_type() == torch::kFloat32);  // fp32 master weights get fp32 gradients
    CHECK(torch::isfinite(p.value().grad()).all().item<bool>());
  }
}

TEST_CASE("bf16 Newton-Schulz lands in NS5's band, near the float32 result", "[nanochat][bf16]") {
  torch::manual_seed(23);
  const NsCoefficients sch = ns_coefficients("ns5");
  for (auto shape : {std::pair<int, int>{24, 40}, {40, 24}}) {
    // Singular values in [0.2, 1] (times a scale NS must ignore): after normalization by ‖G‖F they start at ≥ 0.04
    // and NS5 multiplies small values by ≈ 3.4 per step, so five steps bring all of them into the band.
    const int k = std::min(shape.first, shape.second);
    const torch::Tensor u = std::get<0>(at::linalg_qr(torch::randn({shape.first, k}, torch::kFloat64)));
    const torch::Tensor v = std::get<0>(at::linalg_qr(torch::randn({shape.second, k}, torch::kFloat64)));
    const torch::Tensor s = torch::linspace(0.2, 1.0, k, torch::kFloat64);
    const torch::Tensor g = (torch::matmul(u * s, v.t()) * 1e3).to(torch::kFloat32);
    const torch::Tensor o16 = newton_schulz(g, sch, /*bf16=*/true), o32 = newton_schulz(g, sch, false);
    CHECK(o16.scalar_type() == torch::kFloat32);  // returned in the gradient's dtype
    const torch::Tensor sv = at::linalg_svdvals(o16.to(torch::kFloat64));
    // NS5's certified band is [0.6818, 1.1344] (muonlab pe certify / ns). In bf16 each of the 3 products of a step
    // adds ≤ ~u relative error, amplified by |p'| ≤ 3.4445 on the way up: over 5 steps ≤ 5·3·3.4445·u ≈ 0.2.
    const double slack = 5 * 3 * 3.4445 * kU;
    CHECK(sv.min().item<double>() > 0.6818 - slack);
    CHECK(sv.max().item<double>() < 1.1344 + slack);
    CHECK(((o16 - o32).norm() / o32.norm()).item<double>() < slack);
  }
}

TEST_CASE("bf16 SDPA attention is within bf16 rounding of the float64 reference", "[nanochat][bf16][attention]") {
  torch::manual_seed(24);
  const torch::Tensor q = torch::randn({2, 2, 64, 32}, torch::kFloat64), k = torch::randn_like(q),
                      v = torch::randn_like(q);
  const torch::Tensor ref = causal_attention_reference(q, k, v);
  const torch::Tensor got = causal_attention(q.to(torch::kBFloat16), k.to(torch::kBFloat16), v.to(torch::kBFloat16));
  CHECK(got.scalar_type() == torch::kBFloat16);
  // Rounding q, k to bf16 perturbs a score s = q·k/√D by ≤ (2u + u²)·‖q_i‖‖k_j‖/√D (Cauchy–Schwarz); a softmax
  // moves its weights by ≤ 2·max|Δs| in the 1-norm (to first order), so the output moves by ≤ 2·max|Δs|·max|v|; then
  // rounding v, the weights (flash keeps P in bf16) and the output add ≤ 3u·max|v|. A factor 1.5 covers the second
  // order. On average the error is far smaller: the relative Frobenius error is checked against 8u.
  const double u = 1.0 / 256, vmax = v.abs().max().item<double>();
  const double qn = q.norm(2, {-1}).max().item<double>(), kn = k.norm(2, {-1}).max().item<double>();
  const double ds = (2 * u + u * u) * qn * kn / std::sqrt(32.0);
  const double worst = 1.5 * (2 * ds + 3 * u) * vmax;
  const torch::Tensor err = (got.to(torch::kFloat64) - ref).abs();
  INFO("max error " << err.max().item<double>() << " bound " << worst);
  CHECK(err.max().item<double>() < worst);
  CHECK(((got.to(torch::kFloat64) - ref).norm() / ref.norm()).item<double>() < 8 * u);
}
