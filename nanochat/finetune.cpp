// Fine-tuning (nanochat/finetune.hpp). Reads top-down: options and JSON, the per-process caches of everything a
// sweep repeats (pretrained weights, tokenizer, encoded texts, the pretrained model's evaluations), the update
// statistics, then finetune() itself.
#include "nanochat/finetune.hpp"
#include "nanochat/probes.hpp"

#include "nanochat/checkpoint.hpp"
#include "nanochat/data.hpp"
#include "nanochat/dist_optim.hpp"
#include "nanochat/dist_train.hpp"
#include "nanochat/eval.hpp"
#include "nanochat/lora.hpp"
#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/optimizer_names.hpp"
#include "nanochat/token_cache.hpp"
#include "nanochat/tokenizer.hpp"
#include "nanochat/trainer.hpp"
#include "spectral/spectral_metrics.hpp"

#include <fmt/format.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <unistd.h>

namespace muonlab::nanochat {
namespace fs = std::filesystem;

// ---- options ---------------------------------------------------------------------------------------------------

namespace {

const std::vector<std::string> kKinds = {"Q", "K", "V", "O", "MLP_up", "MLP_down"};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

void LoraConfig::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };
  if (rank < 1) fail("--rank must be at least 1, got " + std::to_string(rank));
  if (!(alpha > 0) || !std::isfinite(alpha)) fail("--alpha must be a positive number");
  if (!(dropout >= 0 && dropout < 1)) fail("--dropout must be in [0, 1)");
  if (init != "lora" && init != "pissa") fail("--init must be lora or pissa, got '" + init + "'");
  if (targets.empty()) fail("--targets must name at least one of " + join(kKinds));
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (std::find(kKinds.begin(), kKinds.end(), targets[i]) == kKinds.end())
      fail("unknown LoRA target '" + targets[i] + "' (targets: " + join(kKinds) + ")");
    if (std::find(targets.begin(), targets.begin() + std::ptrdiff_t(i), targets[i]) != targets.begin() + std::ptrdiff_t(i))
      fail("LoRA target '" + targets[i] + "' is listed twice");
  }
}

void FinetuneConfig::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };
  if (method != "full" && method != "lora") fail("--method must be full or lora, got '" + method + "'");
  if (!is_torch_rule(optimizer))
    fail(not_a_torch_rule("--optimizer", optimizer_text(optimizer)));
  if (!std::isfinite(lr)) fail("--lr must be a finite number");  // < 0 stands for the optimizer's default
  if (!(lr_frac >= 0) || !std::isfinite(lr_frac)) fail("--lr-frac must be a finite number >= 0");
  if (batch_size < 1) fail("--batch-size must be at least 1");
  if (seq_len < 0) fail("sequence length must be >= 0 (0: the model's context)");
  if (epochs < 1) fail("--epochs must be at least 1");
  if (max_steps < 0) fail("--max-steps must be >= 0 (0: no cap)");
  if (max_bytes < 0) fail("--max-bytes must be >= 0 (0: all)");
  if (!(val_fraction > 0 && val_fraction < 0.5)) fail("--val-fraction must be in (0, 0.5)");
  if (eval_tokens < 1) fail("--eval-tokens must be at least 1");
  if (eval_every < 0) fail("--eval-every must be >= 0 (0: only before and after)");
  if (!(grad_clip >= 0)) fail("--grad-clip must be >= 0");
  if (threads < 1 || threads > 256) fail("--threads must be in [1, 256]");
  if (device != "cpu" && device != "cuda") fail("--device must be cpu or cuda, got '" + device + "'");
  if (method == "lora") lora.validate();
}

nlohmann::json to_json(const FinetuneConfig& c) {
  return {{"method", c.method},
          {"optimizer", optimizer_text(c.optimizer)},
          {"lr", c.lr},
          {"lr_frac", c.lr_frac},
          {"batch_size", c.batch_size},
          {"seq_len", c.seq_len},
          {"epochs", c.epochs},
          {"max_steps", c.max_steps},
          {"max_bytes", c.max_bytes},
          {"val_fraction", c.val_fraction},
          {"split_seed", c.split_seed},
          {"seed", c.seed},
          {"eval_tokens", c.eval_tokens},
          {"eval_every", c.eval_every},
          {"grad_clip", c.grad_clip},
          {"threads", c.threads},
          {"device", c.device},
          {"data", c.data},
          {"lora",
           {{"rank", c.lora.rank},
            {"alpha", c.lora.alpha},
            {"dropout", c.lora.dropout},
            {"rslora", c.lora.rslora},
            {"init", c.lora.init},
            {"targets", c.lora.targets},
            {"a_adamw", c.lora.a_adamw}}}};
}

FinetuneConfig finetune_config_from_json(const nlohmann::json& j) {
  FinetuneConfig c;
  c.method = j.value("method", c.method);
  c.optimizer = torch_rule_id(j.value("optimizer", optimizer_text(c.optimizer)));
  c.lr = j.value("lr", c.lr), c.lr_frac = j.value("lr_frac", c.lr_frac);
  c.batch_size = j.value("batch_size", c.batch_size), c.seq_len = j.value("seq_len", c.seq_len);
  c.epochs = j.value("epochs", c.epochs), c.max_steps = j.value("max_steps", c.max_steps);
  c.max_bytes = j.value("max_bytes", c.max_bytes), c.val_fraction = j.value("val_fraction", c.val_fraction);
  c.split_seed = j.value("split_seed", c.split_seed), c.seed = j.value("seed", c.seed);
  c.eval_tokens = j.value("eval_tokens", c.eval_tokens), c.eval_every = j.value("eval_every", c.eval_every);
  c.grad_clip = j.value("grad_clip", c.grad_clip), c.threads = j.value("threads", c.threads);
  c.device = j.value("device", c.device), c.data = j.value("data", c.data);
  if (j.contains("lora")) {
    const auto& l = j.at("lora");
    c.lora.rank = l.value("rank", c.lora.rank), c.lora.alpha = l.value("alpha", c.lora.alpha);
    c.lora.dropout = l.value("dropout", c.lora.dropout), c.lora.rslora = l.value("rslora", c.lora.rslora);
    c.lora.init = l.value("init", c.lora.init), c.lora.targets = l.value("targets", c.lora.targets);
    c.lora.a_adamw = l.value("a_adamw", c.lora.a_adamw);
  }
  return c;
}

