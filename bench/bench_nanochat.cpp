// NanoChat pretraining step on the CPU (issue 7, bench/README.md): tokens per second of a full step (forward,
// backward, clip, optimizer) and the optimizer step alone, Muon versus AdamW on the same model, at the cpu preset's
// size (depth 2: width 128, one head; context 128; vocabulary 2048; 16 sequences = 2048 tokens per step).
// Threads: MUONLAB_BENCH_THREADS (default 2). Random tokens: the cost does not depend on the text.
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>

using namespace muonlab::nanochat;

namespace {

struct Setup {
  ModelConfig mc;
  TrainConfig tc;
  GPT model{nullptr};
  std::unique_ptr<ModelOptimizer> opt;
  torch::Tensor x, y;

  explicit Setup(const std::string& optimizer) {
    const char* th = std::getenv("MUONLAB_BENCH_THREADS");
    torch::set_num_threads(th ? std::atoi(th) : 2);
    apply_preset("cpu", mc, tc);
    tc.optimizer = optimizer;
    torch::manual_seed(1);
    model = GPT(mc);
    std::vector<std::pair<std::string, torch::Tensor>> named;
    for (const auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
    opt = std::make_unique<ModelOptimizer>(named, mc.n_embd(), tc, false);
    x = torch::randint(0, mc.vocab_size, {tc.batch_size, mc.seq_len}, torch::kInt64);
    y = torch::randint(0, mc.vocab_size, {tc.batch_size, mc.seq_len}, torch::kInt64);
  }
  void forward_backward() {
    model->loss(x, y).backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
  }
};

void BM_pretrain_step(benchmark::State& state, const std::string& optimizer) {
  Setup s(optimizer);
  s.forward_backward(), s.opt->step(1.0, 0.95), s.opt->zero_grad();  // warm-up (allocates the state)
  for (auto _ : state) {
    s.forward_backward();
    s.opt->step(1.0, 0.95);
    s.opt->zero_grad();
  }
  const double tokens = double(s.tc.batch_size) * s.mc.seq_len;
  state.counters["tokens/s"] = benchmark::Counter(tokens * double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_optimizer_step(benchmark::State& state, const std::string& optimizer) {
  Setup s(optimizer);
  s.forward_backward();  // one set of gradients, reused
  for (auto _ : state) s.opt->step(1.0, 0.95);
}

}  // namespace

BENCHMARK_CAPTURE(BM_pretrain_step, muon, std::string("muon"))->Unit(benchmark::kMillisecond)->MinTime(5.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_pretrain_step, adam, std::string("adam"))->Unit(benchmark::kMillisecond)->MinTime(5.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, muon, std::string("muon"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, adam, std::string("adam"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, normuon, std::string("normuon"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, adamuon, std::string("adamuon"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

BENCHMARK_MAIN();
