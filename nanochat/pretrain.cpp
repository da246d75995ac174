#include "nanochat/pretrain.hpp"

#include "nanochat/checkpoint.hpp"
#include "nanochat/data.hpp"
#include "nanochat/dist_optim.hpp"
#include "nanochat/dist_train.hpp"
#include "nanochat/eval.hpp"
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/optimizer_names.hpp"
#include "nanochat/probes.hpp"
#include "nanochat/token_cache.hpp"
#include "nanochat/tokenizer.hpp"
#include "nanochat/trainer.hpp"

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
          {"status", s.status},
          {"start_step", s.start_step},
          {"steps", s.steps},
          {"planned_steps", s.planned_steps},
          {"diverged", s.status == "diverged"},
          {"diverged_step", s.diverged_step >= 0 ? nlohmann::json(s.diverged_step) : nlohmann::json(nullptr)},
          {"params_total", s.params_total},
          {"params_hidden", s.params_hidden},
          {"train_tokens", s.train_tokens},
          {"val_tokens_evaluated", s.val_tokens_evaluated},
          {"finetune_tokens", s.finetune_tokens},
          {"bytes_per_token", s.bytes_per_token},
          {"initial_val_bpb", to_json_value(s.initial_val_bpb)},
          {"final_val_bpb", to_json_value(s.final_val_bpb)},
          {"final_val_step", s.final_val_step >= 0 ? nlohmann::json(s.final_val_step) : nlohmann::json(nullptr)},
          {"unigram_val_bpb", to_json_value(s.unigram_val_bpb)},
          {"final_train_loss", to_json_value(s.final_train_loss)},
          {"tokens_per_second", to_json_value(s.tokens_per_second)},
          {"mean_step_ms", to_json_value(s.mean_step_ms)},
          {"mean_optimizer_ms", to_json_value(s.mean_optimizer_ms)},
          {"ranks", s.ranks},
          {"mean_comm_ms", to_json_value(s.mean_comm_ms)},
          {"model_flops_per_token", s.model_flops_per_token},
          {"model_tflops", to_json_value(s.model_tflops)},
          {"mfu", to_json_value(s.mfu)},
          {"qkv_stable_rank", to_json_value(s.qkv_stable_rank)},
          {"qkv_svd_entropy", to_json_value(s.qkv_svd_entropy)},
          {"elapsed_s", s.elapsed_s}};
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Prepared {
  std::string kind;    // the tokenizer's kind ("sentencepiece-bpe" | "bytes")
  TokenCache tokens;   // both splits, and the bytes of each token id
  nlohmann::json info; // data provenance (new runs; a resumed run keeps its config.json's)
  std::unique_ptr<Tokenizer> tokenizer;  // when one was loaded (not for a resume from tokens.pt)
};

// A resumed run (`config` = its config.json; empty for a new run) reads its token cache (run/tokens.pt) when there is
// one: no text, no tokenizer tools needed. Otherwise: reads the text, splits it by the seed, trains (new run) or
// loads (resumed run) the tokenizer on the training split, encodes both splits, and writes the cache.
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
  if (tokenizer_kind == "bytes") {
    p.tokenizer = load_tokenizer("bytes");
  } else {
    const std::string model = (dir / "tokenizer.model").string();
    if (!resume) {
      if (progress) fmt::print(stderr, "pretrain: training a {}-piece BPE tokenizer on {} bytes of {}\n", t.vocab_size,
                               split.train_bytes, path);
      train_bpe(training_lines(split), t.vocab_size, model, 400000, t.threads);
    }
    p.tokenizer = load_tokenizer(model);
  }
  p.kind = p.tokenizer->kind();
  p.tokens.token_bytes = p.tokenizer->token_bytes();
  p.tokens.train = encode_documents(*p.tokenizer, split.train);
  p.tokens.val = encode_documents(*p.tokenizer, split.val);
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