namespace {

// JSON has no inf/NaN: non-finite numbers are written as null and read back as +inf (a diverged run's perplexity).
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double num_from(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::numeric_limits<double>::infinity();
  return j.at(key).get<double>();
}

}  // namespace

nlohmann::json to_json(const FinetuneSummary& s) {
  nlohmann::json updates = nlohmann::json::array();
  for (const auto& u : s.updates)
    updates.push_back({{"name", u.name},
                       {"kind", u.kind},
                       {"layer", u.layer},
                       {"norm_max", num(u.norm_max)},
                       {"norm_spectral", num(u.norm_spectral)},
                       {"norm_frobenius", num(u.norm_frobenius)},
                       {"stable_rank", num(u.stable_rank)},
                       {"rel_max", num(u.rel_max)},
                       {"rel_spectral", num(u.rel_spectral)}});
  return {{"run_dir", s.run_dir},
          {"from", s.from},
          {"pretrain_optimizer", s.pretrain_optimizer},
          {"method", s.method},
          {"optimizer", s.optimizer},
          {"lr", s.lr},
          {"peak_lr", s.peak_lr},
          {"seed", s.seed},
          {"steps", s.steps},
          {"planned_steps", s.planned_steps},
          {"trainable_params", s.trainable_params},
          {"train_tokens", s.train_tokens},
          {"train_split_tokens", s.train_split_tokens},
          {"val_tokens", s.val_tokens},
          {"pretrain_val_tokens", s.pretrain_val_tokens},
          {"data", s.data},
          {"rank", s.rank},
          {"init", s.init},
          {"pretrained_ppl", num(s.pretrained_ppl)},
          {"final_ppl", num(s.final_ppl)},
          {"ppl_ratio", num(s.ppl_ratio)},
          {"pretrained_bpb", num(s.pretrained_bpb)},
          {"final_bpb", num(s.final_bpb)},
          {"forgetting_bpb", num(s.forgetting_bpb)},
          {"l2_distance", num(s.l2_distance)},
          {"cosine_distance", num(s.cosine_distance)},
          {"status", s.status},
          {"start_step", s.start_step},
          {"diverged", s.diverged},
          {"diverged_step", s.diverged_step},
          {"elapsed_s", s.elapsed_s},
          {"mean_step_ms", s.mean_step_ms},
          {"updates", updates}};
}

FinetuneSummary finetune_summary_from_json(const nlohmann::json& j) {
  FinetuneSummary s;
  s.run_dir = j.value("run_dir", ""), s.from = j.value("from", "");
  s.pretrain_optimizer = j.value("pretrain_optimizer", ""), s.method = j.value("method", "");
  s.optimizer = j.value("optimizer", "");
  s.lr = j.value("lr", 0.0), s.peak_lr = j.value("peak_lr", 0.0);
  s.seed = j.value("seed", std::uint64_t(0));
  s.steps = j.value("steps", std::int64_t(0)), s.planned_steps = j.value("planned_steps", std::int64_t(0));
  s.trainable_params = j.value("trainable_params", std::int64_t(0));
  s.train_tokens = j.value("train_tokens", std::int64_t(0));
  s.train_split_tokens = j.value("train_split_tokens", std::int64_t(0));
  s.val_tokens = j.value("val_tokens", std::int64_t(0));
  s.pretrain_val_tokens = j.value("pretrain_val_tokens", std::int64_t(0));
  s.data = j.value("data", ""), s.rank = j.value("rank", 0), s.init = j.value("init", "");
  s.pretrained_ppl = num_from(j, "pretrained_ppl"), s.final_ppl = num_from(j, "final_ppl");
  s.ppl_ratio = num_from(j, "ppl_ratio");
  s.pretrained_bpb = num_from(j, "pretrained_bpb"), s.final_bpb = num_from(j, "final_bpb");
  s.forgetting_bpb = num_from(j, "forgetting_bpb");
  s.l2_distance = num_from(j, "l2_distance"), s.cosine_distance = num_from(j, "cosine_distance");
  s.diverged = j.value("diverged", false), s.diverged_step = j.value("diverged_step", std::int64_t(-1));
  s.elapsed_s = j.value("elapsed_s", 0.0), s.mean_step_ms = j.value("mean_step_ms", 0.0);
  s.status = j.value("status", std::string(s.diverged ? "diverged" : "finished"));
  s.start_step = j.value("start_step", std::int64_t(0));
  for (const auto& u : j.value("updates", nlohmann::json::array())) {
    MatrixUpdate m;
    m.name = u.value("name", ""), m.kind = u.value("kind", ""), m.layer = u.value("layer", 0);
    m.norm_max = num_from(u, "norm_max"), m.norm_spectral = num_from(u, "norm_spectral");
    m.norm_frobenius = num_from(u, "norm_frobenius"), m.stable_rank = num_from(u, "stable_rank");
    m.rel_max = num_from(u, "rel_max"), m.rel_spectral = num_from(u, "rel_spectral");
    s.updates.push_back(std::move(m));
  }
  return s;
}

