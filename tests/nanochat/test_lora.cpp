// LoRA adapters (nanochat/lora.hpp): the step-0 identities of both inits, merging, freezing, routing, and the
// rank of the update, on a small random model (no data needed).
#include "nanochat/lora.hpp"
#include "nanochat/optimizer_names.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using namespace muonlab::nanochat;

namespace {

// A depth-1 model of width 64 with every matrix random (the zero-initialised head and output projections are filled
// too, so every target matters for the output).
GPT random_model(std::uint64_t seed = 3) {
  torch::manual_seed(seed);
  ModelConfig c;
  c.depth = 1, c.vocab_size = 96, c.seq_len = 16;
  GPT m(c);
  torch::NoGradGuard no_grad;
  for (auto& p : m->parameters())
    if (p.dim() == 2 && p.abs().max().item<double>() == 0) p.normal_(0.0, 0.1);
  return m;
}

torch::Tensor tokens(int b = 3, int t = 16) { return torch::randint(0, 96, {b, t}, torch::kInt64); }

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

LoraConfig config(int rank, const std::string& init = "lora") {
  LoraConfig c;
  c.rank = rank, c.init = init;
  return c;
}

}  // namespace

TEST_CASE("LoRA with B = 0 leaves the forward unchanged, bit for bit", "[nanochat][lora]") {
  GPT m = random_model();
  const torch::Tensor idx = tokens();
  torch::NoGradGuard no_grad;
  const torch::Tensor before = m->forward(idx);
  const auto names_before = m->named_parameters().keys();
  auto targets = attach_lora(m, config(4));
  REQUIRE(targets.size() == 6);  // Q, K, V, O, MLP up, MLP down of one block
  for (const auto& t : targets) CHECK(t.adapter->B.abs().max().item<double>() == 0);
  // x Wᵀ + s·(x Aᵀ)·0ᵀ adds exact zeros: no rounding at all.
  CHECK(torch::equal(m->forward(idx), before));
  // Adapters are not registered: the parameter names (and so model files) are those of the plain model.
  CHECK(m->named_parameters().keys() == names_before);
  CHECK(lora_scale(config(4)) == 4.0);  // α/r = 16/4
  LoraConfig rs = config(4);
  rs.rslora = true;
  CHECK(lora_scale(rs) == 8.0);  // α/√r = 16/2
}

TEST_CASE("PiSSA: B A is the best rank-r approximation and the model is unchanged to float rounding",
          "[nanochat][lora]") {
  GPT m = random_model();
  const torch::Tensor idx = tokens();
  torch::NoGradGuard no_grad;
  const torch::Tensor before = m->forward(idx);
  std::map<std::string, torch::Tensor> w0;
  for (const auto& nm : hidden_matrices(m)) w0[nm.name] = nm.weight.detach().to(torch::kFloat64).clone();
  const int r = 5;
  auto targets = attach_lora(m, config(r, "pissa"));
  for (const auto& t : targets) {
    const torch::Tensor w = w0.at(t.name);
    const torch::Tensor sigma = at::linalg_svdvals(w);
    const torch::Tensor ba = t.adapter->delta64();  // s·B A from the float32 factors
    // Eckart–Young: ‖W − W_r‖F² = Σ_{i>r} σ_i² and ‖W − W_r‖2 = σ_{r+1} for the best rank-r approximation W_r.
    const double tail_f = sigma.narrow(0, r, sigma.size(0) - r).pow(2).sum().sqrt().item<double>();
    const double sigma_r1 = sigma[r].item<double>();
    const torch::Tensor resid = w - ba;
    // A and B are rounded to float32 (relative 6e-8 per entry); the products then differ from the exact W_r by
    // ~1e-7·‖W‖: 1e-5·σ₁ leaves a 100× margin.
    const double tol = 1e-5 * sigma[0].item<double>();
    CHECK(std::abs(resid.norm().item<double>() - tail_f) <= tol);
    CHECK(std::abs(at::linalg_svdvals(resid)[0].item<double>() - sigma_r1) <= tol);
    CHECK(at::linalg_svdvals(ba).narrow(0, r, sigma.size(0) - r).max().item<double>() <= tol);  // rank r
    // The frozen base is the residual W − s·B A (rounded once to float32).
    CHECK(max_abs_diff(t.weight.to(torch::kFloat64), resid) <= 1e-6 * sigma[0].item<double>());
  }
  // The forward: every map computes x(W − sBA)ᵀ + s(xAᵀ)Bᵀ instead of xWᵀ, in float32 (unit roundoff 6e-8).
  // Accumulating ≤ 256 products, the worst case is 256·6e-8 ≈ 1.5e-5 relative per map, ~8e-5 on logits of size ≤ 5;
  // rounding errors that add like a random walk give √256·6e-8·5 ≈ 5e-6; measured: 1.7e-6. The bound 5e-5 sits
  // between, and far below what any real change does (a wrong split of W moves logits by ~1e-1).
  const double diff = max_abs_diff(m->forward(idx), before);
  INFO("PiSSA step-0 logit change " << diff);
  CHECK(diff <= 5e-5);
}

