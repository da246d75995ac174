// Distributed Muon and ZeRO-sharded AdamW (nanochat/dist_optim.hpp) on two Gloo ranks (threads, loopback) against
// the single-process ModelOptimizer fed the averaged gradient.
#include "nanochat/dist_optim.hpp"
#include "nanochat/optimizer_names.hpp"
#include "dist_threads.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace muonlab::nanochat;
using muonlab::testing::run_ranks;

namespace {

// A parameter set with every kind of group: three 8×8 matrices (a group of 3: with 2 ranks, one rank owns a zero
// padding matrix), two 16×8 (tall), one 8×16 (a group of 1), the embedding and the head (AdamW, 20×8 each; the
// flat AdamW shards cut through a matrix). float64 so that "equal" can mean equal.
// Ranks are threads here: every random tensor comes from its own generator, never from the shared default one.
torch::Tensor randn_seeded(torch::IntArrayRef shape, std::uint64_t seed) {
  return torch::randn(shape, at::make_generator<at::CPUGeneratorImpl>(seed), torch::kFloat64);
}

std::vector<std::pair<std::string, torch::Tensor>> make_params(std::uint64_t seed) {
  std::vector<std::pair<std::string, torch::Tensor>> p;
  auto add = [&](const std::string& name, std::int64_t m, std::int64_t n) {
    p.emplace_back(name, randn_seeded({m, n}, seed + 100 * p.size()).mul_(0.1).requires_grad_(true));
  };
  add("wte.weight", 20, 8);
  for (int i = 0; i < 3; ++i) add("h." + std::to_string(i) + ".attn.q.weight", 8, 8);
  for (int i = 0; i < 2; ++i) add("h." + std::to_string(i) + ".mlp.c_fc.weight", 16, 8);
  add("h.0.mlp.c_proj.weight", 8, 16);
  add("lm_head.weight", 20, 8);
  return p;
}

// Rank r's gradient of parameter i at step t (deterministic, different per rank).
torch::Tensor grad_of(int rank, std::size_t i, int step, const torch::Tensor& like) {
  return randn_seeded(like.sizes(), 1000 * std::uint64_t(step) + 10 * i + std::uint64_t(rank));
}

TrainConfig config(const std::string& optimizer) {
  TrainConfig tc;
  tc.optimizer = torch_rule_id(optimizer);
  tc.weight_decay = 0.01;  // exercise the decoupled decay on both paths
  return tc;
}

std::map<std::string, torch::Tensor> snapshot(const std::vector<std::pair<std::string, torch::Tensor>>& p) {
  std::map<std::string, torch::Tensor> m;
  for (const auto& [n, t] : p) m[n] = t.detach().clone();
  return m;
}

bool is_matrix(const std::string& name) { return name != "wte.weight" && name != "lm_head.weight"; }

// Single process: the same parameters, stepped with the mean of the two ranks' gradients ((g0 + g1)/2, which is
// what a sum over 2 ranks followed by ÷2 computes, bit for bit).
std::map<std::string, torch::Tensor> reference(const std::string& optimizer, int steps, double clip,
                                               std::map<std::string, torch::Tensor>* state = nullptr) {
  auto p = make_params(5);
  ModelOptimizer opt(p, 8, config(optimizer), false);
  DistOptimizer single(opt, nullptr);
  for (int t = 0; t < steps; ++t) {
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i].second.mutable_grad() = (grad_of(0, i, t, p[i].second) + grad_of(1, i, t, p[i].second)).div(2.0);
    single.step(0.7, 0.9, clip);
  }
  if (state) *state = single.state_dict();
  return snapshot(p);
}

}  // namespace

TEST_CASE("distributed Muon's update is the single-process one, for every rule", "[nanochat][dist_optim]") {
  torch::set_num_threads(1);
  for (const std::string optimizer : {"muon", "adamuon", "normuon", "adam"}) {
    INFO(optimizer);
    std::map<std::string, torch::Tensor> ref_state;
    const auto want = reference(optimizer, 3, 0, &ref_state);
    std::map<std::string, torch::Tensor> got, got_state;
    std::vector<std::vector<std::size_t>> owned(2);
    std::vector<std::map<std::string, torch::Tensor>> replicas(2);
    std::mutex mu;
    run_ranks(2, [&](Comm& c) {
      auto p = make_params(5);
      ModelOptimizer opt(p, 8, config(optimizer), false);
      DistOptimizer d(opt, std::shared_ptr<Comm>(&c, [](Comm*) {}));
      for (int t = 0; t < 3; ++t) {
        for (std::size_t i = 0; i < p.size(); ++i) p[i].second.mutable_grad() = grad_of(c.rank(), i, t, p[i].second);
        d.step(0.7, 0.9, 0);
      }
      const auto st = d.state_dict();  // collective: both ranks
      std::lock_guard<std::mutex> lock(mu);
      owned[std::size_t(c.rank())] = d.owned_slots();
      replicas[std::size_t(c.rank())] = snapshot(p);
      if (c.rank() == 0) got_state = st;
    });
    got = replicas[0];
    for (const auto& [n, t] : replicas[1]) CHECK(torch::equal(t, got.at(n)));  // the replicas agree, bit for bit
    // Each matrix is orthogonalized on exactly one rank (3 + 2 + 1 matrices, padded to 4 + 2 + 2 shares).
    if (optimizer != "adam") {
      CHECK(owned[0].size() + owned[1].size() == 6);
      CHECK(owned[0].size() == 4);  // 2 of the 8×8 group, 1 of the 16×8, the 8×16
    }
    for (const auto& [name, w] : want) {
      INFO(name);
      // The matrix rules see the same averaged gradient and run the same code on a sub-stack: equal to the last
      // bit. AdamW: the single-process path steps one matrix with adamw_update, the sharded one with the foreach
      // grouping (lr/bc1)·m/(√(v/bc2)+ε): a few float64 roundings per step, ≤ ~1e-15 relative to |W| ≈ 0.1…1.
      if (is_matrix(name) && optimizer != "adam") CHECK(torch::equal(got.at(name), w));
      else CHECK((got.at(name) - w).abs().max().item<double>() < 1e-13);
    }
    // The gathered state has the single-process names, shapes and values.
    CHECK(got_state.size() == ref_state.size());
    for (const auto& [k, v] : ref_state) {
      INFO(k);
      REQUIRE(got_state.count(k) == 1);
      CHECK(got_state.at(k).sizes() == v.sizes());
      CHECK((got_state.at(k).to(torch::kFloat64) - v.to(torch::kFloat64)).abs().max().item<double>() < 1e-12);
    }
  }
}