// ---- per-process caches ----------------------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A file's identity for the caches: canonical path, size and modification time (a rewritten file is a new key).
std::string file_key(const std::string& path) {
  std::error_code ec;
  const fs::path canon = fs::canonical(path, ec);
  const fs::path p = ec ? fs::path(path) : canon;
  const auto size = fs::is_regular_file(p) ? std::int64_t(fs::file_size(p, ec)) : std::int64_t(-1);
  const auto mtime = fs::last_write_time(p, ec).time_since_epoch().count();
  return fmt::format("{}|{}|{}", p.string(), size, std::int64_t(mtime));
}

// The pretrained run: weights (CPU), configs, per-matrix norms of the hidden matrices, and where its tokens are.
struct Pretrained {
  std::string key, model_path, run_dir;  // run_dir: the folder of the model file
  nlohmann::json config;
  ModelConfig model;
  TrainConfig train;
  std::vector<std::pair<std::string, torch::Tensor>> weights;  // named_parameters, CPU, detached copies
  std::map<std::string, torch::Tensor> hidden64;               // hidden matrices in float64 (for ΔW statistics)
  std::map<std::string, std::pair<double, double>> hidden_norms;  // name → (‖W‖max, ‖W‖2)
  std::string tokenizer_path;            // "bytes", run/tokenizer.model, or empty when the run has none here
  std::vector<std::int32_t> token_bytes; // bytes per token id (from tokens.pt, else the tokenizer)
  std::string tokens_path;               // run/tokens.pt (the forgetting split without text), or empty
  std::string finetune_tokens;           // run/finetune_tokens.pt (the default fine-tuning data), or empty
  std::string pretrain_text;             // the pretraining text, needed only without tokens.pt
};

struct EncodedText {
  TokenStream train, val;
  std::size_t bytes_read = 0, train_docs = 0, val_docs = 0;
  std::string source;  // the text the tokens come from
};

// All caches behind one recursive mutex (an entry's computation may fill another cache).
struct Caches {
  std::recursive_mutex mu;
  std::map<std::string, std::shared_ptr<const Tokenizer>> tokenizers;
  std::map<std::string, std::shared_ptr<const Pretrained>> models;
  std::map<std::string, std::shared_ptr<const EncodedText>> texts;
  std::map<std::string, double> evals;
};
Caches& caches() {
  static Caches c;
  return c;
}

std::shared_ptr<const Tokenizer> cached_tokenizer(const std::string& path_or_bytes) {
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  const std::string key = path_or_bytes == "bytes" ? "bytes" : file_key(path_or_bytes);
  auto it = c.tokenizers.find(key);
  if (it != c.tokenizers.end()) return it->second;
  std::shared_ptr<const Tokenizer> tok = load_tokenizer(path_or_bytes);
  c.tokenizers[key] = tok;
  return tok;
}

// The run's tokenizer, for encoding a text; `what` names the text in the message when there is none here.
std::shared_ptr<const Tokenizer> tokenizer_of(const Pretrained& pre, const std::string& what) {
  if (pre.tokenizer_path.empty())
    throw std::invalid_argument("'" + pre.run_dir + "' has no tokenizer.model to encode " + what +
                                " with: fine-tune on the run's prepared tokens (no --data; `muonlab pretrain` writes "
                                "finetune_tokens.pt), or copy its tokenizer.model there");
  const auto tok = cached_tokenizer(pre.tokenizer_path);
  if (tok->token_bytes() != pre.token_bytes)
    throw std::invalid_argument("the tokenizer '" + pre.tokenizer_path + "' is not the one of the run's tokens.pt");
  return tok;
}

