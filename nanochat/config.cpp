#include "nanochat/config.hpp"

#include "nanochat/optimizer_names.hpp"

#include <stdexcept>

namespace muonlab::nanochat {

int ModelConfig::n_head() const {
  const int h = n_embd() / head_dim;
  return h < 1 ? 1 : h;
}

void ModelConfig::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };
  if (depth < 1 || depth > 64) fail("--depth must be in [1, 64], got " + std::to_string(depth));
  if (vocab_size < 2) fail("vocabulary size must be at least 2, got " + std::to_string(vocab_size));
  if (seq_len < 2 || seq_len > 65536) fail("--seq-len must be in [2, 65536], got " + std::to_string(seq_len));
  if (head_dim < 2) fail("head dimension must be at least 2");
  if (n_embd() % n_head() != 0)
    fail("width " + std::to_string(n_embd()) + " is not divisible by " + std::to_string(n_head()) +
         " heads; pick a depth whose width 64·depth is a multiple of the head dimension");
  if (actual_head_dim() % 2 != 0) fail("RoPE needs an even head dimension");
  if (!(softcap > 0)) fail("softcap must be positive");
}

double TrainConfig::default_matrix_lr() const {
  using solvers::OptimizerId;
  switch (with_variant(optimizer, muon_variant)) {
    case OptimizerId::adam: return 1e-3;  // REFERENCE §5: the Adam run puts hidden matrices on AdamW at 1e-3
    case OptimizerId::muon: return 0.02;  // nanochat: Muon lr 0.02 (Keller)
    // Moonlight-style and AdaMuon updates have RMS 0.2·lr; Keller's at width 256 has RMS ≈ lr/16, so 5e-3 matches
    // Keller's 0.02 at the cpu preset's width. NorMuon keeps Keller's scale.
    case OptimizerId::muon_moonlight: return 5e-3;
    case OptimizerId::adamuon: return 5e-3;
    default: return 0.02;  // normuon
  }
}

void TrainConfig::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };
  if (!is_torch_rule(optimizer))
    fail(not_a_torch_rule("--optimizer", optimizer_text(optimizer)));
  if (muon_variant != "keller" && muon_variant != "moonlight")
    fail("--muon-variant must be keller or moonlight, got '" + muon_variant + "'");
  if (ns != "ns5" && ns != "pe5" && ns != "pe-paper")
    fail("--ns must be ns5, pe5 or pe-paper, got '" + ns + "'");
  if (steps < 1) fail("--steps must be at least 1");
  if (batch_size < 1) fail("--batch-size must be at least 1");
  if (!(embedding_lr >= 0) || !(unembedding_lr >= 0)) fail("learning rates must be >= 0");
  if (!(adam_beta1 >= 0 && adam_beta1 < 1) || !(adam_beta2 >= 0 && adam_beta2 < 1))
    fail("Adam betas must be in [0, 1)");
  if (!(adam_eps >= 0)) fail("Adam eps must be >= 0");
  if (!(grad_clip >= 0)) fail("--grad-clip must be >= 0");
  if (!(warmdown_ratio >= 0 && warmdown_ratio <= 1)) fail("warmdown ratio must be in [0, 1]");
  if (!(momentum_start >= 0 && momentum_start < 1 && momentum_end >= 0 && momentum_end < 1))
    fail("Muon momentum must be in [0, 1)");
  if (eval_every < 1) fail("--eval-every must be at least 1");
  if (eval_tokens < 1) fail("--eval-tokens must be at least 1");
  if (probe_every < 0 || checkpoint_every < 0) fail("--probe-every and --checkpoint-every must be >= 0");
  if (threads < 1 || threads > 256) fail("--threads must be in [1, 256]");
  if (device != "cpu" && device != "cuda") fail("--device must be cpu or cuda, got '" + device + "'");
  if (max_bytes < 0) fail("--max-bytes must be >= 0");
  if (!(val_fraction > 0 && val_fraction < 0.5)) fail("--val-fraction must be in (0, 0.5)");
  if (vocab_size < 260 || vocab_size > 1'000'000)
    fail("--vocab-size must be in [260, 1000000] (256 byte pieces plus merges), got " + std::to_string(vocab_size));
}

void apply_preset(const std::string& name, ModelConfig& m, TrainConfig& t) {
  t.preset = name;
  if (name == "tiny") {
    // Seconds on one core: for tests. Width 64, one head of 64.
    m.depth = 1, m.seq_len = 32;
    t.vocab_size = 512, t.steps = 30, t.batch_size = 4, t.max_bytes = 300'000;
    t.eval_every = 10, t.eval_tokens = 2048, t.probe_every = 10, t.checkpoint_every = 10, t.val_fraction = 0.05;
    t.momentum_warmup = 300;
  } else if (name == "cpu") {
    // About 10 minutes on an idle 2-core machine: width 128 (one head of 128), 2048-token vocabulary, context 128,
    // 2048 tokens per step. Per token ≈ 6·(0.39M hidden + 0.26M head) + attention ≈ 4.5 MFLOP, so a step is
    // ≈ 9 GFLOP ≈ 1 s at the ~10 GFLOP/s LibTorch reaches here on small matmuls: 600 steps ≈ 10 minutes.
    m.depth = 2, m.seq_len = 128;
    t.vocab_size = 2048, t.steps = 600, t.batch_size = 16, t.max_bytes = 4'000'000;
    t.eval_every = 50, t.eval_tokens = 32768, t.probe_every = 50, t.checkpoint_every = 100, t.val_fraction = 0.02;
  } else if (name == "gpu") {
    // Sized by FLOP arithmetic for one H100 (bf16 dense peak ≈ 989 TFLOP/s), untested here: depth 12 (width 768,
    // 6 heads), vocabulary 16384, context 1024, 64 sequences per step. Per token ≈ 6·(85M hidden + 12.6M head)
    // + 12·L·T·C (attention) ≈ 0.70 GFLOP; at 40% MFU that is ≈ 5.7e5 tokens/s, so 10 minutes ≈ 3.4e8 tokens
    // ≈ 5000 steps of 65536 tokens. The whole of gcide (40 MB ≈ 1e7 tokens) is then seen ≈ 30 times.
    m.depth = 12, m.seq_len = 1024;
    t.vocab_size = 16384, t.steps = 5000, t.batch_size = 64, t.max_bytes = 0;
    t.eval_every = 250, t.eval_tokens = 1 << 20, t.probe_every = 250, t.checkpoint_every = 1000;
    t.val_fraction = 0.01, t.device = "cuda", t.threads = 8;
  } else {
    throw std::invalid_argument("--preset must be tiny, cpu or gpu, got '" + name + "'");
  }
  m.vocab_size = t.vocab_size;
}

