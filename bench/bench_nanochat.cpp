// NanoChat pretraining step (issue 7, bench/README.md): tokens per second of a full step (forward, backward, clip,
// optimizer) and the optimizer step alone, Muon versus AdamW on the same model, and the model FLOPs utilization.
//
// Preset: MUONLAB_BENCH_PRESET (default cpu: depth 2, width 128, context 128, vocabulary 2048, 2048 tokens per step;
// gpu: the gpu preset on CUDA, bf16 matmuls). Threads: MUONLAB_BENCH_THREADS (default: the preset's). Random
// tokens: the cost does not depend on the text.
//
// MFU is printed after the table, two ways, from BM_pretrain_step's model_TFLOP/s counter (nanochat::flops_per_token
// × tokens/s):
//   ÷ the TFLOP/s of one large square matmul in the training dtype on the same device, measured in this process
//     (BM_gemm_baseline; fp32 on the CPU, bf16 on CUDA), i.e. against the roofline this machine actually reaches;
//   ÷ the data-sheet peak, nanochat::peak_bf16_tflops() (989, or MUONLAB_PEAK_TFLOPS): on CUDA, or when that
//     variable is set.
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/pretrain.hpp"

#include <benchmark/benchmark.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <iostream>
#include <string>

using namespace muonlab::nanochat;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

/// The benchmarked preset (MUONLAB_BENCH_PRESET), with torch's threads set (MUONLAB_BENCH_THREADS).
struct BenchPreset {
  ModelConfig mc;
  TrainConfig tc;
  BenchPreset() {
    apply_preset(env_or("MUONLAB_BENCH_PRESET", "cpu"), mc, tc);
    torch::set_num_threads(std::stoi(env_or("MUONLAB_BENCH_THREADS", std::to_string(tc.threads))));
  }
};

struct Setup : BenchPreset {
  torch::Device dev{torch::kCPU};
  GPT model{nullptr};
  std::unique_ptr<ModelOptimizer> opt;
  torch::Tensor x, y;