TEST_CASE("the clipped distributed step matches clip_grad_norm to rounding", "[nanochat][dist_optim]") {
  torch::set_num_threads(1);
  // clip 0.5 with gradient norms ≈ √(Σ numel) ≈ 30: every step clips. The norm is summed in another order (shares
  // in float64 vs per-tensor norms), a relative difference ≈ 1e-16 in the clip factor; Newton–Schulz is
  // scale-invariant up to its eps, AdamW nearly so: 1e-12 bounds the weights' difference with a wide margin.
  const auto want = reference("muon", 2, 0.5);
  std::map<std::string, torch::Tensor> got;
  double norm0 = 0;
  std::mutex mu;
  run_ranks(2, [&](Comm& c) {
    auto p = make_params(5);
    ModelOptimizer opt(p, 8, config("muon"), false);
    DistOptimizer d(opt, std::shared_ptr<Comm>(&c, [](Comm*) {}));
    double norm = 0;
    for (int t = 0; t < 2; ++t) {
      for (std::size_t i = 0; i < p.size(); ++i) p[i].second.mutable_grad() = grad_of(c.rank(), i, t, p[i].second);
      norm = d.step(0.7, 0.9, 0.5).item<double>();
    }
    std::lock_guard<std::mutex> lock(mu);
    if (c.rank() == 0) got = snapshot(p), norm0 = norm;
  });
  CHECK(norm0 > 0.5);  // the clip was active
  for (const auto& [name, w] : want) CHECK((got.at(name) - w).abs().max().item<double>() < 1e-12);
}

TEST_CASE("optimizer state moves between 1 and 2 ranks: resumed runs continue the same trajectory",
          "[nanochat][dist_optim]") {
  torch::set_num_threads(1);
  // 2 steps on one process, then 2 more on two ranks from its state, equals 4 steps on one process.
  const auto want = reference("normuon", 4, 0);
  std::map<std::string, torch::Tensor> state;
  auto p1 = make_params(5);
  {
    ModelOptimizer opt(p1, 8, config("normuon"), false);
    DistOptimizer single(opt, nullptr);
    for (int t = 0; t < 2; ++t) {
      for (std::size_t i = 0; i < p1.size(); ++i)
        p1[i].second.mutable_grad() = (grad_of(0, i, t, p1[i].second) + grad_of(1, i, t, p1[i].second)).div(2.0);
      single.step(0.7, 0.9, 0);
    }
    state = single.state_dict();
  }
  const auto weights = snapshot(p1);
  std::map<std::string, torch::Tensor> got, state2;
  std::size_t released = 0;
  std::mutex mu;
  run_ranks(2, [&](Comm& c) {
    auto p = make_params(5);
    {
      torch::NoGradGuard ng;
      for (auto& [n, t] : p) t.copy_(weights.at(n));
    }
    ModelOptimizer opt(p, 8, config("normuon"), false);
    DistOptimizer d(opt, std::shared_ptr<Comm>(&c, [](Comm*) {}));
    d.load_state_dict(state);
    for (int t = 2; t < 4; ++t) {
      for (std::size_t i = 0; i < p.size(); ++i) p[i].second.mutable_grad() = grad_of(c.rank(), i, t, p[i].second);
      d.step(0.7, 0.9, 0);
    }
    d.gather_into_base();  // what a checkpoint writes: the full state in the base optimizer
    const auto st = opt.state_dict();
    d.release_base_state();
    std::lock_guard<std::mutex> lock(mu);
    if (c.rank() == 0) got = snapshot(p), state2 = st, released = opt.state_dict().size();
  });
  CHECK(released == 8);  // only the 8 step counters are left in the base optimizer
  for (const auto& [name, w] : want) {
    INFO(name);
    CHECK((got.at(name) - w).abs().max().item<double>() < 1e-13);
  }
  // And back to one process: the 2-rank state loads into a single-process optimizer.
  auto p3 = make_params(5);
  ModelOptimizer opt3(p3, 8, config("normuon"), false);
  opt3.load_state_dict(state2);
  CHECK(opt3.state_dict().size() == state2.size());
  CHECK(torch::equal(opt3.state_dict().at("h.1.attn.q.weight.nu"), state2.at("h.1.attn.q.weight.nu")));
}
