// The NanoChat model (nanochat/model.hpp) against REFERENCE §5.
#include "nanochat/model.hpp"
#include "small_model.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

using namespace muonlab::nanochat;
using muonlab::testing::small_model_config;

TEST_CASE("depth sets width and heads", "[nanochat][model]") {
  ModelConfig c;
  c.depth = 4;
  CHECK(c.n_embd() == 256);
  CHECK(c.n_head() == 2);
  CHECK(c.actual_head_dim() == 128);
  c.depth = 1;
  CHECK(c.n_head() == 1);  // width 64 < 128: one head of 64
  CHECK(c.actual_head_dim() == 64);
  c.depth = 0;
  CHECK_THROWS_AS(c.validate(), std::invalid_argument);
}

TEST_CASE("zero inits make the initial loss exactly ln V", "[nanochat][model]") {
  torch::manual_seed(1);
  GPT model(small_model_config());
  // REFERENCE §5: LM head and both output projections start at zero.
  CHECK(model->lm_head->weight.abs().max().item<double>() == 0.0);
  for (const auto& m : hidden_matrices(model))
    if (m.kind == "O" || m.kind == "MLP_down") CHECK(m.weight.abs().max().item<double>() == 0.0);
  const torch::Tensor idx = torch::randint(0, 97, {3, 16}, torch::kInt64);
  // Zero head → all logits 0 → uniform prediction: loss = ln V up to float32 rounding of the log-softmax.
  const double loss = model->loss(idx, idx).item<double>();
  CHECK(loss == Approx(std::log(97.0)).epsilon(1e-6));
}

TEST_CASE("Linear init has the REFERENCE §5 standard deviation", "[nanochat][model]") {
  torch::manual_seed(2);
  ModelConfig c = small_model_config();
  c.depth = 4;  // width 256
  GPT model(c);
  for (const auto& m : hidden_matrices(model)) {
    if (m.kind == "O" || m.kind == "MLP_down") continue;
    const double fan_out = double(m.weight.size(0)), fan_in = double(m.weight.size(1));
    const double want = 1.0 / std::sqrt(fan_in) * std::min(1.0, std::sqrt(fan_out / fan_in));
    // A sample std over n ≥ 65536 normal entries has relative standard error 1/√(2n) < 0.3%; 2% is > 6 sigma.
    CHECK(m.weight.std().item<double>() == Approx(want).epsilon(0.02));
  }
  CHECK(model->wte->weight.std().item<double>() == Approx(1.0).epsilon(0.02));  // embedding N(0, 1)
}

TEST_CASE("the model is causal and its logits are softcapped", "[nanochat][model]") {
  torch::manual_seed(3);
  GPT model(small_model_config());
  {
    torch::NoGradGuard g;
    for (auto& p : model->parameters()) p.normal_(0.0, 0.5);  // make every path non-trivial
  }
  torch::Tensor idx = torch::randint(0, 97, {1, 16}, torch::kInt64);
  const torch::Tensor a = model->forward(idx);
  idx[0][10] = (idx[0][10].item<std::int64_t>() + 1) % 97;
  const torch::Tensor b = model->forward(idx);
  // Positions before the changed token see exactly the same inputs: bit-identical logits.
  CHECK(torch::equal(a.narrow(1, 0, 10), b.narrow(1, 0, 10)));
  CHECK_FALSE(torch::equal(a.narrow(1, 10, 6), b.narrow(1, 10, 6)));
  CHECK(a.abs().max().item<double>() < 15.0);  // softcap 15·tanh(z/15)
}

TEST_CASE("RMSNorm and RoPE preserve what they should", "[nanochat][model]") {
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({2, 5, 3, 8}) * 7.0;
  const torch::Tensor n = rms_norm(x);
  // Parameter-free RMSNorm: unit root-mean-square on the last axis (up to eps = 1.2e-7 relative to the mean square).
  CHECK(n.pow(2).mean(-1).sub(1).abs().max().item<double>() < 1e-5);
  // RoPE is a rotation of each (x_i, x_{i+D/2}) pair: norms are preserved, and q·k depends only on the offset.
  const torch::Tensor ang = torch::arange(5, torch::kFloat32).view({1, 5, 1, 1}) * torch::rand({1, 1, 1, 4});
  const torch::Tensor r = apply_rotary(x, ang.cos(), ang.sin());
  CHECK(torch::allclose(r.norm(2, -1), x.norm(2, -1), 1e-5, 1e-5));
  const torch::Tensor q = torch::randn({1, 1, 1, 8}).expand({1, 5, 1, 8});
  const torch::Tensor k = torch::randn({1, 1, 1, 8}).expand({1, 5, 1, 8});
  const torch::Tensor rq = apply_rotary(q, ang.cos(), ang.sin()), rk = apply_rotary(k, ang.cos(), ang.sin());
  const double d01 = (rq[0][1][0] * rk[0][0][0]).sum().item<double>();
  const double d12 = (rq[0][2][0] * rk[0][1][0]).sum().item<double>();
  CHECK(d01 == Approx(d12).epsilon(1e-5));
}

