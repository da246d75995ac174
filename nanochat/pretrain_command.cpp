#include "nanochat/pretrain_command.hpp"
#include "nanochat/optimizer_names.hpp"

#include <fmt/core.h>

#include <stdexcept>
#include <utility>

namespace muonlab::nanochat {
namespace {

using Apply = void (*)(const PretrainOptions&, ModelConfig&, TrainConfig&);

// Every setting that may override the preset, and how it does.
const std::vector<std::pair<std::string, Apply>>& overrides() {
  static const std::vector<std::pair<std::string, Apply>> table = {
      {"depth", [](const PretrainOptions& o, ModelConfig& m, TrainConfig&) { m.depth = o.model.depth; }},
      {"seq-len", [](const PretrainOptions& o, ModelConfig& m, TrainConfig&) { m.seq_len = o.model.seq_len; }},
      {"optimizer",  // a shared name (solvers/optimizer_id.hpp): muon-moonlight is muon with the moonlight variant
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) {
         const auto [optimizer, variant] = torch_config_names(o.optimizer);
         t.optimizer = optimizer;
         if (!variant.empty()) t.muon_variant = variant;
       }},
      {"muon-variant",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.muon_variant = o.train.muon_variant; }},
      {"ns", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.ns = o.train.ns; }},
      {"steps", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.steps = o.train.steps; }},
      {"batch-size", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.batch_size = o.train.batch_size; }},
      {"matrix-lr", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.matrix_lr = o.train.matrix_lr; }},
      {"embedding-lr",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.embedding_lr = o.train.embedding_lr; }},
      {"unembedding-lr",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.unembedding_lr = o.train.unembedding_lr; }},
      {"weight-decay",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.weight_decay = o.train.weight_decay; }},
      {"grad-clip", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.grad_clip = o.train.grad_clip; }},
      {"eval-every", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.eval_every = o.train.eval_every; }},
      {"eval-tokens",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.eval_tokens = o.train.eval_tokens; }},
      {"probe-every",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.probe_every = o.train.probe_every; }},
      {"checkpoint-every",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.checkpoint_every = o.train.checkpoint_every; }},
      {"seed", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.seed = o.train.seed; }},
      {"threads", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.threads = o.train.threads; }},
      {"device", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.device = o.train.device; }},
      {"data", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.data = o.train.data; }},
      {"max-bytes", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.max_bytes = o.train.max_bytes; }},
      {"val-fraction",
       [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.val_fraction = o.train.val_fraction; }},
      {"vocab-size", [](const PretrainOptions& o, ModelConfig&, TrainConfig& t) { t.vocab_size = o.train.vocab_size; }},
  };
  return table;
}

}  // namespace

std::string PretrainOptions::validate() const {
  if (prepare_only && nproc > 1) return "--prepare-only runs on one process: drop --nproc";
  return {};
}

const std::vector<std::string>& pretrain_override_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, apply] : overrides()) v.push_back(name);
    return v;
  }();
  return names;
}

PretrainRequest pretrain_request(const PretrainOptions& o) {
  for (const auto& name : o.given) {
    bool known = false;
    for (const auto& n : pretrain_override_names()) known = known || n == name;
    if (!known) throw std::invalid_argument("pretrain: '" + name + "' is not a setting that overrides the preset");
  }
  PretrainRequest req;
  ModelConfig& m = req.model;
  TrainConfig& t = req.train;
  apply_preset(o.preset, m, t);
  for (const auto& [name, apply] : overrides())
    if (o.given.count(name)) apply(o, m, t);
  m.vocab_size = t.vocab_size;
  req.run_dir = o.run_dir.empty()
                    ? fmt::format("runs/pretrain-{}-{}-d{}-s{}", t.preset, optimizer_text(t.optimizer), m.depth,
                                  t.seed)
                    : o.run_dir;
  req.stop_after = o.stop_after;
  req.resume = o.resume, req.force = o.force, req.progress = !o.quiet, req.tokenizer = o.tokenizer;
  req.prepare_only = o.prepare_only;
  req.finetune_data = o.finetune_data, req.finetune_max_bytes = o.finetune_max_bytes;
  return req;
}

std::string brief(const PretrainSummary& s) {
  if (s.status == "prepared")
    return fmt::format("run {}: prepared ({} tokenizer, {} train tokens, {:.2f} bytes/token, {}); no steps taken\n",
                       s.run_dir, s.tokenizer, s.train_tokens, s.bytes_per_token,
                       s.finetune_tokens > 0 ? fmt::format("{} fine-tuning tokens", s.finetune_tokens)
                                             : std::string("no fine-tuning tokens"));
  std::string out;
  if (s.mfu)
    out += fmt::format("model FLOPs utilization {:.1f}% of {:.0f} TFLOP/s (bf16 peak; MUONLAB_PEAK_TFLOPS sets it)\n",
                       100 * *s.mfu, peak_bf16_tflops());
  const std::string what = s.status == "finished" ? fmt::format("{} steps of {}", s.steps, s.optimizer)
                           : s.status == "stopped"
                               ? fmt::format("stopped at step {} of {} ({}; --resume continues)", s.steps,
                                             s.planned_steps, s.optimizer)
                               : fmt::format("DIVERGED at step {} of {} ({})", s.diverged_step, s.planned_steps,
                                             s.optimizer);
  const std::string at = s.final_val_step >= 0 ? fmt::format(" at step {}", s.final_val_step) : std::string();
  out += fmt::format("run {}: {} | final val {} bpb{} (initial {}, unigram baseline {}) | {} tok/s, {} ms/step ({} ms "
                     "optimizer), {} model TFLOP/s | Q,K,V stable rank {}, SVD entropy {} | {:.1f} s\n",
                     s.run_dir, what, format_measured(s.final_val_bpb), at, format_measured(s.initial_val_bpb),
                     format_measured(s.unigram_val_bpb), format_measured(s.tokens_per_second, "{:.0f}"),
                     format_measured(s.mean_step_ms, "{:.1f}"), format_measured(s.mean_optimizer_ms, "{:.1f}"),
                     format_measured(s.model_tflops, "{:.3g}"), format_measured(s.qkv_stable_rank, "{:.2f}"),
                     format_measured(s.qkv_svd_entropy), s.elapsed_s);
  return out;
}

std::string diverged_message(const PretrainSummary& s) {
  return fmt::format("training diverged at step {} (non-finite loss): lower the learning rate; {}/summary.json "
                     "records it", s.diverged_step, s.run_dir);
}

}  // namespace muonlab::nanochat
