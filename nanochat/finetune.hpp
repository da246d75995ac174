// Fine-tuning a pretrained NanoChat (REFERENCE §5, paper §3): Full or LoRA, with any matrix rule (Muon, Adam,
// AdaMuon, NorMuon), on a fine-tuning text (default: the fortunes), reporting what the paper reports:
//   - fine-tuning perplexity on a held-out split of the fine-tuning text (token level, the pretrained tokenizer),
//     and its ratio to the pretrained model's perplexity on the same windows (Table 1's normalization);
//   - forgetting: validation bits per byte on the pretraining text's validation split, before and after;
//   - the L2 and cosine distance of the fine-tuned hidden matrices from the pretrained ones (Table 17);
//   - for every hidden matrix, the update ΔW = W_ft − W_pre: max-norm, spectral norm, Frobenius norm, stable rank
//     (the toy theory's check at scale: Prop D.4/D.5 predict each optimizer's update is small in its own geometry).
//
// The recipe (REFERENCE §5): the pretraining routing and learning rates, every one times `lr_frac` (nanochat SFT's
// init_lr_frac = 0.02) at the peak, linear decay to 0, no warm-up, grad clip as in pretraining, one epoch of
// non-overlapping `seq_len` blocks. `lr` replaces the matrix learning rate (the sweep variable of Table 8; the
// paper sweeps it from 1e-5 to 0.9). Under LoRA (r = 8, α = 16 on Q, K, V, O, MLP up and down) the base weights,
// embedding and head are frozen, and A and B go to the matrix rule (option: A to AdamW).
//
// Data: --data names a text (encoded with the run's tokenizer); without it, the run's own fine-tuning tokens
// (run/finetune_tokens.pt, written by `muonlab pretrain`: no text and no SentencePiece needed), else the fortunes.
// The forgetting split comes from run/tokens.pt when the run has it (else from the pretraining text).
//
// The loop is the shared trainer (trainer.hpp). A run directory holds config.json, metrics.csv (step, train loss,
// fine-tuning val ppl, pretraining val bpb, lr), checkpoint.pt while the run is unfinished (every K steps with
// checkpoint_every, at a stop, on SIGINT/SIGTERM; --resume continues it), and at the end updates.csv (the
// per-matrix ΔW table) and summary.json, all written atomically; the checkpoint is removed when the run ends.
#pragma once

#include "nanochat/config.hpp"
#include "nanochat/distributed.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace muonlab::nanochat {

struct LoraConfig {
  int rank = 8;             // r (paper: 8)
  double alpha = 16;        // α (paper: 16); scale α/r, or α/√r under rsLoRA
  double dropout = 0;       // on the adapter's input (paper: 0)
  bool rslora = false;      // rsLoRA scaling α/√r (arXiv 2312.03732)
  std::string init = "lora";  // lora (A ~ U(±1/√in), B = 0: the update starts at 0) | pissa (top-r SVD of W)
  std::vector<std::string> targets = {"Q", "K", "V", "O", "MLP_up", "MLP_down"};
  bool a_adamw = false;     // under a Muon-family rule, send A to AdamW instead (B stays on the matrix rule)
  void validate() const;
};

struct FinetuneConfig {
  std::string method = "full";      // full | lora
  solvers::OptimizerId optimizer = solvers::OptimizerId::muon;  // the matrix rule: muon | adam | adamuon | normuon
                                                                 // (is_torch_rule; embedding, head: AdamW)
  double lr = -1;                   // matrix (or adapter) base lr; < 0: the optimizer's pretraining default
  double lr_frac = 0.02;            // peak lr = base lr × lr_frac, linear to 0 (nanochat SFT)
  int batch_size = 8;               // blocks per step
  int seq_len = 0;                  // block length; 0: the model's context length
  int epochs = 1;                   // passes over the training blocks (paper: 1)
  int max_steps = 0;                // > 0: stop after this many steps even inside an epoch
  std::int64_t max_bytes = 0;       // the whole documents within this many bytes of the fine-tuning text (0 = all)
  double val_fraction = 0.1;        // fine-tuning documents held out for perplexity, chosen by the split seed
  std::uint64_t split_seed = 0;     // data split (fixed across a sweep so every run sees the same validation set)
  std::uint64_t seed = 1;           // adapter init, block order and dropout
  int eval_tokens = 16384;          // tokens of each validation set (fine-tuning and pretraining) per evaluation
  int eval_every = 0;               // > 0: also evaluate every K steps (metrics.csv, Figure 3 trajectories)
  double grad_clip = 1.0;
  int threads = 2;
  std::string device = "cpu";
  std::string data;                 // fine-tuning text; empty: the run's finetune_tokens.pt, else data/fortunes.txt,
                                    // else the fortunes package
  LoraConfig lora;
  void validate() const;
};
nlohmann::json to_json(const FinetuneConfig& c);
/// The inverse of to_json (a resumed run's config.json); missing keys keep their defaults.
FinetuneConfig finetune_config_from_json(const nlohmann::json& j);

