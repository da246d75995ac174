// Pretraining (REFERENCE §5): data and tokenizer, the NanoChat model, routed optimizers, the LR schedule
// (constant, then linear to 0 over the last 20%), the Muon momentum warm-up, grad clip 1.0, validation bits per
// byte, spectral probes, and a run directory that can be resumed:
//
//   run/config.json      {"model": …, "train": …, "tokenizer": …, "data": …}
//   run/tokenizer.model  the SentencePiece BPE model trained on the training split ("bytes" tokenizer: absent)
//   run/tokens.pt        both splits tokenized (token_cache.hpp): a resumed run reads it, needs no text or tools
//   run/metrics.csv      step,tokens,train_loss,val_bpb,lr_mult,momentum,elapsed_s
//   run/probes.csv       stable rank, SVD entropy and norms of every Q, K, V, O, MLP matrix every K steps
//   run/checkpoint.pt    weights + optimizer state + steps done (every K steps and at the end)
//   run/model.pt         the final model (weights + config)
//   run/summary.json     the summary below
#pragma once

#include "nanochat/config.hpp"
#include "nanochat/distributed.hpp"

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
  std::int64_t stop_after = 0;  // > 0: checkpoint and stop after this many steps of this invocation (resume later)
  std::string tokenizer = "bpe";  // bpe | bytes
  bool prepare_only = false;  // write config.json + tokens.pt and stop (train later, elsewhere, with resume)
  // Data-parallel (nanochat/dist_train.hpp): this rank's process group; null on one process. Rank 0 prepares the run
  // directory and writes every file; the others wait for it, then read config.json and tokens.pt as a resumed run.
  std::shared_ptr<Comm> comm;
};

struct PretrainSummary {
  std::string run_dir, optimizer, tokenizer, device;
  std::int64_t start_step = 0, steps = 0;
  std::int64_t params_total = 0, params_hidden = 0;
  std::int64_t train_tokens = 0, val_tokens_evaluated = 0;
  double bytes_per_token = 0;
  double initial_val_bpb = 0, final_val_bpb = 0, unigram_val_bpb = 0;
  double final_train_loss = 0;
  double tokens_per_second = 0;      // training throughput over this invocation (steps only, no eval/probes)
  double mean_step_ms = 0;           // forward + backward + optimizer, per step
  double mean_optimizer_ms = 0;      // the optimizer step alone
  int ranks = 1;                     // data-parallel ranks (nanochat/dist_train.hpp)
  double mean_comm_ms = 0;           // per step, inside collectives (loss average, reduce-scatter, all-gather, norm)
  double model_flops_per_token = 0;  // flops_per_token(model): forward + backward
  double model_tflops = 0;           // model_flops_per_token × tokens_per_second / 1e12
  double mfu = 0;                    // CUDA: model_tflops ÷ peak_bf16_tflops() (0 on the CPU)
  double qkv_stable_rank = 0, qkv_svd_entropy = 0;  // final mean over Q, K, V matrices
  double elapsed_s = 0;
};
nlohmann::json to_json(const PretrainSummary& s);

/// The GPU's dense bf16 peak in TFLOP/s for model FLOPs utilization: MUONLAB_PEAK_TFLOPS if set, else 989 (H100 SXM).
/// Throws std::invalid_argument when the variable is not a positive number.
double peak_bf16_tflops();

/// Runs (or resumes) a pretraining run. Bad options or data throw std::invalid_argument.
PretrainSummary pretrain(const PretrainRequest& req);

}  // namespace muonlab::nanochat
