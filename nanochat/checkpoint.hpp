// Model files and resumable checkpoints, written atomically (temporary file in the same folder, then rename).
//
// A model file (run/model.pt) holds the run's config.json text and the weights; a checkpoint (run/checkpoint.pt)
// adds the optimizer state and the number of steps done. Both load with load_model, so `muonlab spectrum
// --checkpoint` takes either, or a run directory (its model.pt, else its checkpoint.pt).
#pragma once

#include "nanochat/model.hpp"
#include "nanochat/optim.hpp"
#include "spectral/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::nanochat {

/// Writes `content` to `path` atomically.
// Atomic text files (spectral/atomic_file.hpp, shared with the CLI).
using spectral::write_text_atomic;
/// Saves a torch archive to `path` atomically.
void save_archive_atomic(torch::serialize::OutputArchive& ar, const std::string& path);

void save_model(const std::string& path, GPT& model, const nlohmann::json& config);

/// What a checkpoint holds besides the weights, the optimizer state and the step: the trainer's state (JSON,
/// trainer.hpp: initial evaluation, elapsed time, …) and named tensors the model does not own (LoRA adapters, the
/// random generator's state).
struct CheckpointExtras {
  nlohmann::json trainer;  // null: none
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
};
void save_checkpoint(const std::string& path, GPT& model, const ModelOptimizer& opt, std::int64_t step,
                     const nlohmann::json& config, const CheckpointExtras& extras = {});

struct LoadedModel {
  GPT model{nullptr};
  nlohmann::json config;   // the run's config.json ({"model": …, "train": …, …})
  std::int64_t step = -1;  // steps done (checkpoints; model files store it too)
  std::string path;        // the file actually read
};
/// Loads a model file, a checkpoint, or a run directory. Throws std::invalid_argument when the path is not one.
LoadedModel load_model(const std::string& path);
/// Restores a checkpoint's weights and optimizer state into `model` and `opt`; returns the steps done.
std::int64_t load_checkpoint(const std::string& path, GPT& model, ModelOptimizer& opt);

/// The same, and the extras: the trainer state (null in a checkpoint written before there was one) and the tensors.
struct RestoredCheckpoint {
  std::int64_t step = 0;
  nlohmann::json trainer;
  std::map<std::string, torch::Tensor> tensors;
};
RestoredCheckpoint restore_checkpoint(const std::string& path, GPT& model, ModelOptimizer& opt);

}  // namespace muonlab::nanochat