  explicit Setup(const std::string& optimizer) {
    tc.optimizer = optimizer;
    if (tc.device == "cuda") {
      if (!torch::cuda::is_available()) throw std::runtime_error("this preset needs CUDA, and none is available");
      dev = torch::Device(torch::kCUDA);
    }
    torch::manual_seed(1);
    model = GPT(mc);
    model->to_device(dev);
    std::vector<std::pair<std::string, torch::Tensor>> named;
    for (const auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
    opt = std::make_unique<ModelOptimizer>(named, mc.n_embd(), tc, dev.is_cuda());
    const auto ids = torch::TensorOptions().dtype(torch::kInt64).device(dev);
    x = torch::randint(0, mc.vocab_size, {tc.batch_size, mc.seq_len}, ids);
    y = torch::randint(0, mc.vocab_size, {tc.batch_size, mc.seq_len}, ids);
  }
  void forward_backward() {
    model->loss(x, y).backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
  }
  void sync() const {
    if (dev.is_cuda()) torch::cuda::synchronize();
  }
};

// The GEMM baseline is registered first, so it runs first; MfuReporter reads its TFLOP/s counter.
void BM_gemm_baseline(benchmark::State& state) {
  const BenchPreset preset;
  const bool cuda = preset.tc.device == "cuda";
  const std::int64_t n = cuda ? 8192 : 1024;
  const auto opts = torch::TensorOptions()
                        .dtype(cuda ? torch::kBFloat16 : torch::kFloat32)
                        .device(cuda ? torch::kCUDA : torch::kCPU);
  const torch::Tensor a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
  torch::Tensor c = torch::mm(a, b);
  if (cuda) torch::cuda::synchronize();
  for (auto _ : state) {
    c = torch::mm(a, b);
    if (cuda) torch::cuda::synchronize();
  }
  state.counters["TFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_pretrain_step(benchmark::State& state, const std::string& optimizer) {
  Setup s(optimizer);
  s.forward_backward(), s.opt->step(1.0, 0.95), s.opt->zero_grad(), s.sync();  // warm-up (allocates the state)
  for (auto _ : state) {
    s.forward_backward();
    s.opt->step(1.0, 0.95);
    s.opt->zero_grad();
    s.sync();
  }
  const double tokens = double(s.tc.batch_size) * s.mc.seq_len;
  state.counters["tokens/s"] = benchmark::Counter(tokens * double(state.iterations()), benchmark::Counter::kIsRate);
  // Model TFLOP/s as a rate counter; the MFU ratios are formed by the reporter below (it knows the elapsed times).
  state.counters["model_TFLOP/s"] = benchmark::Counter(flops_per_token(s.mc) * tokens * 1e-12,
                                                       benchmark::Counter::kIsIterationInvariantRate);
}

void BM_optimizer_step(benchmark::State& state, const std::string& optimizer) {
  Setup s(optimizer);
  s.forward_backward();  // one set of gradients, reused
  s.sync();
  for (auto _ : state) {
    s.opt->step(1.0, 0.95);
    s.sync();
  }
}

/// The console reporter, plus the MFU lines: model TFLOP/s of each pretraining step ÷ the GEMM baseline's TFLOP/s
/// (both measured in this process) and ÷ the data-sheet peak when one is known.
class MfuReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      // One value per benchmark: the run itself, or with --benchmark_repetitions the median of the repetitions.
      const bool single = r.run_type == Run::RT_Iteration && r.repetitions <= 1;
      if (!single && !(r.run_type == Run::RT_Aggregate && r.aggregate_name == "median")) continue;
      auto get = [&](const char* key) {
        const auto it = r.counters.find(key);
        return it == r.counters.end() ? 0.0 : double(it->second);
      };
      if (r.benchmark_name().rfind("BM_gemm_baseline", 0) == 0) gemm_ = get("TFLOP/s");
      if (r.benchmark_name().rfind("BM_pretrain_step", 0) == 0)
        lines_.emplace_back(r.benchmark_name(), get("model_TFLOP/s"));
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const BenchPreset preset;
    const ModelConfig& mc = preset.mc;
    const TrainConfig& tc = preset.tc;
    const bool peak_known = tc.device == "cuda" || !env_or("MUONLAB_PEAK_TFLOPS", "").empty();
    const double peak = peak_known ? peak_bf16_tflops() : 0.0;
    std::cout << "\nMFU (" << tc.preset << " preset, " << flops_per_token(mc) / 1e6 << " MFLOP per token; "
              << (gemm_ > 0 ? "GEMM baseline " + std::to_string(gemm_) + " TFLOP/s"
                            : std::string("no GEMM baseline run"))
              << (peak > 0 ? ", peak " + std::to_string(peak) + " TFLOP/s" : std::string()) << "):\n";
    for (const auto& [name, tflops] : lines_) {
      std::cout << "  " << name << ": " << tflops << " model TFLOP/s";
      if (gemm_ > 0) std::cout << " = " << tflops / gemm_ << " of the GEMM baseline";
      if (peak > 0) std::cout << ", " << tflops / peak << " of peak";
      std::cout << '\n';
    }
  }

private:
  double gemm_ = 0;
  std::vector<std::pair<std::string, double>> lines_;
};

}  // namespace

BENCHMARK(BM_gemm_baseline)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_pretrain_step, muon, std::string("muon"))->Unit(benchmark::kMillisecond)->MinTime(5.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_pretrain_step, adam, std::string("adam"))->Unit(benchmark::kMillisecond)->MinTime(5.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, muon, std::string("muon"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, adam, std::string("adam"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, normuon, std::string("normuon"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK_CAPTURE(BM_optimizer_step, adamuon, std::string("adamuon"))->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    peak_bf16_tflops();  // a malformed MUONLAB_PEAK_TFLOPS is reported now, not after the runs
  } catch (const std::invalid_argument& e) {
    std::cerr << "bench_nanochat: " << e.what() << '\n';
    return 2;
  }
  MfuReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