/// The update of one hidden matrix, ΔW = W_ft − W_pre (merged for LoRA).
struct MatrixUpdate {
  std::string name, kind;  // kind: Q | K | V | O | MLP_up | MLP_down
  int layer = 0;
  double norm_max = 0, norm_spectral = 0, norm_frobenius = 0;
  double stable_rank = 0;  // ‖ΔW‖F² / ‖ΔW‖2² (0 when ΔW = 0)
  double rel_max = 0, rel_spectral = 0;  // ‖ΔW‖max / ‖W_pre‖max, ‖ΔW‖2 / ‖W_pre‖2
};

struct FinetuneSummary {
  std::string run_dir, from, pretrain_optimizer, method, optimizer;
  double lr = 0, peak_lr = 0;
  std::uint64_t seed = 0;
  std::int64_t steps = 0, trainable_params = 0, train_tokens = 0;
  double pretrained_ppl = 0, final_ppl = 0, ppl_ratio = 0;   // fine-tuning val perplexity; ratio = final / pretrained
  double pretrained_bpb = 0, final_bpb = 0, forgetting_bpb = 0;  // pretraining val bpb; forgetting = final − pretrained
  double l2_distance = 0, cosine_distance = 0;  // hidden matrices flattened together: ‖W_ft − W_pre‖, 1 − cos
  std::vector<MatrixUpdate> updates;
  bool diverged = false;  // the loss became non-finite: ppl = +inf, the run still reports (a sweep point, not a crash)
  double elapsed_s = 0;     // wall time of every invocation of the run
  double mean_step_ms = 0;  // per training step of this invocation (0: none)
  std::string status;       // finished | stopped (--stop-after: the values are at the stop) | diverged
  std::int64_t start_step = 0;  // where this invocation began (> 0 when resumed)
  // Added by the implementation (finetune.cpp):
  std::string data;                     // the fine-tuning text read
  int rank = 0;                         // LoRA rank (0 for full fine-tuning)
  std::string init;                     // LoRA init (lora | pissa; empty for full)
  std::int64_t planned_steps = 0;       // epochs × blocks/batch, capped by max_steps (steps < planned if diverged)
  std::int64_t diverged_step = -1;      // the step whose loss was non-finite
  std::int64_t train_split_tokens = 0;  // tokens in the fine-tuning training split (train_tokens: those trained on)
  std::int64_t val_tokens = 0;          // fine-tuning validation targets per perplexity evaluation
  std::int64_t pretrain_val_tokens = 0; // pretraining validation targets per bits-per-byte evaluation
};
nlohmann::json to_json(const FinetuneSummary& s);
FinetuneSummary finetune_summary_from_json(const nlohmann::json& j);

struct FinetuneRequest {
  std::string from;      // a pretraining run directory or its model file (model.pt or checkpoint.pt)
  FinetuneConfig config;
  std::string run_dir;   // empty: no files written (the sweep keeps only the summary)
  bool force = false;    // replace a finished (or unfinished) run in run_dir
  bool resume = false;   // continue the unfinished run in run_dir (its config.json decides `from` and `config`)
  std::int64_t stop_after = 0;  // > 0: evaluate, checkpoint and stop after this many steps (needs run_dir)
  int checkpoint_every = 0;     // > 0: also checkpoint every K steps (needs run_dir)
  bool progress = true;  // progress line on stderr
  // Data-parallel (nanochat/dist_train.hpp): this rank's process group; null on one process. Each rank trains on its
  // rows of every batch (LoRA dropout, when used: every rank draws from the same seeded generator, so the masks are
  // not those of one process) and evaluates in full; every rank reads run_dir (--resume on any number of ranks, the
  // checkpoint being the one-process one), rank 0 alone writes into it.
  std::shared_ptr<Comm> comm;
};

/// Fine-tunes a copy of the pretrained model. Bad options, a missing checkpoint or unreadable data throw
/// std::invalid_argument; SIGINT/SIGTERM throw Interrupted (after a checkpoint when there is a run_dir); a
/// diverging run returns with `diverged` set (the CLI reports it and exits non-zero; a sweep records it).
FinetuneSummary finetune(const FinetuneRequest& req);

/// finetune() keeps, per process, what does not depend on the training run: the loaded pretrained weights and
/// tokenizer, the encoded fine-tuning and pretraining-validation texts, and the pretrained model's evaluations, each
/// keyed by its inputs (files by path, size and modification time). A repeated call costs only its own steps and
/// final evaluation. This drops them all (tests; a long-lived process that rewrites its inputs).
void clear_finetune_cache();

}  // namespace muonlab::nanochat