// Resolves `from` (a run directory or a model file) and loads it once per process.
std::shared_ptr<const Pretrained> cached_pretrained(const std::string& from) {
  if (from.empty()) throw std::invalid_argument("--from is required: a pretraining run directory or its model.pt");
  if (!fs::exists(from)) throw std::invalid_argument("no pretraining run or model file at '" + from + "'");
  std::string model_path = from;
  if (fs::is_directory(from)) {
    if (fs::exists(fs::path(from) / "model.pt")) model_path = (fs::path(from) / "model.pt").string();
    else if (fs::exists(fs::path(from) / "checkpoint.pt")) model_path = (fs::path(from) / "checkpoint.pt").string();
    else throw std::invalid_argument("run directory '" + from + "' has no model.pt or checkpoint.pt");
  }
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  const std::string key = file_key(model_path);
  auto it = c.models.find(key);
  if (it != c.models.end()) return it->second;

  auto p = std::make_shared<Pretrained>();
  p->key = key;
  LoadedModel lm = load_model(model_path);
  p->model_path = lm.path;
  p->config = lm.config;
  p->model = model_config_from_json(lm.config.at("model"));
  if (!lm.config.contains("train")) throw std::invalid_argument("'" + lm.path + "' has no pretraining config");
  p->train = train_config_from_json(lm.config.at("train"));
  {
    torch::NoGradGuard no_grad;
    for (const auto& np : lm.model->named_parameters())
      p->weights.emplace_back(np.key(), np.value().detach().to(torch::kCPU).clone());
    for (const NamedMatrix& m : hidden_matrices(lm.model)) {
      const torch::Tensor w = m.weight.detach().to(torch::kCPU, torch::kFloat64).clone();
      const double smax = singular_values(w)[0].item<double>();
      p->hidden_norms[m.name] = {w.abs().max().item<double>(), smax};
      p->hidden64[m.name] = w;
    }
  }
  // The run's files sit beside the model file: tokenizer.model, tokens.pt, finetune_tokens.pt.
  const fs::path dir = fs::path(lm.path).parent_path();
  p->run_dir = dir.empty() ? std::string(".") : dir.string();
  const std::string kind = lm.config.value("tokenizer", nlohmann::json::object()).value("kind", "sentencepiece-bpe");
  if (kind == "bytes") p->tokenizer_path = "bytes";
  else if (fs::exists(dir / "tokenizer.model")) p->tokenizer_path = (dir / "tokenizer.model").string();
  if (fs::exists(dir / "tokens.pt")) p->tokens_path = (dir / "tokens.pt").string();
  if (fs::exists(dir / "finetune_tokens.pt")) p->finetune_tokens = (dir / "finetune_tokens.pt").string();
  if (!p->tokens_path.empty()) {
    p->token_bytes = load_token_cache(p->tokens_path, false).token_bytes;
  } else {
    if (p->tokenizer_path.empty())
      throw std::invalid_argument("'" + p->run_dir + "' has neither tokens.pt nor tokenizer.model (the pretrained "
                                  "run's tokens or tokenizer)");
    p->token_bytes = cached_tokenizer(p->tokenizer_path)->token_bytes();
    // The pretraining text as the run read it (its config.json records the path), else as configured.
    const auto data = lm.config.value("data", nlohmann::json::object());
    for (const std::string& cand : {data.value("path", std::string()), p->train.data, default_pretraining_text()})
      if (!cand.empty() && fs::exists(cand)) {
        p->pretrain_text = cand;
        break;
      }
    if (p->pretrain_text.empty())
      throw std::invalid_argument("the pretraining text of '" + from + "' ('" + data.value("path", std::string()) +
                                  "') is not readable here and the run has no tokens.pt; the forgetting metric "
                                  "needs its validation split");
  }
  if (int(p->token_bytes.size()) != p->model.vocab_size)
    throw std::invalid_argument(fmt::format("the tokens of {} have {} pieces but the model has a vocabulary of {}",
                                            from, p->token_bytes.size(), p->model.vocab_size));
  c.models[key] = p;
  return p;
}

// A text read, split by documents and encoded with the pretrained tokenizer; `val_only` (the pretraining text, read
// as pretraining read it) skips the training split, else (the fine-tuning text) a cap keeps whole documents.
std::shared_ptr<const EncodedText> cached_text(const Pretrained& pre, const std::string& path, std::int64_t max_bytes,
                                               double val_fraction, std::uint64_t seed, bool val_only) {
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  const auto tokenizer = tokenizer_of(pre, "'" + path + "'");
  const std::string tok = pre.tokenizer_path == "bytes" ? std::string("bytes") : file_key(pre.tokenizer_path);
  const std::string key = fmt::format("{}#{}#{}#{}#{}#{}", tok, file_key(path), max_bytes, val_fraction, seed, val_only);
  auto it = c.texts.find(key);
  if (it != c.texts.end()) return it->second;
  auto t = std::make_shared<EncodedText>();
  const std::string text = val_only ? read_text(path, max_bytes) : read_documents(path, max_bytes).text;
  const TextSplit split = split_documents(text, val_fraction, seed);
  t->bytes_read = text.size(), t->train_docs = split.train.size(), t->val_docs = split.val.size();
  if (!val_only) t->train = encode_documents(*tokenizer, split.train);
  t->val = encode_documents(*tokenizer, split.val);
  t->source = path;
  c.texts[key] = t;
  return t;
}

// The run's prepared fine-tuning tokens (finetune_tokens.pt), split as the text would be.
std::shared_ptr<const EncodedText> cached_prepared_text(const Pretrained& pre, std::int64_t max_bytes,
                                                        double val_fraction, std::uint64_t seed) {
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  const std::string key = fmt::format("prepared#{}#{}#{}#{}", file_key(pre.finetune_tokens), max_bytes, val_fraction,
                                      seed);
  auto it = c.texts.find(key);
  if (it != c.texts.end()) return it->second;
  const DocumentCache dc = load_document_cache(pre.finetune_tokens);
  if (dc.token_bytes != pre.token_bytes)
    throw std::invalid_argument("'" + pre.finetune_tokens + "' was encoded with another tokenizer than the run's");
  const DocumentSplit split = split_document_cache(dc, max_bytes, val_fraction, seed);
  auto t = std::make_shared<EncodedText>();
  t->train = split.train, t->val = split.val;
  t->bytes_read = std::size_t(split.bytes), t->train_docs = split.train_docs, t->val_docs = split.val_docs;
  t->source = dc.source;
  c.texts[key] = t;
  return t;
}

// The pretraining validation split exactly as pretraining made it: from the run's tokens.pt, else from its text.
std::shared_ptr<const EncodedText> cached_pretrain_val(const Pretrained& pre) {
  if (pre.tokens_path.empty())
    return cached_text(pre, pre.pretrain_text, pre.train.max_bytes, pre.train.val_fraction, pre.train.seed, true);
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  const std::string key = "tokens#" + file_key(pre.tokens_path);
  auto it = c.texts.find(key);
  if (it != c.texts.end()) return it->second;
  auto t = std::make_shared<EncodedText>();
  t->val = load_token_cache(pre.tokens_path, false).val;
  t->source = pre.tokens_path;
  c.texts[key] = t;
  return t;
}

// A pretrained evaluation, computed once per (model, data, windows, device, threads).
double cached_eval(const std::string& key, const std::function<double()>& compute) {
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  auto it = c.evals.find(key);
  if (it != c.evals.end()) return it->second;
  const double v = compute();
  c.evals[key] = v;
  return v;
}

