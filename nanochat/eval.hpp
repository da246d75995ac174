// Evaluation of a model on fixed validation windows, shared by pretraining and fine-tuning: the summed next-token
// negative log-likelihood, exact bits per byte (the pretraining metric) and perplexity (the fine-tuning metric).
#pragma once  // Tested by tests/nanochat/test_pretrain.cpp ("tiny pretraining learns, writes its run directory and reloads")

#include "nanochat/data.hpp"
#include "nanochat/model.hpp"

#include <cstdint>

namespace muonlab::nanochat {

/// Σ over every target of −log p(target) in nats, forward passes of `batch_size` windows (no gradient).
double evaluate_nats(GPT& model, const Batch& val, int batch_size, const torch::Device& dev);

/// Exact bits per byte on fixed validation windows: Σ nats / (ln 2 · Σ bytes of the target tokens).
double evaluate_bpb(GPT& model, const Batch& val, std::int64_t bytes, int batch_size, const torch::Device& dev);

/// Token-level perplexity exp(mean nats per target) on fixed validation windows.
double evaluate_ppl(GPT& model, const Batch& val, int batch_size, const torch::Device& dev);

}  // namespace muonlab::nanochat