TEST_CASE("parameter counts split hidden, embedding and head", "[nanochat][model]") {
  GPT model(small_model_config());
  const ParamCount pc = count_parameters(model);
  CHECK(pc.embedding == 97 * 128);
  CHECK(pc.head == 97 * 128);
  CHECK(pc.hidden == 2 * 12 * 128 * 128);  // per block: Q, K, V, O (4·C²) + MLP (8·C²)
  CHECK(pc.total == pc.hidden + pc.embedding + pc.head);
  // The FLOP count is written from the config alone; it must agree with the weights the model really has.
  const ModelConfig mc = small_model_config();
  CHECK(flops_per_token(mc) == 6.0 * double(pc.hidden + pc.head) + 12.0 * mc.depth * mc.seq_len * mc.n_embd());
}

TEST_CASE("SDPA attention equals the written-out reference", "[nanochat][model][attention]") {
  torch::manual_seed(31);
  // In float64 both compute softmax(q kᵀ/√D + causal mask) v; they differ only in the order of operations. Each
  // output is a convex combination of v's rows: the difference is a few ulps of max|v| times the row length's
  // logarithm, far below 1e-12 here (|v| ≈ 3, T = 40).
  for (auto dims : {std::array<std::int64_t, 4>{2, 3, 40, 16}, {1, 1, 7, 8}}) {
    const torch::Tensor q = torch::randn({dims[0], dims[1], dims[2], dims[3]}, torch::kFloat64);
    const torch::Tensor k = torch::randn_like(q), v = torch::randn_like(q);
    const torch::Tensor a = causal_attention(q, k, v), r = causal_attention_reference(q, k, v);
    CHECK((a - r).abs().max().item<double>() < 1e-12);
    // Causality: the first position attends to itself only.
    CHECK((a.select(2, 0) - v.select(2, 0)).abs().max().item<double>() < 1e-12);
  }
  // The whole model: SDPA and the reference path give the same logits and gradients (float32: the residual stream
  // passes depth·2 blocks of float32 arithmetic; 1e-4 relative is ~1000 ulps, far below any real difference).
  ModelConfig c = small_model_config();
  torch::manual_seed(32);
  GPT a(c), b(c);
  {
    torch::NoGradGuard ng;
    auto src = a->parameters(), dst = b->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) src[i].normal_(0, 0.05), dst[i].copy_(src[i]);
  }
  b->mode.sdpa = false;
  const torch::Tensor idx = torch::randint(0, c.vocab_size, {3, 16}, torch::kInt64);
  const torch::Tensor la = a->forward(idx), lb = b->forward(idx);
  CHECK(((la - lb).norm() / lb.norm()).item<double>() < 1e-5);
  a->loss(idx, idx).backward();
  b->loss(idx, idx).backward();
  auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    CHECK(((pa[i].grad() - pb[i].grad()).norm() / (pb[i].grad().norm() + 1e-30)).item<double>() < 1e-4);
}

TEST_CASE("the fused ops give the model's loss and gradients", "[nanochat][model][fused]") {
  // ComputeMode::fused routes RoPE + QK-norm, RMSNorm, ReLU² and the loss through nanochat/fused_ops.hpp (on the CPU
  // its ATen path: the same algorithm the CUDA kernels run, chunked cross-entropy included). In float64 both paths
  // compute the same function; they differ only in rounding order, so the loss agrees to ~1e-13 relative and every
  // gradient to ~1e-10 relative (the backward passes through depth·2 blocks of float64 arithmetic).
  ModelConfig c = small_model_config();
  torch::manual_seed(33);
  GPT a(c), b(c);
  {
    torch::NoGradGuard ng;
    a->to(torch::kFloat64), b->to(torch::kFloat64);
    auto src = a->parameters(), dst = b->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) src[i].normal_(0, 0.05), dst[i].copy_(src[i]);
  }
  a->rope_cos = a->rope_cos.to(torch::kFloat64), a->rope_sin = a->rope_sin.to(torch::kFloat64);
  b->rope_cos = b->rope_cos.to(torch::kFloat64), b->rope_sin = b->rope_sin.to(torch::kFloat64);
  b->mode.fused = true, b->mode.fused_impl = fused::Impl::Aten;  // Auto would pick the reference on the CPU
  const torch::Tensor idx = torch::randint(0, c.vocab_size, {3, 16}, torch::kInt64);
  const torch::Tensor tgt = torch::randint(0, c.vocab_size, {3, 16}, torch::kInt64);
  for (const char* red : {"sum", "none"}) {
    const torch::Tensor la = a->loss(idx, tgt, red), lb = b->loss(idx, tgt, red);
    REQUIRE(la.sizes() == lb.sizes());
    CHECK(((la - lb).abs().max() / la.abs().max()).item<double>() < 1e-12);
  }
  a->loss(idx, tgt).backward();
  b->loss(idx, tgt).backward();
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].key());
    const torch::Tensor ga = pa[i].value().grad(), gb = pb[i].value().grad();
    REQUIRE(gb.defined());
    CHECK(((ga - gb).norm() / (ga.norm() + 1e-300)).item<double>() < 1e-10);
  }
  CHECK_THROWS_AS(a->loss(idx, tgt, "avg"), std::invalid_argument);
}