// A fresh model holding the pretrained weights.
GPT fresh_model(const Pretrained& pre, const torch::Device& dev) {
  GPT model(pre.model);
  {
    torch::NoGradGuard no_grad;
    auto params = model->named_parameters();
    for (const auto& [name, w] : pre.weights) params[name].copy_(w);
  }
  model->to_device(dev);
  return model;
}

// ---- update statistics -----------------------------------------------------------------------------------------

MatrixUpdate update_stats(const std::string& name, const std::string& kind, int layer, const torch::Tensor& dw,
                          const std::pair<double, double>& pre_norms) {
  MatrixUpdate u;
  u.name = name, u.kind = kind, u.layer = layer;
  if (!torch::isfinite(dw).all().item<bool>()) {  // a broken run: no SVD of non-finite entries
    const double nan = std::nan("");
    u.norm_max = u.norm_spectral = u.norm_frobenius = u.stable_rank = u.rel_max = u.rel_spectral = nan;
    return u;
  }
  const torch::Tensor s = singular_values(dw);  // float64, descending
  const std::vector<double> sigma(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  u.norm_max = dw.abs().max().item<double>();
  u.norm_spectral = sigma.empty() ? 0.0 : *std::max_element(sigma.begin(), sigma.end());
  u.norm_frobenius = dw.norm().item<double>();
  try {
    u.stable_rank = spectral::stable_rank(sigma);  // ‖ΔW‖F² / ‖ΔW‖2²
  } catch (const std::domain_error&) {
    u.stable_rank = 0;  // ΔW = 0
  }
  auto rel = [](double a, double b) { return b > 0 ? a / b : (a == 0 ? 0.0 : std::numeric_limits<double>::infinity()); };
  u.rel_max = rel(u.norm_max, pre_norms.first);
  u.rel_spectral = rel(u.norm_spectral, pre_norms.second);
  return u;
}

std::string updates_csv(const std::vector<MatrixUpdate>& ups) {
  std::string out = "name,kind,layer,norm_max,norm_spectral,norm_frobenius,stable_rank,rel_max,rel_spectral\n";
  for (const auto& u : ups)
    out += fmt::format("{},{},{},{:.10g},{:.10g},{:.10g},{:.10g},{:.10g},{:.10g}\n", u.name, u.kind, u.layer,
                       u.norm_max, u.norm_spectral, u.norm_frobenius, u.stable_rank, u.rel_max, u.rel_spectral);
  return out;
}

// The block order of one epoch: a Fisher–Yates shuffle of 0..n−1 drawn from (seed, epoch) alone.
std::vector<std::int64_t> block_order(std::int64_t n, std::uint64_t seed, int epoch) {
  std::seed_seq seq{std::uint32_t(seed), std::uint32_t(seed >> 32), std::uint32_t(epoch), 0x46544eu};
  std::mt19937_64 rng(seq);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[std::size_t(i)] = i;
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<std::int64_t> pick(0, i);
    std::swap(order[std::size_t(i)], order[std::size_t(pick(rng))]);
  }
  return order;
}

constexpr int kEvalBatch = 16;  // windows per evaluation forward pass (fixed, so evaluations do not depend on the
                                // training batch size and a cached pretrained evaluation matches a fresh one bit for bit)

}  // namespace

void clear_finetune_cache() {
  Caches& c = caches();
  std::lock_guard<std::recursive_mutex> lock(c.mu);
  c.tokenizers.clear(), c.models.clear(), c.texts.clear(), c.evals.clear();
}

// ---- fine-tuning -----------------------------------------------------------------------------------------------

namespace {

// The random generators' states (LoRA dropout draws from them), so a resumed run draws what the straight one does.
std::vector<std::pair<std::string, torch::Tensor>> generator_states(const torch::Device& dev) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    out.emplace_back("rng.cpu", cpu.get_state());
  }
  if (dev.is_cuda()) {
    at::Generator g = at::globalContext().defaultGenerator(dev);
    std::lock_guard<std::mutex> lock(g.mutex());
    out.emplace_back("rng.cuda", g.get_state());
  }
  return out;
}

void restore_generators(const std::map<std::string, torch::Tensor>& t, const torch::Device& dev) {
  if (auto it = t.find("rng.cpu"); it != t.end()) {
    at::Generator cpu = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_state(it->second);
  }
  if (auto it = t.find("rng.cuda"); it != t.end() && dev.is_cuda()) {
    at::Generator g = at::globalContext().defaultGenerator(dev);
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(it->second);
  }
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("'" + p.string() + "' is not JSON: " + e.what());
  }
}

}  // namespace

