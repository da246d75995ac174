// Pretraining (REFERENCE §5): data and tokenizer, the NanoChat model, routed optimizers, the LR schedule
// (constant, then linear to 0 over the last 20%), the Muon momentum warm-up, grad clip 1.0, validation bits per
// byte, spectral probes, and a run directory that can be resumed. The loop is the shared trainer (trainer.hpp).
//
//   run/config.json           {"model": …, "train": …, "tokenizer": …, "data": …, "finetune_data": …}
//   run/tokenizer.model       the SentencePiece BPE model trained on the training split ("bytes" tokenizer: absent)
//   run/tokens.pt             both splits tokenized (token_cache.hpp): a resumed run reads it, needs no text or tools
//   run/finetune_tokens.pt    the fine-tuning text (default: the fortunes) tokenized by documents with the run's
//                             tokenizer, for `muonlab finetune --from run` where there is no text or SentencePiece
//   run/metrics.csv           step,tokens,train_loss,val_bpb,lr_mult,momentum,elapsed_s
//   run/probes.csv            stable rank, SVD entropy and norms of every Q, K, V, O, MLP matrix every K steps
//   run/checkpoint.pt         weights + optimizer state + trainer state (every K steps, at a stop, and at the end)
//   run/model.pt              the final model (weights + config)
//   run/summary.json          the summary below, when the run has finished or diverged
#pragma once

#include "nanochat/config.hpp"
#include "nanochat/distributed.hpp"
#include "nanochat/trainer.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace muonlab::nanochat {

struct PretrainRequest {
  ModelConfig model;
  TrainConfig train;
  std::string run_dir;
  bool resume = false;   // continue run_dir from its checkpoint (its config.json wins over `model`/`train`)
  bool force = false;    // start afresh even if run_dir holds a run (its files are replaced)
  bool progress = true;  // progress line on stderr
  std::int64_t stop_after = 0;  // > 0: evaluate, probe, checkpoint and stop after this many steps of this invocation
  std::string tokenizer = "bpe";  // bpe | bytes
  bool prepare_only = false;  // write config.json + tokens.pt (+ finetune_tokens.pt) and stop (train elsewhere)
  // The fine-tuning text encoded into run/finetune_tokens.pt by a new run: empty: the default (data/fortunes.txt or
  // the fortunes package) when there is one; "none": no fine-tuning tokens.
  std::string finetune_data;
  std::int64_t finetune_max_bytes = 0;  // read at most this many bytes of it (0: all)
  // Data-parallel (nanochat/dist_train.hpp): this rank's process group; null on one process. Rank 0 prepares the run
  // directory and writes every file; the others wait for it, then read config.json and tokens.pt as a resumed run.
  std::shared_ptr<Comm> comm;
};

/// Every value a run may not have measured is a Measured (trainer.hpp): null in JSON, "—" in text.
struct PretrainSummary {
  std::string run_dir, optimizer, tokenizer, device;
  std::string status;                    // finished | stopped (--stop-after) | diverged | prepared (--prepare-only)
  std::int64_t start_step = 0;           // where this invocation began
  std::int64_t steps = 0;                // steps done
  std::int64_t planned_steps = 0;        // the run's length
  std::int64_t diverged_step = -1;       // the step whose training loss was not finite (status diverged)
  std::int64_t params_total = 0, params_hidden = 0;
  std::int64_t train_tokens = 0, val_tokens_evaluated = 0;
  std::int64_t finetune_tokens = 0;      // tokens in run/finetune_tokens.pt (0: none)
  double bytes_per_token = 0;
  Measured initial_val_bpb;              // at step 0 (kept across resumes)
  Measured final_val_bpb;                // of the weights the run ended with, at step final_val_step
  std::int64_t final_val_step = -1;
  Measured unigram_val_bpb;
  Measured final_train_loss;             // the last step's
  Measured tokens_per_second;            // training throughput over this invocation (steps only, no eval/probes)
  Measured mean_step_ms;                 // forward + backward + optimizer, per step, this invocation
  Measured mean_optimizer_ms;            // the optimizer step alone
  int ranks = 1;                         // data-parallel ranks (nanochat/dist_train.hpp)
  Measured mean_comm_ms;                 // per step, inside collectives (loss average, reduce-scatter, norm, gather)
  double model_flops_per_token = 0;      // flops_per_token(model): forward + backward
  Measured model_tflops;                 // model_flops_per_token × tokens_per_second / 1e12
  Measured mfu;                          // CUDA: model_tflops ÷ peak_bf16_tflops() (not measured on the CPU)
  Measured qkv_stable_rank, qkv_svd_entropy;  // mean over Q, K, V matrices of the final (or stop) probes
  double elapsed_s = 0;                  // wall time of every invocation of the run
};
nlohmann::json to_json(const PretrainSummary& s);

/// The GPU's dense bf16 peak in TFLOP/s for model FLOPs utilization: MUONLAB_PEAK_TFLOPS if set, else 989 (H100 SXM).
/// Throws std::invalid_argument when the variable is not a positive number.
double peak_bf16_tflops();

/// Runs (or resumes) a pretraining run. Bad options or data throw std::invalid_argument; SIGINT/SIGTERM throw
/// Interrupted (after a checkpoint, when training had begun). A diverged run returns with status "diverged" (and
/// writes summary.json); the CLI reports it and exits non-zero. With a group, rank 0 prepares the run directory while
/// the other ranks wait for it (Comm::wait_for); when it fails instead, it tells them why, and they stop alike.
PretrainSummary pretrain(const PretrainRequest& req);

}  // namespace muonlab::nanochat
