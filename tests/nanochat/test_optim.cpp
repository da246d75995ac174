// Torch optimizers and schedules (nanochat/optim.hpp) against REFERENCE §3 and §5.
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/optimizer_names.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace muonlab::nanochat;

namespace {
torch::Tensor randn64(std::int64_t m, std::int64_t n) { return torch::randn({m, n}, torch::kFloat64); }
double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }
}  // namespace

TEST_CASE("Newton-Schulz acts on singular values by the schedule's scalar map", "[nanochat][optim]") {
  torch::manual_seed(11);
  for (const char* name : {"ns5", "pe5", "pe-paper"}) {
    const NsCoefficients sch = ns_coefficients(name);
    for (auto shape : {std::pair<int, int>{24, 40}, {40, 24}}) {  // wide and tall (transposed internally)
      const torch::Tensor g = randn64(shape.first, shape.second);
      const torch::Tensor o = newton_schulz(g, sch);
      // Each step maps σ ↦ aσ + bσ³ + cσ⁵ and keeps the singular vectors: the singular values of NS(G) are the
      // scalar map of σ_i / (‖G‖F(1 + safety) + eps). In float64 the only error is rounding, amplified by at most
      // ~|a|^steps on the way (< 1e4 here), so 1e-9 is a comfortable bound.
      const torch::Tensor s = at::linalg_svdvals(g);
      torch::Tensor x = s / (g.norm().item<double>() * (1 + sch.safety) + sch.eps);
      for (const auto& st : sch.steps) x = x * (st[0] + x * x * (st[1] + st[2] * x * x));
      const torch::Tensor got = std::get<0>(at::sort(at::linalg_svdvals(o), 0, /*descending=*/true));
      const torch::Tensor want = std::get<0>(at::sort(x, 0, true));
      CHECK(max_abs_diff(got, want) < 1e-9);
    }
  }
  CHECK_THROWS_AS(ns_coefficients("ns7"), std::invalid_argument);
}

TEST_CASE("Keller (EMA) and Moonlight (classical) momentum give the same NS direction", "[nanochat][optim]") {
  // REFERENCE §3: EMA and classical momentum differ by the factor (1−β), which NS normalization removes up to ε.
  torch::manual_seed(12);
  MuonHyper keller, moon;
  moon.variant = "moonlight";
  torch::Tensor bk, bm;
  for (int t = 0; t < 5; ++t) {
    const torch::Tensor g = randn64(16, 32);
    const torch::Tensor uk = muon_momentum(g, bk, keller), um = muon_momentum(g, bm, moon);
    CHECK(max_abs_diff(uk, (1 - keller.momentum) * um) < 1e-13);  // u_keller = (1−β)·u_moonlight exactly in reals
    // The normalizers differ only through ε = 1e-7 against ‖u‖F ≈ 1..20: relative 1e-7, amplified < 10 by NS5.
    CHECK(max_abs_diff(newton_schulz(uk, keller.ns), newton_schulz(um, moon.ns)) < 1e-5);
  }
}

TEST_CASE("AdamW with beta1 = beta2 = 0 and eps = 0 is SignGD", "[nanochat][optim]") {
  // REFERENCE §3: m̂ = g, v̂ = g², √(g²) = |g| exactly in IEEE arithmetic, so the step is −lr·sign(g) exactly.
  torch::manual_seed(13);
  AdamWHyper h;
  h.beta1 = 0, h.beta2 = 0, h.eps = 0;
  torch::Tensor w = randn64(8, 5), m, v;
  const torch::Tensor w0 = w.clone(), g = randn64(8, 5);
  adamw_update(w, g, m, v, 1, 0.125, h);
  CHECK(torch::equal(w, w0 - 0.125 * torch::sign(g)));
}