nlohmann::json to_json(const ModelConfig& c) {
  return {{"depth", c.depth},       {"vocab_size", c.vocab_size}, {"seq_len", c.seq_len},
          {"head_dim", c.head_dim}, {"softcap", c.softcap},       {"rope_base", c.rope_base},
          {"n_embd", c.n_embd()},   {"n_head", c.n_head()}};
}

nlohmann::json to_json(const TrainConfig& c) {
  return {{"preset", c.preset},
          {"optimizer", optimizer_text(c.optimizer)},
          {"muon_variant", c.muon_variant},
          {"ns", c.ns},
          {"steps", c.steps},
          {"batch_size", c.batch_size},
          {"matrix_lr", c.effective_matrix_lr()},
          {"embedding_lr", c.embedding_lr},
          {"unembedding_lr", c.unembedding_lr},
          {"adam_beta1", c.adam_beta1},
          {"adam_beta2", c.adam_beta2},
          {"adam_eps", c.adam_eps},
          {"weight_decay", c.weight_decay},
          {"grad_clip", c.grad_clip},
          {"warmdown_ratio", c.warmdown_ratio},
          {"momentum_start", c.momentum_start},
          {"momentum_end", c.momentum_end},
          {"momentum_warmup", c.momentum_warmup},
          {"normuon_beta2", c.normuon_beta2},
          {"eval_every", c.eval_every},
          {"eval_tokens", c.eval_tokens},
          {"probe_every", c.probe_every},
          {"checkpoint_every", c.checkpoint_every},
          {"seed", c.seed},
          {"threads", c.threads},
          {"device", c.device},
          {"data", c.data},
          {"max_bytes", c.max_bytes},
          {"val_fraction", c.val_fraction},
          {"vocab_size", c.vocab_size}};
}

ModelConfig model_config_from_json(const nlohmann::json& j) {
  ModelConfig c;
  c.depth = j.at("depth").get<int>();
  c.vocab_size = j.at("vocab_size").get<int>();
  c.seq_len = j.at("seq_len").get<int>();
  c.head_dim = j.value("head_dim", 128);
  c.softcap = j.value("softcap", 15.0);
  c.rope_base = j.value("rope_base", 10000.0);
  c.validate();
  return c;
}

TrainConfig train_config_from_json(const nlohmann::json& j) {
  TrainConfig c;
  c.preset = j.value("preset", c.preset);
  c.optimizer = torch_rule_id(j.value("optimizer", optimizer_text(c.optimizer)));
  c.muon_variant = j.value("muon_variant", c.muon_variant);
  c.ns = j.value("ns", c.ns);
  c.steps = j.value("steps", c.steps);
  c.batch_size = j.value("batch_size", c.batch_size);
  c.matrix_lr = j.value("matrix_lr", c.matrix_lr);
  c.embedding_lr = j.value("embedding_lr", c.embedding_lr);
  c.unembedding_lr = j.value("unembedding_lr", c.unembedding_lr);
  c.adam_beta1 = j.value("adam_beta1", c.adam_beta1);
  c.adam_beta2 = j.value("adam_beta2", c.adam_beta2);
  c.adam_eps = j.value("adam_eps", c.adam_eps);
  c.weight_decay = j.value("weight_decay", c.weight_decay);
  c.grad_clip = j.value("grad_clip", c.grad_clip);
  c.warmdown_ratio = j.value("warmdown_ratio", c.warmdown_ratio);
  c.momentum_start = j.value("momentum_start", c.momentum_start);
  c.momentum_end = j.value("momentum_end", c.momentum_end);
  c.momentum_warmup = j.value("momentum_warmup", c.momentum_warmup);
  c.normuon_beta2 = j.value("normuon_beta2", c.normuon_beta2);
  c.eval_every = j.value("eval_every", c.eval_every);
  c.eval_tokens = j.value("eval_tokens", c.eval_tokens);
  c.probe_every = j.value("probe_every", c.probe_every);
  c.checkpoint_every = j.value("checkpoint_every", c.checkpoint_every);
  c.seed = j.value("seed", c.seed);
  c.threads = j.value("threads", c.threads);
  c.device = j.value("device", c.device);
  c.data = j.value("data", c.data);
  c.max_bytes = j.value("max_bytes", c.max_bytes);
  c.val_fraction = j.value("val_fraction", c.val_fraction);
  c.vocab_size = j.value("vocab_size", c.vocab_size);
  c.validate();
  return c;
}

}  // namespace muonlab::nanochat
