#include "nanochat/pretrain.hpp"

#include "nanochat/checkpoint.hpp"
#include "nanochat/data.hpp"
#include "nanochat/dist_optim.hpp"
#include "nanochat/dist_train.hpp"
#include "nanochat/eval.hpp"
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/probes.hpp"
#include "nanochat/token_cache.hpp"
#include "nanochat/tokenizer.hpp"

#include <fmt/format.h>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace muonlab::nanochat {
namespace fs = std::filesystem;

nlohmann::json to_json(const PretrainSummary& s) {
  return {{"run_dir", s.run_dir},
          {"optimizer", s.optimizer},
          {"tokenizer", s.tokenizer},
          {"device", s.device},
          {"start_step", s.start_step},
          {"steps", s.steps},
          {"params_total", s.params_total},
          {"params_hidden", s.params_hidden},
          {"train_tokens", s.train_tokens},
          {"val_tokens_evaluated", s.val_tokens_evaluated},
          {"bytes_per_token", s.bytes_per_token},
          {"initial_val_bpb", s.initial_val_bpb},
          {"final_val_bpb", s.final_val_bpb},
          {"unigram_val_bpb", s.unigram_val_bpb},
          {"final_train_loss", s.final_train_loss},
          {"tokens_per_second", s.tokens_per_second},
          {"mean_step_ms", s.mean_step_ms},
          {"mean_optimizer_ms", s.mean_optimizer_ms},
          {"ranks", s.ranks},
          {"mean_comm_ms", s.mean_comm_ms},
          {"model_flops_per_token", s.model_flops_per_token},
          {"model_tflops", s.model_tflops},
          {"mfu", s.mfu},
          {"qkv_stable_rank", s.qkv_stable_rank},
          {"qkv_svd_entropy", s.qkv_svd_entropy},
          {"elapsed_s", s.elapsed_s}};
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Prepared {
  std::string kind;    // the tokenizer's kind ("sentencepiece-bpe" | "bytes")
  TokenCache tokens;   // both splits, and the bytes of each token id
  nlohmann::json info; // data provenance (new runs; a resumed run keeps its config.json's)
};

// A resumed run (`config` = its config.json; empty for a new run) reads its token cache (run/tokens.pt) when there is
// one: no text, no tokenizer tools needed. Otherwise: reads the text, splits it by the seed, trains (new run) or loads (resumed run) the tokenizer on the
// training split, encodes both splits, and writes the cache.
Prepared prepare_data(const TrainConfig& t, const fs::path& dir, const std::string& tokenizer_kind,
                      const nlohmann::json& config, bool progress) {
  Prepared p;
  const bool resume = !config.is_null();
  const fs::path cache = dir / "tokens.pt";
  if (resume && fs::exists(cache)) {
    p.tokens = load_token_cache(cache.string());
    p.kind = config.at("tokenizer").at("kind").get<std::string>();
    if (progress)
      fmt::print(stderr, "pretrain: {} train and {} validation tokens from {}\n", p.tokens.train.ids.size(0),
                 p.tokens.val.ids.size(0), cache.string());
    return p;
  }
  const std::string path = t.data.empty() ? default_pretraining_text() : t.data;
  const std::string text = read_text(path, t.max_bytes);
  const TextSplit split = split_documents(text, t.val_fraction, t.seed);
  std::unique_ptr<Tokenizer> tok;
  if (tokenizer_kind == "bytes") {
    tok = load_tokenizer("bytes");
  } else {
    const std::string model = (dir / "tokenizer.model").string();
    if (!resume) {
      if (progress) fmt::print(stderr, "pretrain: training a {}-piece BPE tokenizer on {} bytes of {}\n", t.vocab_size,
                               split.train_bytes, path);
      train_bpe(training_lines(split), t.vocab_size, model, 400000, t.threads);
    }
    tok = load_tokenizer(model);
  }
  p.kind = tok->kind();
  p.tokens.token_bytes = tok->token_bytes();
  p.tokens.train = encode_documents(*tok, split.train);
  p.tokens.val = encode_documents(*tok, split.val);
  p.info = {{"path", path},
            {"bytes_read", text.size()},
            {"train_documents", split.train.size()},
            {"val_documents", split.val.size()},
            {"train_bytes", split.train_bytes},
            {"val_bytes", split.val_bytes},
            {"train_tokens", p.tokens.train.ids.size(0)},
            {"val_tokens", p.tokens.val.ids.size(0)}};
  save_token_cache(cache.string(), p.tokens);
  return p;
}

// Keeps the header and the rows whose first field (the step) is below `step` (a resumed run recomputes the rest).
std::string keep_rows_before(const fs::path& file, std::int64_t step, const std::string& header) {
  std::ifstream in(file);
  if (!in) return header;
  std::string line, out;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {
      out += line + "\n";
      first = false;
      continue;
    }
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    if (std::stoll(line.substr(0, comma)) < step) out += line + "\n";
  }
  return out.empty() ? header : out;
}

}  // namespace

