// NanoChat pretraining step: tokens per second of a full step (forward, backward, clip, optimizer), the optimizer
// step alone for every rule, model FLOPs utilization, peak memory and a per-stage profile, Muon versus AdamW on the
// same model, with the baselines measured in the same process (bench/README.md):
//   - a large square GEMM in the training dtype (bf16 8192³ on CUDA, fp32 1024³ on the CPU): the roofline this
//     device actually reaches; MFU is reported against it and against the data-sheet peak (989 TFLOP/s, or
//     MUONLAB_PEAK_TFLOPS);
//   - the Newton–Schulz GEMM roofline of the preset's hidden matrices: the FLOPs of NS5 on every one of them at the
//     measured GEMM rate. Muon's optimizer step is reported as a multiple of it.
// Plain C++ (no Google Benchmark: the GPU machine has only LibTorch): medians of timed iterations after warm-up, the
// device synchronized around each timed region.
//
// Usage: bench_nanochat [--preset cpu|gpu|tiny] [--iters N] [--warmup N] [--threads N] [--json FILE]
//                       [--rules muon,adam,normuon,adamuon] [--reference-attention]
// (MUONLAB_BENCH_PRESET and MUONLAB_BENCH_THREADS are read as defaults.) Random tokens: the cost does not depend on
// the text.
#include "nanochat/device.hpp"
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/optimizer_names.hpp"
#include "nanochat/pretrain.hpp"
#include "nanochat/probes.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace muonlab::nanochat;

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string preset = "cpu", json;
  int iters = 10, warmup = 3, threads = 0;
  std::vector<std::string> rules = {"muon", "adam", "normuon", "adamuon"};
  bool reference_attention = false;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