FinetuneSummary finetune(const FinetuneRequest& req) {
  InterruptScope interrupts;  // SIGINT/SIGTERM: stop at the next safe point
  const auto t_start = Clock::now();
  FinetuneConfig fc = req.config;
  std::string from = req.from;
  // Data-parallel: every rank reads the run directory (a resume); rank 0 alone writes into it.
  Comm* comm = req.comm && req.comm->size() > 1 ? req.comm.get() : nullptr;
  const bool rank0 = !comm || comm->rank() == 0;

  // The run directory: a finished run (summary.json) or an unfinished one (checkpoint.pt) is replaced only with
  // force; --resume continues an unfinished one with its own config.json.
  const fs::path dir(req.run_dir);
  const bool files = !req.run_dir.empty();
  const bool writes = files && rank0;
  if (!files && (req.resume || req.stop_after > 0 || req.checkpoint_every > 0))
    throw std::invalid_argument("--resume, --stop-after and --checkpoint-every need a --run-dir");
  if (req.stop_after < 0 || req.checkpoint_every < 0)
    throw std::invalid_argument("--stop-after and --checkpoint-every must be >= 0");
  if (files && fs::exists(dir) && !fs::is_directory(dir))
    throw std::invalid_argument("--run-dir '" + req.run_dir + "' is not a directory");
  nlohmann::json config;
  if (req.resume) {
    if (fs::exists(dir / "summary.json"))
      throw std::invalid_argument("'" + req.run_dir + "' holds a finished fine-tuning run: nothing to resume (--force "
                                  "without --resume runs it again)");
    if (!fs::exists(dir / "config.json") || !fs::exists(dir / "checkpoint.pt"))
      throw std::invalid_argument("cannot resume: '" + req.run_dir + "' has no config.json and checkpoint.pt");
    config = read_json(dir / "config.json");
    fc = finetune_config_from_json(config.at("finetune"));
    from = config.at("from").get<std::string>();
  } else if (files && !req.force) {
    if (fs::exists(dir / "summary.json"))
      throw std::invalid_argument("run directory '" + req.run_dir +
                                  "' already holds a finished fine-tuning run: pass --force to replace it");
    if (fs::exists(dir / "checkpoint.pt"))
      throw std::invalid_argument("run directory '" + req.run_dir + "' holds an unfinished fine-tuning run: pass "
                                  "--resume to continue it or --force to start it again");
  }
  fc.validate();
  if (comm && fc.batch_size % comm->size() != 0)
    throw std::invalid_argument(fmt::format("--batch-size {} does not split over {} ranks: choose a multiple of the "
                                            "number of ranks",
                                            fc.batch_size, comm->size()));
  const std::shared_ptr<const Pretrained> pre = cached_pretrained(from);
  const ModelConfig& mc = pre->model;
  const int T = fc.seq_len > 0 ? fc.seq_len : mc.seq_len;
  if (T > mc.seq_len)
    throw std::invalid_argument(fmt::format("block length {} exceeds the model's context length {}", T, mc.seq_len));
  if (fc.device == "cuda" && !torch::cuda::is_available())
    throw std::invalid_argument("--device cuda: no CUDA device is available to this LibTorch");
  // The fine-tuning data: --data, else the run's prepared tokens, else the default text.
  const bool prepared = fc.data.empty() && !pre->finetune_tokens.empty();
  const std::string data_path = prepared ? pre->finetune_tokens : fc.data.empty() ? default_finetuning_text() : fc.data;
  if (data_path.empty())
    throw std::invalid_argument("no fine-tuning text: pass --data FILE, run scripts/prepare_data, install the "
                                "fortunes package, or pretrain the run where one is (finetune_tokens.pt)");

  torch::set_num_threads(fc.threads);
  const torch::Device dev(fc.device == "cuda" ? torch::kCUDA : torch::kCPU);

  // Data: the fine-tuning text split by split_seed; the pretraining validation split exactly as pretraining made it.
  const auto ft = prepared ? cached_prepared_text(*pre, fc.max_bytes, fc.val_fraction, fc.split_seed)
                           : cached_text(*pre, data_path, fc.max_bytes, fc.val_fraction, fc.split_seed, false);
  const auto pt = cached_pretrain_val(*pre);
  const Batch ft_val = validation_windows(ft->val, T, fc.eval_tokens);
  const Batch pt_val = validation_windows(pt->val, mc.seq_len, fc.eval_tokens);
  const std::int64_t pt_val_bytes = target_bytes(pt_val.y, pre->token_bytes);

  // Non-overlapping blocks of T + 1 tokens (targets shifted by one) cut from the training split.
  const std::int64_t n_train = ft->train.ids.size(0);
  const std::int64_t n_blocks = (n_train - 1) / T;
  const std::int64_t per_epoch = n_blocks / fc.batch_size;
  if (per_epoch < 1)
    throw std::invalid_argument(fmt::format(
        "the fine-tuning text gives {} blocks of {} tokens, fewer than one batch of {}: use more text "
        "(--max-bytes) or a smaller --batch-size",
        n_blocks, T, fc.batch_size));
  std::int64_t total = per_epoch * fc.epochs;
  if (fc.max_steps > 0) total = std::min<std::int64_t>(total, fc.max_steps);

  // Pretrained evaluations (cached per process).
  const std::string eval_key = fmt::format("{}|{}|{}|{}|{}", pre->key, fc.device, fc.threads, fc.eval_tokens, T);
  const std::string ft_key = fmt::format("ppl|{}|{}|{}|{}|{}|{}", eval_key, file_key(data_path), prepared,
                                         fc.max_bytes, fc.val_fraction, fc.split_seed);
  const std::string pt_key = fmt::format("bpb|{}", eval_key);
  GPT model = fresh_model(*pre, dev);
  const double pre_ppl = cached_eval(ft_key, [&] { return evaluate_ppl(model, ft_val, kEvalBatch, dev); });
  const double pre_bpb = cached_eval(pt_key, [&] { return evaluate_bpb(model, pt_val, pt_val_bytes, kEvalBatch, dev); });

  // The fine-tuning optimizer config: the pretraining one (betas, eps, Muon variant and NS schedule, AdamW lrs of
  // embedding and head), with the fine-tuning rule and matrix lr.
  TrainConfig tc = pre->train;
  tc.optimizer = fc.optimizer;
  tc.matrix_lr = fc.lr;  // < 0: the fine-tuning optimizer's pretraining default
  tc.device = fc.device, tc.threads = fc.threads;
  const double base_lr = tc.effective_matrix_lr();
  // No momentum warm-up in fine-tuning (nanochat's SFT keeps Muon's momentum at its final value, 0.95): the
  // pretraining ramp 0.85 → 0.95 is for training from scratch.
  const double momentum = tc.momentum_end;

  FinetuneSummary sum;
  sum.run_dir = req.run_dir, sum.from = from, sum.pretrain_optimizer = optimizer_text(pre->train.optimizer);
  sum.method = fc.method, sum.optimizer = optimizer_text(fc.optimizer);
  sum.lr = base_lr, sum.peak_lr = base_lr * fc.lr_frac;
  sum.seed = fc.seed, sum.data = data_path, sum.planned_steps = total;
  sum.train_split_tokens = n_train, sum.val_tokens = ft_val.y.numel(), sum.pretrain_val_tokens = pt_val.y.numel();
  sum.pretrained_ppl = pre_ppl, sum.pretrained_bpb = pre_bpb;

  // Model, adapters and routing. The seed decides the adapter init, then the dropout masks.
  torch::manual_seed(fc.seed);
  std::vector<LoraTarget> lora;
  std::vector<Route> routes;
  std::vector<torch::Tensor> trainable;
  if (fc.method == "lora") {
    lora = attach_lora(model, fc.lora);
    routes = lora_routing(lora, matrix_rule(fc.optimizer), base_lr, fc.lora.a_adamw);
    sum.rank = fc.lora.rank, sum.init = fc.lora.init;
  } else {
    std::vector<std::pair<std::string, torch::Tensor>> named;
    for (const auto& p : model->named_parameters()) named.emplace_back(p.key(), p.value());
    routes = nanochat_routing(named, mc.n_embd(), tc);  // hidden → rule at lr; embedding, head → AdamW (× s)
  }
  for (const Route& r : routes) trainable.push_back(r.param), sum.trainable_params += r.param.numel();
  ModelOptimizer opt(routes, tc, dev.is_cuda());
  DistOptimizer dopt(opt, req.comm);  // data-parallel: the optimizer state sharded over the ranks

  // Run directory: config first; a new run removes the files of an earlier one. A resumed run restores its
  // checkpoint: weights, adapters, optimizer state, random generators and the trainer state.
  const std::string label = fc.method + "-" + sum.optimizer;
  TrainerState state;
  if (req.resume) {
    const RestoredCheckpoint rc = restore_checkpoint((dir / "checkpoint.pt").string(), model, opt);
    {
      torch::NoGradGuard no_grad;
      for (auto& [name, t] : lora_parameters(lora)) {
        auto it = rc.tensors.find(name);
        if (it == rc.tensors.end() || !it->second.sizes().equals(t.sizes()))
          throw std::invalid_argument("checkpoint '" + (dir / "checkpoint.pt").string() + "' has no adapter " + name);
        t.copy_(it->second);
      }
    }
    restore_generators(rc.tensors, dev);
    state = trainer_state_from_json(rc.trainer, rc.step);
    if (dopt.distributed()) dopt.load_state_dict(opt.state_dict()), opt.load_state_dict({});  // this rank's share
  } else {
    config = {{"from", from},
              {"model_file", pre->model_path},
              {"model", pre->config.at("model")},  // the checkpoint loads as a model (load_model, spectrum)
              {"finetune", to_json(fc)},
              {"resolved", {{"lr", base_lr}, {"peak_lr", sum.peak_lr}, {"seq_len", T}, {"momentum", momentum},
                            {"steps", total}, {"blocks", n_blocks}}},
              {"data",
               {{"path", data_path},
                {"source", ft->source},
                {"bytes_read", ft->bytes_read},
                {"train_documents", ft->train_docs},
                {"val_documents", ft->val_docs},
                {"train_tokens", n_train},
                {"val_tokens", ft->val.ids.size(0)},
                {"pretrain_val", pt->source}}},
              {"pretrain", pre->config}};
    if (writes) {
      fs::create_directories(dir);
      for (const char* f : {"metrics.csv", "updates.csv", "summary.json", "checkpoint.pt"}) fs::remove(dir / f);
      write_text_atomic((dir / "config.json").string(), config.dump(2) + "\n");
    }
  }
  if (req.progress)
    fmt::print(stderr,
               "finetune: {} from {} ({}-pretrained) | lr {:.4g} (peak {:.4g}) | {} steps of {}×{} tokens | {} "
               "trainable params | pretrained ppl {:.3f}, pretraining bpb {:.4f}{}\n",
               label, from, sum.pretrain_optimizer, base_lr, sum.peak_lr, total, fc.batch_size, T,
               sum.trainable_params, pre_ppl, pre_bpb,
               state.step > 0 ? fmt::format(" | resuming at step {}", state.step) : "");

  // Training: one pass over the blocks per epoch, lr = peak · (1 − step/steps) (linear to 0, no warm-up).
  const torch::Tensor offsets = torch::arange(T + 1, torch::kInt64).view({1, T + 1});
  std::vector<std::int64_t> order;
  int order_epoch = -1;
  auto lr_mult = [&](std::int64_t step) { return fc.lr_frac * lr_multiplier(int(step), int(total), 1.0); };
  TrainJob job;
  job.label = "finetune " + label;
  job.run_dir = req.run_dir;
  job.resume_hint = "muonlab finetune --run-dir " + req.run_dir + " --resume";
  job.steps = total;
  job.tokens_per_step = std::int64_t(fc.batch_size) * T;
  job.eval_every = fc.eval_every, job.probe_every = 0, job.checkpoint_every = req.checkpoint_every;
  job.checkpoint_at_end = false;  // the summary is the result; the checkpoint goes when the run ends
  job.stop_after = req.stop_after;
  job.progress = req.progress;
  job.device = dev;
  job.loss = [&](std::int64_t step) {
    const int epoch = int(step / per_epoch);
    if (epoch != order_epoch) order = block_order(n_blocks, fc.seed, epoch), order_epoch = epoch;
    const std::int64_t first = (step % per_epoch) * fc.batch_size;
    const torch::Tensor starts =
        torch::tensor(std::vector<std::int64_t>(order.begin() + first, order.begin() + first + fc.batch_size),
                      torch::kInt64).view({fc.batch_size, 1}) * T;
    const torch::Tensor w = ft->train.ids.index_select(0, (starts + offsets).view({-1})).view({fc.batch_size, T + 1});
    const Batch mine = rank_rows({w.narrow(1, 0, T), w.narrow(1, 1, T)}, comm);  // data-parallel: this rank's rows
    return model->loss(mine.x.to(dev), mine.y.to(dev));
  };
  job.optimizer = &opt;
  job.clip_params = trainable;
  job.grad_clip = fc.grad_clip;
  job.lr_mult = lr_mult;
  job.momentum = [&](std::int64_t) { return momentum; };
  job.set_training = [&](bool training) { set_lora_training(lora, training); };
  job.eval_columns = {"val_ppl", "pretrain_val_bpb"};
  job.eval_label = "val ppl";
  job.evaluate = [&](std::int64_t step) {
    if (step == 0) return std::vector<double>{pre_ppl, pre_bpb};  // the pretrained model's (cached) evaluations
    return std::vector<double>{evaluate_ppl(model, ft_val, kEvalBatch, dev),
                               evaluate_bpb(model, pt_val, pt_val_bytes, kEvalBatch, dev)};
  };
  job.schedule_columns = {{"lr", [&](std::int64_t step) { return base_lr * lr_mult(step); }}};
  job.save_checkpoint = [&](const TrainerState& st) {  // rank 0, with the whole optimizer state in opt
    CheckpointExtras extras{to_json(st), lora_parameters(lora)};
    for (auto& g : generator_states(dev)) extras.tensors.push_back(std::move(g));
    save_checkpoint((dir / "checkpoint.pt").string(), model, opt, st.step, config, extras);
  };
  job.comm = comm, job.dist_optimizer = &dopt;
  state.elapsed_s += seconds_since(t_start);  // this invocation's setup counts too
  const TrainResult r = train(job, state);
  const auto t_trained = Clock::now();
  set_lora_training(lora, false);

  const std::int64_t done = r.state.step;
  sum.start_step = r.start_step;
  sum.steps = done;
  sum.train_tokens = done * job.tokens_per_step;
  sum.mean_step_ms = r.mean_step_ms().value_or(0.0);
  sum.status = r.end == TrainResult::End::finished ? "finished" : r.end == TrainResult::End::stopped ? "stopped"
                                                                                                      : "diverged";
  if (r.end == TrainResult::End::diverged) sum.diverged = true, sum.diverged_step = r.diverged_step;

  // ΔW of every hidden matrix in float64: the adapters' s·(B A − B₀ A₀) under LoRA (exact, free of the float32
  // rounding of a merge), W_ft − W_pre under full fine-tuning.
  std::map<std::string, torch::Tensor> delta;
  for (const LoraTarget& t : lora) delta[t.name] = lora_update(t).cpu();
  double d2 = 0, dot = 0, nft2 = 0, npre2 = 0;
  for (const NamedMatrix& m : hidden_matrices(model)) {
    const torch::Tensor& wpre = pre->hidden64.at(m.name);
    torch::Tensor dw;
    if (fc.method == "lora") {
      auto it = delta.find(m.name);
      dw = it != delta.end() ? it->second : torch::zeros_like(wpre);
    } else {
      dw = m.weight.detach().to(torch::kCPU, torch::kFloat64) - wpre;
    }
    const torch::Tensor wft = wpre + dw;
    d2 += dw.pow(2).sum().item<double>();
    dot += (wft * wpre).sum().item<double>();
    nft2 += (wft * wft).sum().item<double>();
    npre2 += (wpre * wpre).sum().item<double>();
    sum.updates.push_back(update_stats(m.name, m.kind, m.layer, dw, pre->hidden_norms.at(m.name)));
  }
  sum.l2_distance = std::sqrt(d2);                          // ‖W_ft − W_pre‖ over all hidden matrices together
  sum.cosine_distance = 1.0 - dot / std::sqrt(nft2 * npre2);  // 1 − ⟨W_ft, W_pre⟩ / (‖W_ft‖ ‖W_pre‖)

  // The final evaluation is the trainer's, of the model as trained (the unmerged adapters under LoRA).
  const double inf = std::numeric_limits<double>::infinity();
  if (!sum.diverged && r.final_eval) {
    sum.final_ppl = r.final_eval->values.at(0), sum.final_bpb = r.final_eval->values.at(1);
    if (!std::isfinite(sum.final_ppl) || !std::isfinite(sum.final_bpb)) {  // the last update broke the weights
      sum.diverged = true, sum.diverged_step = done - 1, sum.status = "diverged";
    }
  }
  if (sum.diverged) sum.final_ppl = inf, sum.final_bpb = inf;
  sum.ppl_ratio = sum.diverged ? inf : sum.final_ppl / sum.pretrained_ppl;
  sum.forgetting_bpb = sum.diverged ? inf : sum.final_bpb - sum.pretrained_bpb;
  sum.elapsed_s = r.state.elapsed_s + seconds_since(t_trained);
  if (writes && sum.status != "stopped") {
    write_text_atomic((dir / "updates.csv").string(), updates_csv(sum.updates));
    write_text_atomic((dir / "summary.json").string(), to_json(sum).dump(2) + "\n");
    fs::remove(dir / "checkpoint.pt");  // the run has ended: nothing to resume
  }
  return sum;
}

}  // namespace muonlab::nanochat