// The fine-tuning text of a new run, tokenized by documents into run/finetune_tokens.pt; its provenance for
// config.json (null when there is none).
nlohmann::json prepare_finetune_tokens(const PretrainRequest& req, const Tokenizer& tok, const fs::path& dir,
                                       std::int64_t& tokens) {
  if (req.finetune_data == "none") return nullptr;
  const std::string path = req.finetune_data.empty() ? default_finetuning_text() : req.finetune_data;
  if (path.empty()) {
    if (req.progress)
      fmt::print(stderr, "pretrain: no fine-tuning text here (data/fortunes.txt, the fortunes package): no "
                 "finetune_tokens.pt (--finetune-data FILE names one)\n");
    return nullptr;
  }
  if (req.progress) fmt::print(stderr, "pretrain: encoding the fine-tuning text {} with the run's tokenizer\n", path);
  const DocumentCache c = encode_document_cache(tok, path, req.finetune_max_bytes);
  save_document_cache((dir / "finetune_tokens.pt").string(), c);
  tokens = c.ids.numel();
  return {{"path", path}, {"max_bytes", req.finetune_max_bytes}, {"bytes_read", c.bytes()},
          {"documents", c.doc_bytes.size()}, {"tokens", tokens}, {"file", "finetune_tokens.pt"}};
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

PretrainSummary pretrain_rank(const PretrainRequest& req_in) {
  InterruptScope interrupts;  // SIGINT/SIGTERM: stop at the next safe point
  const auto t_start = Clock::now();
  // Data-parallel: rank 0 prepares the run directory; the others wait for it, then read it as a resumed run.
  Comm* comm = req_in.comm && req_in.comm->size() > 1 ? req_in.comm.get() : nullptr;
  const bool rank0 = !comm || comm->rank() == 0;
  PretrainRequest req = req_in;
  if (comm && req.prepare_only) throw std::invalid_argument("--prepare-only runs on one process: drop --nproc");
  if (!rank0) {
    comm->wait_for("pretrain-prepared", std::chrono::hours(24));  // BPE training may take long
    req.resume = true, req.force = false, req.progress = false;
  } else if (req.resume && req.progress) {
    fmt::print(stderr, "pretrain: resuming {} (its config.json decides every setting)\n", req.run_dir);
  }
  const fs::path dir(req.run_dir);
  if (req.run_dir.empty()) throw std::invalid_argument("--run-dir must not be empty");
  const std::string resume_hint = "muonlab pretrain --run-dir " + req.run_dir + " --resume";
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
    if (req.finetune_max_bytes < 0) throw std::invalid_argument("--finetune-max-bytes must be >= 0 (0: all)");
    if (tokenizer_kind == "bpe" && !have_sentencepiece()) tokenizer_kind = "bytes";
    mc.validate();
    tc.validate();
    fs::create_directories(dir);
    for (const char* f : {"config.json", "metrics.csv", "probes.csv", "checkpoint.pt", "model.pt", "summary.json",
                          "tokens.pt", "finetune_tokens.pt", "tokenizer.model"})
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

  PretrainSummary sum;
  Prepared data;
  try {
    data = prepare_data(tc, dir, tokenizer_kind, config, req.progress);
    if (!req.resume) {
      const nlohmann::json ft = prepare_finetune_tokens(req, *data.tokenizer, dir, sum.finetune_tokens);
      throw_if_interrupted("while preparing the data");
      config = {{"model", nullptr}, {"train", nullptr}, {"tokenizer", nullptr}, {"data", data.info},
                {"finetune_data", ft}};
    }
  } catch (const Interrupted& e) {
    throw Interrupted(std::string(e.what()) + (req.resume ? "; the run is as it was: continue with `" + resume_hint + "`"
                                                          : "; nothing was trained: run the command again"));
  }
  const int vocab = int(data.tokens.token_bytes.size());
  if (req.resume && vocab != mc.vocab_size)
    throw std::runtime_error(fmt::format("'{}': the tokens have a {}-piece vocabulary, config.json says {}",
                                         req.run_dir, vocab, mc.vocab_size));
  mc.vocab_size = vocab;
  mc.validate();
  const std::vector<std::int32_t>& tok_bytes = data.tokens.token_bytes;
  const TokenStream& train_split = data.tokens.train;
  if (!req.resume) {
    config["model"] = to_json(mc);
    config["train"] = to_json(tc);
    config["tokenizer"] = {{"kind", data.kind}, {"vocab_size", vocab}};
    write_text_atomic((dir / "config.json").string(), config.dump(2) + "\n");
  }
  if (comm && rank0) comm->signal("pretrain-prepared");  // config.json and tokens.pt are there
  sum.run_dir = req.run_dir, sum.optimizer = optimizer_text(tc.optimizer), sum.tokenizer = data.kind;
  sum.device = tc.device;
  sum.planned_steps = tc.steps;
  sum.train_tokens = train_split.ids.size(0);
  sum.bytes_per_token = double(train_split.bytes) / double(std::max<std::int64_t>(1, train_split.ids.size(0)));
  sum.model_flops_per_token = flops_per_token(mc);
  if (req.prepare_only) {
    // Everything a training machine needs is in the run directory now: config.json, tokens.pt, finetune_tokens.pt.
    if (req.progress)
      fmt::print(stderr, "pretrain: prepared {} ({} train tokens, {:.2f} bytes/token{}); train it with `{}`\n",
                 req.run_dir, sum.train_tokens, sum.bytes_per_token,
                 sum.finetune_tokens > 0 ? fmt::format(", {} fine-tuning tokens", sum.finetune_tokens) : "",
                 resume_hint);
    sum.status = "prepared";
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
  DistOptimizer dopt(opt, req.comm);  // data-parallel: the optimizer state sharded over the ranks

  TrainerState state;
  if (req.resume && fs::exists(dir / "checkpoint.pt")) {
    const RestoredCheckpoint rc = restore_checkpoint((dir / "checkpoint.pt").string(), model, opt);
    state = trainer_state_from_json(rc.trainer, rc.step);
    if (dopt.distributed()) dopt.load_state_dict(opt.state_dict()), opt.load_state_dict({});  // this rank's share
  }
  const Batch val = validation_windows(data.tokens.val, mc.seq_len, tc.eval_tokens);
  const std::int64_t val_bytes = target_bytes(val.y, tok_bytes);
  sum.params_total = pc.total, sum.params_hidden = pc.hidden;
  sum.val_tokens_evaluated = val.y.numel();
  sum.unigram_val_bpb = finite_or_none(unigram_bits_per_byte(train_split, val.y, tok_bytes, mc.vocab_size));
  if (req.progress)
    fmt::print(stderr,
               "pretrain: {} | depth {} width {} heads {} | {:.2f}M params ({:.2f}M hidden) | {} tokens train "
               "({:.2f} bytes/token), {} val | unigram baseline {} bpb{}\n",
               sum.optimizer, mc.depth, mc.n_embd(), mc.n_head(), pc.total / 1e6, pc.hidden / 1e6,
               train_split.ids.size(0), sum.bytes_per_token, val.y.numel(), format_measured(sum.unigram_val_bpb),
               state.step > 0 ? fmt::format(" | resuming at step {}", state.step) : "");

  TrainJob job;
  job.label = "pretrain " + sum.optimizer;
  job.run_dir = req.run_dir;
  job.resume_hint = resume_hint;
  job.steps = tc.steps;
  job.tokens_per_step = std::int64_t(tc.batch_size) * mc.seq_len;
  job.eval_every = tc.eval_every, job.probe_every = tc.probe_every, job.checkpoint_every = tc.checkpoint_every;
  job.checkpoint_at_end = true;
  job.stop_after = req.stop_after;
  job.progress = req.progress;
  job.device = dev;
  // One step's batch depends on (seed, step) alone, so a resumed run sees the same data (REFERENCE §5), on any
  // number of ranks: each takes its rows of it.
  job.loss = [&](std::int64_t step) {
    const Batch b = rank_rows(sample_batch(train_split, tc.batch_size, mc.seq_len, tc.seed, step), comm);
    return model->loss(b.x.to(dev), b.y.to(dev));
  };
  job.optimizer = &opt;
  job.clip_params = model->parameters();
  job.grad_clip = tc.grad_clip;
  job.lr_mult = [&](std::int64_t step) { return lr_multiplier(int(step), tc.steps, tc.warmdown_ratio); };
  job.momentum = [&](std::int64_t step) {
    return muon_momentum_at(int(step), tc.momentum_start, tc.momentum_end, tc.momentum_warmup);
  };
  job.eval_columns = {"val_bpb"};
  job.eval_label = "val bpb";
  job.evaluate = [&](std::int64_t) {
    return std::vector<double>{evaluate_bpb_over_ranks(model, val, val_bytes, tc.batch_size, dev, comm)};
  };
  job.schedule_columns = {{"lr_mult", job.lr_mult}, {"momentum", job.momentum}};
  job.probe = [&] { return probe_model(model); };
  job.save_checkpoint = [&](const TrainerState& st) {  // rank 0, with the whole optimizer state in opt
    save_checkpoint((dir / "checkpoint.pt").string(), model, opt, st.step, config, {to_json(st), {}});
  };
  job.comm = comm, job.dist_optimizer = &dopt;
  state.elapsed_s += seconds_since(t_start);  // this invocation's setup counts too
  const TrainResult r = train(job, state);

  sum.start_step = r.start_step;
  sum.steps = r.state.step;
  sum.status = r.end == TrainResult::End::finished ? "finished" : r.end == TrainResult::End::stopped ? "stopped"
                                                                                                      : "diverged";
  if (r.end == TrainResult::End::diverged) sum.diverged_step = r.diverged_step;
  if (r.state.initial && !r.state.initial->values.empty())
    sum.initial_val_bpb = finite_or_none(r.state.initial->values.front());
  if (r.final_eval && !r.final_eval->values.empty())
    sum.final_val_bpb = finite_or_none(r.final_eval->values.front()), sum.final_val_step = r.final_eval->step;
  sum.final_train_loss = r.state.last_loss;
  sum.tokens_per_second = r.tokens_per_second(job.tokens_per_step);
  sum.mean_step_ms = r.mean_step_ms();
  sum.mean_optimizer_ms = r.mean_optimizer_ms;
  sum.ranks = comm ? comm->size() : 1;
  sum.mean_comm_ms = r.mean_comm_ms();
  if (sum.tokens_per_second) sum.model_tflops = sum.model_flops_per_token * *sum.tokens_per_second / 1e12;
  if (dev.is_cuda() && sum.model_tflops) sum.mfu = *sum.model_tflops / peak_bf16_tflops();
  double sr = 0, en = 0;
  int n = 0;
  for (const auto& p : r.final_probes)
    if ((p.kind == "Q" || p.kind == "K" || p.kind == "V") && p.stable_rank) sr += *p.stable_rank, en += *p.svd_entropy, ++n;
  if (n > 0) sum.qkv_stable_rank = sr / n, sum.qkv_svd_entropy = en / n;
  sum.elapsed_s = r.state.elapsed_s;
  if (!rank0) return sum;  // rank 0 writes and reports

  if (r.end == TrainResult::End::finished) {
    nlohmann::json final_config = config;
    final_config["steps_done"] = tc.steps;
    save_model((dir / "model.pt").string(), model, final_config);
  }
  if (r.end != TrainResult::End::stopped) write_text_atomic((dir / "summary.json").string(), to_json(sum).dump(2) + "\n");
  return sum;
}

}  // namespace

PretrainSummary pretrain(const PretrainRequest& req) {
  Comm* comm = req.comm && req.comm->size() > 1 ? req.comm.get() : nullptr;
  // Rank 0 tells the ranks waiting for it to prepare the run why it stopped, so that they stop the same way (a bad
  // input exits 2 everywhere, an interrupt 130; after the gate has opened this changes nothing).
  auto tell_waiting = [&](const std::exception& e, GateFailure kind) {
    if (comm && comm->rank() == 0) comm->signal("pretrain-prepared", e.what(), kind);
  };
  try {
    return pretrain_rank(req);
  } catch (const Interrupted& e) {
    tell_waiting(e, GateFailure::interrupted);
    throw;
  } catch (const DistError&) {
    throw;  // the group itself failed: the others see it themselves
  } catch (const std::invalid_argument& e) {
    tell_waiting(e, GateFailure::bad_input);
    throw;
  } catch (const std::exception& e) {
    tell_waiting(e, GateFailure::error);
    throw;
  }
}

}  // namespace muonlab::nanochat