double peak_bf16_tflops() {
  // H100 SXM dense bf16 (data sheet); another GPU: set MUONLAB_PEAK_TFLOPS.
  const char* env = std::getenv("MUONLAB_PEAK_TFLOPS");
  if (env && *env) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end != env && *end == '\0' && v > 0 && std::isfinite(v)) return v;
    throw std::invalid_argument(std::string("MUONLAB_PEAK_TFLOPS must be a positive number, got '") + env + "'");
  }
  return 989.0;
}

namespace {

std::string format_duration(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  const long t = long(s + 0.5);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60) : fmt::format("{}m{:02}s", t / 60, t % 60);
}

}  // namespace

PretrainSummary pretrain(const PretrainRequest& req_in) {
  const auto t_start = Clock::now();
  // Distributed: ranks > 0 wait for rank 0 to prepare the run directory, then read it as a resumed run.
  Comm* comm = req_in.comm.get();
  const bool rank0 = !comm || comm->rank() == 0;
  PretrainRequest req = req_in;
  if (!rank0) {
    comm->wait_for("pretrain-prepared", std::chrono::hours(24));  // BPE training may take long
    req.resume = true, req.force = false, req.progress = false;
  }
  const fs::path dir(req.run_dir);
  if (req.run_dir.empty()) throw std::invalid_argument("--run-dir must not be empty");
  ModelConfig mc = req.model;
  TrainConfig tc = req.train;
  std::string tokenizer_kind = req.tokenizer;
  nlohmann::json config;
  if (req.resume) {
    // A run made by --prepare-only has config.json and tokens.pt but no checkpoint yet: it starts at step 0.
    if (!fs::exists(dir / "config.json") || (!fs::exists(dir / "checkpoint.pt") && !fs::exists(dir / "tokens.pt")))
      throw std::invalid_argument("cannot resume: '" + req.run_dir +
                                  "' has no config.json and checkpoint.pt (nor a --prepare-only tokens.pt)");
    std::ifstream in(dir / "config.json");
    config = nlohmann::json::parse(in);
    mc = model_config_from_json(config.at("model"));
    tc = train_config_from_json(config.at("train"));
    tokenizer_kind = config.at("tokenizer").at("kind") == "bytes" ? "bytes" : "bpe";
  } else {
    if (fs::exists(dir / "config.json") && !req.force)
      throw std::invalid_argument("run directory '" + req.run_dir +
                                  "' already holds a run: pass --resume to continue it, --force to replace it, or "
                                  "another --run-dir");
    if (tokenizer_kind != "bpe" && tokenizer_kind != "bytes")
      throw std::invalid_argument("--tokenizer must be bpe or bytes");
    if (tokenizer_kind == "bpe" && !have_sentencepiece()) tokenizer_kind = "bytes";
    mc.validate();
    tc.validate();
    fs::create_directories(dir);
    for (const char* f : {"metrics.csv", "probes.csv", "checkpoint.pt", "model.pt", "summary.json", "tokens.pt"})
      fs::remove(dir / f);
  }
  if (comm && tc.batch_size % comm->size() != 0)
    throw std::invalid_argument(fmt::format("--batch-size {} does not split over {} ranks: choose a multiple of the "
                                            "number of ranks (the global batch is the same on any number)",
                                            tc.batch_size, comm->size()));
  torch::set_num_threads(tc.threads);
  if (tc.device == "cuda" && !req.prepare_only && !torch::cuda::is_available())
    throw std::invalid_argument("--device cuda: no CUDA device is available to this LibTorch");
  const torch::Device dev(tc.device == "cuda" && !req.prepare_only ? torch::kCUDA : torch::kCPU);

  Prepared data = prepare_data(tc, dir, tokenizer_kind, config, req.progress);
  const int vocab = int(data.tokens.token_bytes.size());
  if (req.resume && vocab != mc.vocab_size)
    throw std::runtime_error(fmt::format("'{}': the tokens have a {}-piece vocabulary, config.json says {}",
                                         req.run_dir, vocab, mc.vocab_size));
  mc.vocab_size = vocab;
  mc.validate();
  const std::vector<std::int32_t>& tok_bytes = data.tokens.token_bytes;
  const TokenStream& train_split = data.tokens.train;
  if (!req.resume) {
    config = {{"model", to_json(mc)},
              {"train", to_json(tc)},
              {"tokenizer", {{"kind", data.kind}, {"vocab_size", vocab}}},
              {"data", data.info}};
    write_text_atomic((dir / "config.json").string(), config.dump(2) + "\n");
  }
  if (comm && rank0) comm->signal("pretrain-prepared");
  PretrainSummary sum;
  sum.run_dir = req.run_dir, sum.optimizer = tc.optimizer, sum.tokenizer = data.kind, sum.device = tc.device;
  sum.steps = tc.steps;
  sum.train_tokens = train_split.ids.size(0);
  sum.bytes_per_token = double(train_split.bytes) / double(std::max<std::int64_t>(1, train_split.ids.size(0)));
  if (req.prepare_only) {
    // Everything a training machine needs is in the run directory now: config.json and tokens.pt.
    if (req.progress)
      fmt::print(stderr, "pretrain: prepared {} ({} train tokens, {:.2f} bytes/token); train it with "
                 "`muonlab pretrain --run-dir {} --resume`\n", req.run_dir, sum.train_tokens, sum.bytes_per_token,
                 req.run_dir);
    sum.steps = 0;
    sum.elapsed_s = seconds_since(t_start);
    return sum;
  }

  // Model and optimizer: the init depends on the seed alone.
  torch::manual_seed(tc.seed);
  GPT model(mc);
  model->to_device(dev);
  const ParamCount pc = count_parameters(model);
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
  ModelOptimizer opt(named, mc.n_embd(), tc, dev.is_cuda());
  DistOptimizer dopt(opt, req.comm);  // one process: opt's own steps

  std::int64_t start = 0;
  if (req.resume && fs::exists(dir / "checkpoint.pt")) {
    start = load_checkpoint((dir / "checkpoint.pt").string(), model, opt);
    if (dopt.distributed()) dopt.load_state_dict(opt.state_dict()), opt.load_state_dict({});  // keep this rank's share
  }
  std::string metrics = keep_rows_before(dir / "metrics.csv", req.resume ? start : -1,
                                         "step,tokens,train_loss,val_bpb,lr_mult,momentum,elapsed_s\n");
  std::string probes = tc.probe_every > 0 ? keep_rows_before(dir / "probes.csv", req.resume ? start : -1,
                                                             probes_csv_header())
                                          : std::string();

  const Batch val = validation_windows(data.tokens.val, mc.seq_len, tc.eval_tokens);
  const std::int64_t val_bytes = target_bytes(val.y, tok_bytes);
  sum.start_step = start;
  sum.params_total = pc.total, sum.params_hidden = pc.hidden;
  sum.val_tokens_evaluated = val.y.numel();
  sum.unigram_val_bpb = unigram_bits_per_byte(train_split, val.y, tok_bytes, mc.vocab_size);
  if (req.progress)
    fmt::print(stderr,
               "pretrain: {} | depth {} width {} heads {} | {:.2f}M params ({:.2f}M hidden) | {} tokens train "
               "({:.2f} bytes/token), {} val | unigram baseline {:.4f} bpb\n",
               tc.optimizer, mc.depth, mc.n_embd(), mc.n_head(), pc.total / 1e6, pc.hidden / 1e6,
               train_split.ids.size(0), sum.bytes_per_token, val.y.numel(), sum.unigram_val_bpb);

  const bool tty = isatty(fileno(stderr));
  const std::int64_t tokens_per_step = std::int64_t(tc.batch_size) * mc.seq_len;
  const int print_every = std::max(1, tc.steps / 20);
  double train_time = 0, opt_time = 0, comm_time = 0, last_loss = std::nan(""), last_bpb = std::nan("");
  std::int64_t trained_steps = 0;
  auto last_print = Clock::now();
  auto sync = [&] {
    if (dev.is_cuda()) torch::cuda::synchronize();
  };
  auto fill_throughput = [&] {
    if (trained_steps == 0) return;
    sum.tokens_per_second = trained_steps * tokens_per_step / train_time;
    sum.mean_step_ms = 1e3 * train_time / trained_steps;
    sum.mean_optimizer_ms = 1e3 * opt_time / trained_steps;
    sum.ranks = comm ? comm->size() : 1;
    sum.mean_comm_ms = 1e3 * comm_time / trained_steps;
    sum.model_flops_per_token = flops_per_token(mc);
    sum.model_tflops = sum.model_flops_per_token * sum.tokens_per_second / 1e12;
    if (dev.is_cuda()) sum.mfu = sum.model_tflops / peak_bf16_tflops();
  };
  auto checkpoint = [&](std::int64_t step) {
    dopt.gather_into_base();  // collective: every rank
    if (rank0) {              // written once, atomically
      write_text_atomic((dir / "metrics.csv").string(), metrics);
      if (tc.probe_every > 0) write_text_atomic((dir / "probes.csv").string(), probes);
      save_checkpoint((dir / "checkpoint.pt").string(), model, opt, step, config);
    }
    dopt.release_base_state();
  };

  for (std::int64_t step = start; step <= tc.steps; ++step) {
    const bool last = step == tc.steps;
    const double lrm = lr_multiplier(int(step), tc.steps, tc.warmdown_ratio);
    const double mom = muon_momentum_at(int(step), tc.momentum_start, tc.momentum_end, tc.momentum_warmup);
    if (step % tc.eval_every == 0 || last) {
      last_bpb = evaluate_bpb_over_ranks(model, val, val_bytes, tc.batch_size, dev, comm);
      if (step == start && start == 0) sum.initial_val_bpb = last_bpb;
      metrics += fmt::format("{},{},{},{:.6f},{:.6g},{:.6g},{:.3f}\n", step, step * tokens_per_step,
                             std::isnan(last_loss) ? std::string() : fmt::format("{:.6f}", last_loss), last_bpb, lrm,
                             mom, seconds_since(t_start));
    }
    if (rank0 && tc.probe_every > 0 && (step % tc.probe_every == 0 || last))
      probes += probes_csv_rows(step, probe_model(model));
    if (last) break;

    // One step: forward, backward, clip, optimizer (REFERENCE §5).
    const auto t0 = Clock::now();
    const double comm0 = comm ? comm->comm_seconds() : 0;
    const Batch b = rank_rows(sample_batch(train_split, tc.batch_size, mc.seq_len, tc.seed, step), comm);
    torch::Tensor loss = model->loss(b.x.to(dev), b.y.to(dev));
    loss.backward();
    last_loss = mean_over_ranks(loss.item<double>(), comm);
    if (!std::isfinite(last_loss))
      throw std::runtime_error(fmt::format("training diverged at step {} (loss {}); lower the learning rate", step,
                                           last_loss));
    const auto t1 = Clock::now();
    dopt.step(lrm, mom, tc.grad_clip);  // (distributed: gradients averaged over the ranks) clip, step
    sync();
    opt_time += seconds_since(t1);
    dopt.zero_grad();
    train_time += seconds_since(t0);
    if (comm) comm_time += comm->comm_seconds() - comm0;
    ++trained_steps;

    if (tc.checkpoint_every > 0 && (step + 1) % tc.checkpoint_every == 0 && step + 1 < tc.steps) checkpoint(step + 1);
    if (req.stop_after > 0 && trained_steps == req.stop_after && step + 1 < tc.steps) {
      // Interrupted on purpose: checkpoint and return; --resume continues bit for bit.
      checkpoint(step + 1);
      if (req.progress) fmt::print(stderr, "{}pretrain: stopped after step {} (--stop-after); resume with --resume\n",
                                   tty ? "\n" : "", step + 1);
      sum.final_val_bpb = last_bpb, sum.final_train_loss = last_loss, sum.steps = step + 1;
      fill_throughput();
      sum.elapsed_s = seconds_since(t_start);
      return sum;
    }
    if (req.progress) {
      const bool due = tty ? std::chrono::duration<double>(Clock::now() - last_print).count() > 0.5
                           : ((step + 1) % print_every == 0);
      if (due || step + 1 == tc.steps) {
        const double tps = trained_steps * tokens_per_step / std::max(train_time, 1e-9);
        const double eta = (tc.steps - step - 1) * train_time / trained_steps;
        fmt::print(stderr, "{}pretrain {} step {:>5}/{} | loss {:.4f} | val bpb {:.4f} | {:.0f} tok/s | eta {}{}",
                   tty ? "\r" : "", tc.optimizer, step + 1, tc.steps, last_loss, last_bpb, tps, format_duration(eta),
                   tty ? "   " : "\n");
        last_print = Clock::now();
      }
    }
  }
  if (req.progress && tty) fmt::print(stderr, "\n");

  sum.final_val_bpb = last_bpb;
  sum.final_train_loss = last_loss;
  fill_throughput();
  double sr = 0, en = 0;
  int n = 0;
  if (rank0)
    for (const auto& p : probe_model(model))
      if ((p.kind == "Q" || p.kind == "K" || p.kind == "V") && p.stable_rank)
        sr += *p.stable_rank, en += *p.svd_entropy, ++n;
  if (n > 0) sum.qkv_stable_rank = sr / n, sum.qkv_svd_entropy = en / n;
  sum.elapsed_s = seconds_since(t_start);

  checkpoint(tc.steps);
  if (!rank0) return sum;
  nlohmann::json final_config = config;
  final_config["steps_done"] = tc.steps;
  save_model((dir / "model.pt").string(), model, final_config);
  write_text_atomic((dir / "summary.json").string(), to_json(sum).dump(2) + "\n");
  return sum;
}

}  // namespace muonlab::nanochat