int to_int(const std::string& flag, const std::string& v) {
  try {
    std::size_t pos = 0;
    const int n = std::stoi(v, &pos);
    if (pos == v.size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(flag + " needs a non-negative integer, got '" + v + "'");
}

Args parse(int argc, char** argv) {
  Args a;
  a.preset = env_or("MUONLAB_BENCH_PRESET", a.preset);
  if (!env_or("MUONLAB_BENCH_THREADS", "").empty()) a.threads = to_int("MUONLAB_BENCH_THREADS", env_or("MUONLAB_BENCH_THREADS", ""));
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(f + " needs a value");
      return argv[++i];
    };
    if (f == "--preset") a.preset = value();
    else if (f == "--iters") a.iters = std::max(1, to_int(f, value()));
    else if (f == "--warmup") a.warmup = to_int(f, value());
    else if (f == "--threads") a.threads = to_int(f, value());
    else if (f == "--json") a.json = value();
    else if (f == "--reference-attention") a.reference_attention = true;
    else if (f == "--rules") {
      a.rules.clear();
      std::stringstream ss(value());
      for (std::string r; std::getline(ss, r, ',');) {
        torch_rule_id(r);  // validates the name
        a.rules.push_back(r);
      }
    } else if (f == "-h" || f == "--help") {
      std::cout << "bench_nanochat [--preset cpu|gpu|tiny] [--iters N] [--warmup N] [--threads N] [--json FILE]\n"
                   "               [--rules muon,adam,normuon,adamuon] [--reference-attention]\n";
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown option '" + f + "' (try --help)");
    }
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

/// Median milliseconds of `fn` over `iters` runs after `warmup`, the device synchronized around each.
double time_ms(const torch::Device& dev, int warmup, int iters, const std::function<void()>& fn) {
  for (int i = 0; i < warmup; ++i) fn();
  synchronize(dev);
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    fn();
    synchronize(dev);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(ms);
}

struct Setup {
  ModelConfig mc;
  TrainConfig tc;
  torch::Device dev{torch::kCPU};
  GPT model{nullptr};
  std::unique_ptr<ModelOptimizer> opt;
  torch::Tensor x, y;

  Setup(const Args& a, const std::string& rule) {
    apply_preset(a.preset, mc, tc);
    tc.optimizer = torch_rule_id(rule);
    if (tc.device == "cuda") {
      if (!torch::cuda::is_available()) throw std::runtime_error("preset '" + a.preset + "' needs CUDA; none found");
      dev = torch::Device(torch::kCUDA);
    }
    torch::manual_seed(1);
    model = GPT(mc);
    model->to_device(dev);
    model->mode.sdpa = !a.reference_attention;
    std::vector<std::pair<std::string, torch::Tensor>> named;
    for (const auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
    opt = std::make_unique<ModelOptimizer>(named, mc.n_embd(), tc, dev.is_cuda());
    const auto ids = torch::TensorOptions().dtype(torch::kInt64).device(dev);
    x = torch::randint(0, mc.vocab_size, {tc.batch_size, mc.seq_len}, ids);
    y = torch::randint(0, mc.vocab_size, {tc.batch_size, mc.seq_len}, ids);
  }
  torch::Tensor forward() { return model->loss(x, y); }
  void clip() { clip_grad_norm(model->parameters(), tc.grad_clip); }
  void step() {
    forward().backward();
    clip();
    opt->step(1.0, 0.95);
    opt->zero_grad();
  }
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  try {
    a = parse(argc, argv);
    peak_bf16_tflops();  // a malformed MUONLAB_PEAK_TFLOPS is reported now
    ModelConfig mc;
    TrainConfig tc;
    apply_preset(a.preset, mc, tc);
    torch::set_num_threads(a.threads > 0 ? a.threads : tc.threads);
  } catch (const std::exception& e) {
    std::cerr << "bench_nanochat: " << e.what() << '\n';
    return 2;
  }
  try {
    nlohmann::json out;
    Setup base(a, "muon");
    const torch::Device dev = base.dev;
    const bool cuda = dev.is_cuda();
    out["preset"] = a.preset;
    out["device"] = device_name(dev);
    out["torch_threads"] = torch::get_num_threads();
    out["attention"] = a.reference_attention ? "reference" : "sdpa";
    const double tokens = double(base.tc.batch_size) * base.mc.seq_len;
    const double fpt = flops_per_token(base.mc);
    const double peak = cuda || !env_or("MUONLAB_PEAK_TFLOPS", "").empty() ? peak_bf16_tflops() : 0.0;
    out["tokens_per_step"] = tokens;
    out["model_flops_per_token"] = fpt;
    out["params"] = count_parameters(base.model).total;
    fmt::print("bench_nanochat: preset {} on {} | depth {} width {} context {} vocab {} | {:.0f} tokens/step | "
               "{:.3f} GFLOP/token\n",
               a.preset, out["device"].get<std::string>(), base.mc.depth, base.mc.n_embd(), base.mc.seq_len,
               base.mc.vocab_size, tokens, fpt / 1e9);

    // The GEMM baseline.
    const std::int64_t n = cuda ? 8192 : 1024;
    const auto gopts = torch::TensorOptions().dtype(cuda ? torch::kBFloat16 : torch::kFloat32).device(dev);
    const torch::Tensor ga = torch::randn({n, n}, gopts), gb = torch::randn({n, n}, gopts);
    const double gemm_ms = time_ms(dev, 2, 10, [&] { torch::mm(ga, gb); });
    const double gemm_tflops = 2.0 * n * n * n / (gemm_ms * 1e-3) / 1e12;
    out["gemm"] = {{"n", n}, {"dtype", cuda ? "bf16" : "fp32"}, {"ms", gemm_ms}, {"tflops", gemm_tflops}};
    fmt::print("GEMM {}³ {}: {:.3f} ms = {:.3g} TFLOP/s\n", n, cuda ? "bf16" : "fp32", gemm_ms, gemm_tflops);

    // Newton–Schulz over the hidden matrices: one at a time, batched by shape, and the GEMM roofline.
    std::vector<torch::Tensor> hidden;
    double ns_flops = 0;
    const NsCoefficients ns5 = ns_coefficients("ns5");
    for (const NamedMatrix& m : hidden_matrices(base.model)) {
      hidden.push_back(torch::randn_like(m.weight));
      const double r = double(std::min(m.weight.size(0), m.weight.size(1)));
      const double c = double(std::max(m.weight.size(0), m.weight.size(1)));
      ns_flops += double(ns5.steps.size()) * (2 * r * r * c + 2 * r * r * r + 2 * r * r * c);  // XXᵀ, A², BX
    }
    const double ns_single_ms = time_ms(dev, 2, a.iters, [&] {
      for (const torch::Tensor& g : hidden) newton_schulz(g, ns5, cuda);
    });
    std::map<std::vector<std::int64_t>, std::vector<torch::Tensor>> by_shape;
    for (const torch::Tensor& g : hidden) by_shape[g.sizes().vec()].push_back(g);
    std::vector<torch::Tensor> stacks;
    for (auto& [shape, v] : by_shape) stacks.push_back(torch::stack(v));
    const double ns_batched_ms = time_ms(dev, 2, a.iters, [&] {
      for (const torch::Tensor& s : stacks) newton_schulz(s, ns5, cuda);
    });
    const double ns_roofline_ms = ns_flops / (gemm_tflops * 1e12) * 1e3;
    out["newton_schulz"] = {{"matrices", hidden.size()},      {"shapes", stacks.size()},
                            {"one_at_a_time_ms", ns_single_ms}, {"batched_ms", ns_batched_ms},
                            {"roofline_ms", ns_roofline_ms},    {"gflop", ns_flops / 1e9}};
    fmt::print("Newton-Schulz (NS5{}) over {} hidden matrices ({} shapes): one at a time {:.2f} ms, batched {:.2f} ms, "
               "GEMM roofline {:.2f} ms\n",
               cuda ? ", bf16" : "", hidden.size(), stacks.size(), ns_single_ms, ns_batched_ms, ns_roofline_ms);

    // Casting every weight to bf16 once (what each forward pays for fp32 master weights on CUDA).
    if (cuda) {
      const double cast_ms = time_ms(dev, 2, a.iters, [&] {
        for (const auto& p : base.model->parameters()) p.to(torch::kBFloat16);
      });
      out["cast_all_weights_bf16_ms"] = cast_ms;
      fmt::print("casting all weights to bf16: {:.3f} ms per forward\n", cast_ms);
    }

    // Spectral probes of every hidden matrix (what pretraining and fine-tuning pay per probe / per run).
    {
      const auto t0 = Clock::now();
      const auto probes = probe_model(base.model);
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      out["probe_all_hidden_s"] = s;
      fmt::print("spectral probes of the {} hidden matrices: {:.2f} s\n", probes.size(), s);
    }

    // Full steps and the optimizer alone, per rule.
    fmt::print("\n{:<9} {:>10} {:>12} {:>9} {:>8} {:>10} {:>12} {:>10}\n", "rule", "step ms", "tokens/s", "TFLOP/s",
               "MFU", "of GEMM", "optimizer ms", "peak GiB");
    nlohmann::json rules = nlohmann::json::object();
    for (const std::string& rule : a.rules) {
      Setup s(a, rule);
      reset_peak_memory();
      const double step_ms = time_ms(dev, a.warmup, a.iters, [&] { s.step(); });
      const double peak_gib = double(peak_memory_bytes()) / (1024.0 * 1024 * 1024);
      s.forward().backward();  // one set of gradients for the optimizer alone
      synchronize(dev);
      const double opt_ms = time_ms(dev, 2, a.iters, [&] { s.opt->step(1.0, 0.95); });
      s.opt->zero_grad();
      const double tps = tokens / (step_ms * 1e-3), tflops = fpt * tps / 1e12;
      rules[rule] = {{"step_ms", step_ms},     {"tokens_per_s", tps},       {"model_tflops", tflops},
                     {"mfu", peak > 0 ? tflops / peak : 0.0}, {"of_gemm", tflops / gemm_tflops},
                     {"optimizer_ms", opt_ms}, {"peak_memory_gib", peak_gib}};
      fmt::print("{:<9} {:>10.2f} {:>12.0f} {:>9.3g} {:>7.1f}% {:>9.1f}% {:>12.2f} {:>10.2f}\n", rule, step_ms, tps,
                 tflops, peak > 0 ? 100 * tflops / peak : 0.0, 100 * tflops / gemm_tflops, opt_ms, peak_gib);
    }
    out["rules"] = rules;

    // Stage profile of the Muon step (synchronizing between stages, so a little slower than the step above).
    {
      Setup s(a, "muon");
      std::vector<double> f, b, c, o;
      for (int i = 0; i < a.warmup + a.iters; ++i) {
        synchronize(dev);
        const auto t0 = Clock::now();
        torch::Tensor loss = s.forward();
        synchronize(dev);
        const auto t1 = Clock::now();
        loss.backward();
        synchronize(dev);
        const auto t2 = Clock::now();
        s.clip();
        synchronize(dev);
        const auto t3 = Clock::now();
        s.opt->step(1.0, 0.95);
        s.opt->zero_grad();
        synchronize(dev);
        const auto t4 = Clock::now();
        if (i < a.warmup) continue;
        auto ms = [](Clock::time_point p, Clock::time_point q) {
          return std::chrono::duration<double, std::milli>(q - p).count();
        };
        f.push_back(ms(t0, t1)), b.push_back(ms(t1, t2)), c.push_back(ms(t2, t3)), o.push_back(ms(t3, t4));
      }
      out["profile_muon_ms"] = {{"forward", median(f)}, {"backward", median(b)}, {"clip", median(c)},
                                {"optimizer", median(o)}};
      fmt::print("\nMuon step by stage (ms): forward {:.2f} | backward {:.2f} | clip {:.2f} | optimizer {:.2f}\n",
                 median(f), median(b), median(c), median(o));
    }

    if (rules.contains("muon") && rules.contains("adam")) {
      const double r = rules["muon"]["step_ms"].get<double>() / rules["adam"]["step_ms"].get<double>();
      const double o = rules["muon"]["optimizer_ms"].get<double>() / ns_roofline_ms;
      out["ratios"] = {{"muon_step_over_adamw", r}, {"muon_optimizer_over_ns_roofline", o}};
      fmt::print("ratios: Muon step / AdamW step = {:.3f}; Muon optimizer / NS GEMM roofline = {:.2f}\n", r, o);
    }
    if (!a.json.empty()) {
      std::ofstream f(a.json);
      f << out.dump(2) << '\n';
      if (!f) throw std::runtime_error("cannot write " + a.json);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_nanochat: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