TEST_CASE("merging gives the adapted forward; unmerged, the base gets no gradient", "[nanochat][lora]") {
  GPT m = random_model();
  const torch::Tensor idx = tokens(), tgt = tokens();
  std::map<std::string, torch::Tensor> base;
  for (const auto& p : m->named_parameters()) base[p.key()] = p.value().detach().clone();
  auto targets = attach_lora(m, config(3));
  {
    torch::NoGradGuard no_grad;
    for (auto& t : targets) t.adapter->B.normal_(0.0, 0.05);  // a non-zero update
  }
  // Gradients: only A and B receive them.
  torch::Tensor loss = m->loss(idx, tgt);
  loss.backward();
  for (const auto& p : m->named_parameters()) {
    INFO(p.key());
    CHECK_FALSE(p.value().requires_grad());
    CHECK_FALSE(p.value().grad().defined());
  }
  for (const auto& t : targets) {
    REQUIRE(t.adapter->A.grad().defined());
    REQUIRE(t.adapter->B.grad().defined());
    CHECK(t.adapter->B.grad().abs().max().item<double>() > 0);
  }
  torch::Tensor adapted;
  {
    torch::NoGradGuard no_grad;
    adapted = m->forward(idx);
  }
  // The merged model: W ← W + s·B A rounded once to float32; the two computations differ by float32 rounding of
  // sums of ≤ 256 products: as for PiSSA above, ≤ ~8e-5 in the worst case, ~5e-6 typically, measured 1.9e-6;
  // bound 5e-5.
  std::vector<torch::Tensor> updates;
  for (const auto& t : targets) updates.push_back(lora_update(t));
  merge_lora(targets);
  for (const auto& nm : hidden_matrices(m)) CHECK_FALSE(*nm.adapter);
  torch::NoGradGuard no_grad;
  const double diff = max_abs_diff(m->forward(idx), adapted);
  INFO("merged vs adapted logit change " << diff);
  CHECK(diff <= 5e-5);
  // The merged weights are base + ΔW.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const torch::Tensor merged = targets[i].weight.to(torch::kFloat64);
    const torch::Tensor expect = base.at(targets[i].name).to(torch::kFloat64) + updates[i];
    CHECK(max_abs_diff(merged, expect) <= 1e-6);  // one float32 rounding of entries of size ≤ ~1
  }
}

TEST_CASE("LoRA training steps move only A and B, and ΔW has rank at most r", "[nanochat][lora]") {
  for (const bool a_adamw : {false, true}) {
    for (const char* rule_name : {"muon", "adam"}) {
      GPT m = random_model();
      std::map<std::string, torch::Tensor> base;
      for (const auto& p : m->named_parameters()) base[p.key()] = p.value().detach().clone();
      const int r = 2;
      auto targets = attach_lora(m, config(r));
      const Rule rule = matrix_rule(torch_rule_id(rule_name));
      const auto routes = lora_routing(targets, rule, 0.02, a_adamw);
      REQUIRE(routes.size() == 2 * targets.size());
      for (const auto& rt : routes) {
        const bool is_a = rt.name.find(".lora_A") != std::string::npos;
        CHECK(rt.rule == ((is_a && a_adamw) ? Rule::AdamW : rule));
        CHECK(rt.base_lr == 0.02);
      }
      TrainConfig tc;
      tc.optimizer = torch_rule_id(rule_name);
      ModelOptimizer opt(routes, tc, false);
      std::vector<torch::Tensor> before_a;
      for (const auto& t : targets) before_a.push_back(t.adapter->A.detach().clone());
      for (int step = 0; step < 4; ++step) {
        const torch::Tensor idx = tokens(), tgt = tokens();
        m->loss(idx, tgt).backward();
        opt.step(1.0, 0.95);
        opt.zero_grad();
      }
      INFO(rule_name << (a_adamw ? " (A on AdamW)" : ""));
      for (const auto& p : m->named_parameters()) CHECK(torch::equal(p.value(), base.at(p.key())));  // frozen
      bool moved = false;
      for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        moved = moved || !torch::equal(t.adapter->A, before_a[i]);
        const torch::Tensor dw = lora_update(t);  // s·B A in float64: rank ≤ r exactly, up to float64 rounding
        const torch::Tensor sv = at::linalg_svdvals(dw);
        REQUIRE(sv[0].item<double>() > 0);
        CHECK(sv.narrow(0, r, sv.size(0) - r).max().item<double>() <= 1e-12 * sv[0].item<double>());
        const double srank = (sv.pow(2).sum() / sv[0].pow(2)).item<double>();
        CHECK(srank <= r + 1e-9);
      }
      CHECK(moved);  // after the first step B ≠ 0, so A gets gradient and moves
    }
  }
}

TEST_CASE("attach_lora rejects bad configurations", "[nanochat][lora]") {
  GPT m = random_model();
  CHECK_THROWS_AS(attach_lora(m, config(0)), std::invalid_argument);
  CHECK_THROWS_AS(attach_lora(m, config(65)), std::invalid_argument);  // width 64: min(out, in) = 64
  try {
    attach_lora(m, config(65));
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("exceeds min(out, in) = 64") != std::string::npos);
  }
  LoraConfig c = config(4);
  c.targets = {"Q", "gate"};
  try {
    attach_lora(m, c);
    FAIL("unknown target accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("unknown LoRA target 'gate'") != std::string::npos);
  }
  c.targets = {"Q", "Q"};
  CHECK_THROWS_AS(attach_lora(m, c), std::invalid_argument);
  c = config(4, "dora");
  CHECK_THROWS_AS(attach_lora(m, c), std::invalid_argument);
  // A subset of targets: only those matrices get adapters.
  GPT m2 = random_model();
  c = config(4);
  c.targets = {"V", "MLP_down"};
  const auto t = attach_lora(m2, c);
  REQUIRE(t.size() == 2);
  CHECK(t[0].kind == "V");
  CHECK(t[1].kind == "MLP_down");
  int attached = 0;
  for (const auto& nm : hidden_matrices(m2)) attached += *nm.adapter ? 1 : 0;
  CHECK(attached == 2);
}