TEST_CASE("Muon scales: Keller sqrt(max(1, m/n)), Moonlight 0.2 sqrt(max(m, n))", "[nanochat][optim]") {
  torch::manual_seed(14);
  for (const char* variant : {"keller", "moonlight"}) {
    MuonHyper h;
    h.variant = variant;
    h.nesterov = false;
    const torch::Tensor g = randn64(48, 12);  // tall: m/n = 4
    torch::Tensor w = torch::zeros({48, 12}, torch::kFloat64), buf;
    muon_update(w, g, buf, 1.0, h);
    // First step without Nesterov: u = (1−β)g (Keller) or g (Moonlight); NS is scale-free up to ε.
    const torch::Tensor o = newton_schulz(std::string(variant) == "keller" ? (1 - h.momentum) * g : g, h.ns);
    const double scale = std::string(variant) == "keller" ? std::sqrt(4.0) : 0.2 * std::sqrt(48.0);
    CHECK(max_abs_diff(w, -scale * o) < 1e-12);
  }
}

TEST_CASE("AdaMuon and NorMuon updates have their defining normalizations", "[nanochat][optim]") {
  torch::manual_seed(15);
  MuonHyper h;
  const torch::Tensor g = randn64(20, 30);
  {
    torch::Tensor w = torch::zeros({20, 30}, torch::kFloat64), buf, v;
    adamuon_update(w, g, buf, v, 1.0, h);
    // RMS alignment: RMS(Ô) = 0.2 exactly (up to rounding), REFERENCE §3.
    CHECK(w.pow(2).mean().sqrt().item<double>() == Approx(0.2).epsilon(1e-12));
  }
  {
    torch::Tensor w = torch::zeros({20, 30}, torch::kFloat64), buf, nu;
    normuon_update(w, g, buf, nu, 1.0, h, 0.95);
    torch::Tensor b2;
    const torch::Tensor o = newton_schulz(muon_momentum(g, b2, h), h.ns);
    // ‖Ô‖F = ‖O‖F·‖Ô‖F/(‖Ô‖F + 1e-10) with ‖Ô‖F ≈ 1e2, and the Keller scale √max(1, 20/30) = 1.
    CHECK(w.norm().item<double>() == Approx(o.norm().item<double>()).epsilon(1e-10));
    CHECK(nu.size(0) == 20);
    CHECK(nu.size(1) == 1);
  }
}

TEST_CASE("LR schedule and momentum warm-up follow nanochat", "[nanochat][optim]") {
  // Constant, then linear to 0 over the last 20% (REFERENCE §5).
  CHECK(lr_multiplier(0, 100, 0.2) == 1.0);
  CHECK(lr_multiplier(79, 100, 0.2) == 1.0);
  CHECK(lr_multiplier(80, 100, 0.2) == Approx(1.0));
  CHECK(lr_multiplier(90, 100, 0.2) == Approx(0.5));
  CHECK(lr_multiplier(100, 100, 0.2) == 0.0);
  // Momentum 0.85 → 0.95 over 300 steps.
  CHECK(muon_momentum_at(0, 0.85, 0.95, 300) == Approx(0.85));
  CHECK(muon_momentum_at(150, 0.85, 0.95, 300) == Approx(0.90));
  CHECK(muon_momentum_at(300, 0.85, 0.95, 300) == Approx(0.95));
  CHECK(muon_momentum_at(5000, 0.85, 0.95, 300) == Approx(0.95));
}

TEST_CASE("parameter routing and LR scaling follow nanochat", "[nanochat][optim]") {
  ModelConfig mc;
  mc.depth = 2, mc.vocab_size = 50, mc.seq_len = 8;
  GPT model(mc);
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
  for (const char* optimizer : {"muon", "adam"}) {
    TrainConfig tc;
    tc.optimizer = torch_rule_id(optimizer);
    ModelOptimizer opt(named, mc.n_embd(), tc, false);
    const double s = std::pow(128.0 / 768.0, -0.5);  // (n_embd/768)^−0.5
    int hidden = 0;
    for (const Slot& sl : opt.slots()) {
      if (sl.name == "wte.weight") {
        CHECK(sl.rule == Rule::AdamW);
        CHECK(sl.base_lr == Approx(0.2 * s));
      } else if (sl.name == "lm_head.weight") {
        CHECK(sl.rule == Rule::AdamW);
        CHECK(sl.base_lr == Approx(0.004 * s));
      } else {
        ++hidden;
        CHECK(sl.rule == (std::string(optimizer) == "muon" ? Rule::Muon : Rule::AdamW));
        CHECK(sl.base_lr == (std::string(optimizer) == "muon" ? 0.02 : 1e-3));
      }
    }
    CHECK(hidden == 12);
  }
}

