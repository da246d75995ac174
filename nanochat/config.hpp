// The two configuration structs of the LibTorch path, every default commented with where it comes from
// (REFERENCE §5: karpathy/nanochat at commit 306bc38, as the paper used it), and the three size presets.
//
// Options validate themselves (STYLE: Ceres' Options::IsValid): `validate()` throws std::invalid_argument with a
// message naming the offending option, which the CLI maps to exit code 2.
#pragma once

#include "solvers/optimizer_id.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace muonlab::nanochat {

/// The model. Depth sets width: n_embd = 64·depth, heads of nominal dimension 128 (REFERENCE §5).
struct ModelConfig {
  int depth = 2;               // number of transformer blocks
  int vocab_size = 2048;       // tokenizer vocabulary (the tokenizer decides; stored here for the model)
  int seq_len = 128;           // context length; the RoPE table covers it
  int head_dim = 128;          // nominal head dimension (nanochat: 128); n_head = max(1, n_embd / head_dim)
  double softcap = 15;         // logits ← softcap·tanh(logits / softcap) (nanochat: 15)
  double rope_base = 10000;    // RoPE base (nanochat: 10000)

  int n_embd() const { return 64 * depth; }
  int n_head() const;          // max(1, n_embd / head_dim)
  int actual_head_dim() const { return n_embd() / n_head(); }
  void validate() const;
};

/// Pretraining (REFERENCE §5). Learning rates are the nanochat ones; the AdamW groups are scaled by
/// s = (n_embd/768)^-0.5 as in nanochat, the matrix group is not.
struct TrainConfig {
  std::string preset = "cpu";      // tiny | cpu | gpu: the defaults below are the cpu preset's
  solvers::OptimizerId optimizer = solvers::OptimizerId::muon;  // hidden matrices: muon | adam | adamuon | normuon
                                                                 // (is_torch_rule; the rest is always AdamW)
  std::string muon_variant = "keller";  // keller (nanochat, paper §3) | moonlight (paper §4)
  std::string ns = "ns5";          // orthogonalization: ns5 (Keller) | pe5 (Polar Express, nanochat) | pe-paper
  int steps = 600;                 // optimizer steps
  int batch_size = 16;             // sequences per step (tokens per step = batch_size·seq_len)
  double matrix_lr = -1;           // < 0: the optimizer's default (muon 0.02, adam 1e-3, see default_matrix_lr)
  double embedding_lr = 0.2;       // AdamW on the token embedding, times s (nanochat)
  double unembedding_lr = 0.004;   // AdamW on the LM head, times s (nanochat)
  double adam_beta1 = 0.8;         // nanochat's AdamW betas (0.8, 0.95)
  double adam_beta2 = 0.95;
  double adam_eps = 1e-10;         // nanochat
  double weight_decay = 0;         // nanochat pretraining uses none
  double grad_clip = 1.0;          // global gradient-norm clip (nanochat); 0 disables
  double warmdown_ratio = 0.2;     // LR constant, then linear to 0 over the last 20% of steps (nanochat)
  double momentum_start = 0.85;    // Muon momentum ramps 0.85 → 0.95 over the first 300 steps (nanochat)
  double momentum_end = 0.95;
  int momentum_warmup = 300;
  double normuon_beta2 = 0.95;     // NorMuon row-statistic decay
  int eval_every = 50;             // validation bits per byte every K steps (and at the end)
  int eval_tokens = 32768;         // validation tokens per evaluation (capped by the validation split)
  int probe_every = 50;            // spectral probes every K steps (and at the end); 0 disables
  int checkpoint_every = 100;      // resumable checkpoint every K steps (and at the end); 0: only at the end
  std::uint64_t seed = 42;         // model init, data split and batch order all derive from it
  int threads = 2;                 // torch intra-op threads (this machine has 2 cores)
  std::string device = "cpu";      // cpu | cuda (bf16 matmuls on cuda, fp32 master weights)
  // data and tokenizer
  std::string data;                // text file (plain, .gz or .dz); empty: data/gcide.txt, else the gcide package
  std::int64_t max_bytes = 4'000'000;  // read at most this many bytes of text (0 = all)
  double val_fraction = 0.02;      // documents held out for validation, chosen by the seed
  int vocab_size = 2048;           // SentencePiece BPE vocabulary (with 256 byte-fallback pieces)

  double default_matrix_lr() const;  // muon(keller) 0.02, muon(moonlight) 5e-3, adam 1e-3, adamuon 5e-3, normuon 0.02
  double effective_matrix_lr() const { return matrix_lr >= 0 ? matrix_lr : default_matrix_lr(); }
  void validate() const;
};

/// A preset fills both structs: "tiny" (seconds, for tests), "cpu" (about 10 minutes on 2 cores), "gpu" (about 10
/// minutes on one H100, sized by FLOP arithmetic). Throws std::invalid_argument for another name.
void apply_preset(const std::string& name, ModelConfig& model, TrainConfig& train);

nlohmann::json to_json(const ModelConfig& c);
nlohmann::json to_json(const TrainConfig& c);
ModelConfig model_config_from_json(const nlohmann::json& j);
TrainConfig train_config_from_json(const nlohmann::json& j);

}  // namespace muonlab::nanochat