TEST_CASE("optimizer state round-trips for a bit-identical continuation", "[nanochat][optim]") {
  for (const char* optimizer : {"muon", "adam", "adamuon", "normuon"}) {
    torch::manual_seed(16);
    const torch::Tensor w0 = randn64(6, 9), e0 = randn64(10, 6);
    auto make = [&](torch::Tensor& w, torch::Tensor& e) {
      w = w0.clone().requires_grad_(true), e = e0.clone().requires_grad_(true);
      TrainConfig tc;
      tc.optimizer = torch_rule_id(optimizer);
      return ModelOptimizer({{"h.0.attn.c_q.weight", w}, {"wte.weight", e}}, 64, tc, false);
    };
    torch::Tensor wa, ea, wb, eb;
    ModelOptimizer a = make(wa, ea);
    auto step = [](ModelOptimizer& o, torch::Tensor& w, torch::Tensor& e, int t) {
      torch::manual_seed(100 + t);
      ((w * torch::randn_like(w)).sum() + (e * torch::randn_like(e)).sum()).backward();
      o.step(1.0, 0.9);
      o.zero_grad();
    };
    for (int t = 0; t < 3; ++t) step(a, wa, ea, t);
    ModelOptimizer b = make(wb, eb);
    {
      torch::NoGradGuard ng;
      wb.copy_(wa), eb.copy_(ea);
    }
    b.load_state_dict(a.state_dict());
    for (int t = 3; t < 5; ++t) step(a, wa, ea, t), step(b, wb, eb, t);
    CHECK(torch::equal(wa, wb));
    CHECK(torch::equal(ea, eb));
  }
}

TEST_CASE("batched Newton-Schulz equals one matrix at a time", "[nanochat][optim][batched]") {
  torch::manual_seed(41);
  for (const char* name : {"ns5", "pe5"}) {
    const NsCoefficients sch = ns_coefficients(name);
    for (auto shape : {std::pair<int, int>{12, 20}, {20, 12}, {16, 16}}) {
      const torch::Tensor g = torch::randn({5, shape.first, shape.second}, torch::kFloat64);
      const torch::Tensor o = newton_schulz(g, sch);
      REQUIRE(o.sizes() == g.sizes());
      // The same arithmetic per matrix, only grouped into batched GEMMs: float64 rounding differences (~1e-16)
      // amplified by at most ~|a|^steps (< 1e4): 1e-11 is generous and still catches a shared norm or a mix-up.
      for (int i = 0; i < 5; ++i) CHECK(max_abs_diff(o[i], newton_schulz(g[i], sch)) < 1e-11);
    }
  }
}

TEST_CASE("the optimizer's batched path equals its per-matrix path for every rule", "[nanochat][optim][batched]") {
  // Three same-shape hidden matrices (one group), one of another shape, an embedding on AdamW (its own group), and
  // four steps: the grouped path (stacked state, batched NS, foreach AdamW) must follow the per-slot reference rules.
  for (const char* optimizer : {"muon", "adam", "adamuon", "normuon"}) {
    for (const char* variant : {"keller", "moonlight"}) {
      if (std::string(variant) == "moonlight" && std::string(optimizer) != "muon") continue;
      INFO(optimizer << " " << variant);
      torch::manual_seed(42);
      std::vector<torch::Tensor> init = {randn64(6, 9), randn64(6, 9), randn64(6, 9), randn64(9, 4), randn64(10, 6)};
      const std::vector<std::string> names = {"h.0.attn.c_q.weight", "h.0.attn.c_k.weight", "h.0.attn.c_v.weight",
                                              "h.0.mlp.c_fc.weight", "wte.weight"};
      auto make = [&](std::vector<torch::Tensor>& ws) {
        ws.clear();
        std::vector<std::pair<std::string, torch::Tensor>> named;
        for (std::size_t i = 0; i < init.size(); ++i) {
          ws.push_back(init[i].clone().requires_grad_(true));
          named.emplace_back(names[i], ws.back());
        }
        TrainConfig tc;
        tc.optimizer = torch_rule_id(optimizer), tc.muon_variant = variant, tc.weight_decay = 0.1;
        return ModelOptimizer(named, 64, tc, false);
      };
      std::vector<torch::Tensor> wa, wb;
      ModelOptimizer a = make(wa), b = make(wb);
      b.set_batched(false);
      for (int t = 0; t < 4; ++t) {
        for (auto* pair : {&wa, &wb}) {
          torch::manual_seed(200 + t);
          torch::Tensor loss = torch::zeros({}, torch::kFloat64);
          for (auto& w : *pair) loss = loss + (w * torch::randn_like(w)).sum() + 0.1 * w.pow(2).sum();
          loss.backward();
        }
        a.step(1.0, 0.9), b.step(1.0, 0.9);
        a.zero_grad(), b.zero_grad();
      }
      // Float64 rounding differences only (GEMM grouping, foreach vs per-tensor arithmetic order), amplified by NS.
      for (std::size_t i = 0; i < wa.size(); ++i) CHECK(max_abs_diff(wa[i], wb[i]) < 1e-10);
      // One group holds the three same-shape matrices.
      bool found = false;
      for (const SlotGroup& g : a.groups()) found = found || g.slots.size() == 3;
      CHECK(found);
      // The state round-trips through a checkpoint-shaped copy and the stacked path continues bit for bit.
      std::vector<torch::Tensor> wc;
      ModelOptimizer c = make(wc);
      {
        torch::NoGradGuard ng;
        for (std::size_t i = 0; i < wa.size(); ++i) wc[i].copy_(wa[i]);
      }
      c.load_state_dict(a.state_dict());
      for (auto* pair : {&wa, &wc}) {
        torch::manual_seed(300);
        torch::Tensor loss = torch::zeros({}, torch::kFloat64);
        for (auto& w : *pair) loss = loss + (w * torch::randn_like(w)).sum();
        loss.backward();
      }
      a.step(0.5, 0.95), c.step(0.5, 0.95);
      for (std::size_t i = 0; i < wa.size(); ++i) CHECK(torch::equal(wa[i], wc[i]));
    }
  }
}

TEST_CASE("clip_grad_norm matches torch's clip_grad_norm_ without reading the norm", "[nanochat][optim]") {
  torch::manual_seed(43);
  for (double max_norm : {0.5, 1e6}) {  // clipping and not clipping
    std::vector<torch::Tensor> a = {randn64(4, 5).requires_grad_(true), randn64(7, 2).requires_grad_(true)};
    std::vector<torch::Tensor> b = {a[0].detach().clone().requires_grad_(true),
                                    a[1].detach().clone().requires_grad_(true)};
    for (auto* ps : {&a, &b}) ((*ps)[0].pow(3).sum() + (*ps)[1].sin().sum()).backward();
    const torch::Tensor n = clip_grad_norm(a, max_norm);
    const double want = torch::nn::utils::clip_grad_norm_(b, max_norm);
    CHECK(n.item<double>() == Approx(want).epsilon(1e-14));
    for (int i = 0; i < 2; ++i) CHECK(max_abs_diff(a[i].grad(), b[i].grad()) < 1e-14);
  }
}
