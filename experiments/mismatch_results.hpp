// The optimizer-mismatch sweep's results file (experiments/mismatch.hpp): one JSON line per finished fine-tuning run,
//
//   {"key": {"pretrain": "adam", "method": "full", "optimizer": "muon", "lr": 0.5, "seed": 2, "rank": 0},
//    "n_embd": 128, "summary": {… to_json(FinetuneSummary) …}}
//
// appended (one write, then fsync) the moment the run ends, so an interrupted sweep loses at most the run in
// progress. On restart the sweep reads the file and skips the keys it holds.
//
// Damage policy (decided here, tested in tests/experiments/test_mismatch.cpp):
//   - a *torn last line* (no terminating newline and not valid JSON: the process died inside the write) is dropped
//     with a warning and the file is rewritten without it; that run is simply redone;
//   - any other line that is not a result (malformed JSON, a missing field, a bad value) is an error: the reader
//     throws std::invalid_argument naming the file and line (CLI exit 2). A sweep never guesses about its own data;
//   - a key that appears twice keeps its first line, with a warning.
#pragma once  // Tested by tests/experiments/test_mismatch.cpp ("results file: round trip, torn last line, damaged line, duplicates")

#include "nanochat/finetune.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...

/// One point of the sweep.
struct SweepKey {
  std::string pretrain;   // the pretrained model's matrix optimizer: muon | adam
  std::string method;     // full | lora
  std::string optimizer;  // the fine-tuning matrix rule: muon | adam | adamuon | normuon
  double lr = 0;          // the matrix (or adapter) base learning rate
  std::uint64_t seed = 0;
  int rank = 0;           // LoRA rank; 0 for full fine-tuning
  /// Canonical identity, e.g. "adam/lora-muon/r8/lr=0.5/s2" (lr printed with 9 significant digits, so a grid value
  /// parsed back from the file names the same key).
  std::string id() const;
  std::string method_label() const { return method + "-" + optimizer; }  // "full-muon", as the paper writes it
};

/// An lr as the tables and keys print it: the shortest of up to 9 significant digits ("0.5", "0.03", "1e-05").
std::string format_lr(double lr);
/// An lr grid as the flags take it: format_lr of each, comma-separated ("0.01,0.03,0.1").
std::string format_lr_list(const std::vector<double>& grid);

/// A JSON file of a run or sweep folder (config.json, summary.json, sweep.json); std::invalid_argument (bad input,
/// exit 2) naming the file when it is missing or not JSON.
nlohmann::json read_json_file(const std::filesystem::path& path);

struct SweepRecord {
  SweepKey key;
  int n_embd = 0;  // the model width, so the analysis knows every hidden matrix's shape (C×C, 4C×C, C×4C)
  FinetuneSummary summary;
};
nlohmann::json to_json(const SweepKey& k);
nlohmann::json to_json(const SweepRecord& r);
/// Throws std::invalid_argument when `j` is not a record (the message names the field).
SweepRecord sweep_record_from_json(const nlohmann::json& j);

struct ResultsFile {
  std::vector<SweepRecord> records;   // in file order, first occurrence of each key
  std::vector<std::string> warnings;  // torn last line dropped, duplicate keys ignored
  bool torn_tail = false;             // the file ended in a torn line (the caller rewrites it)
};
/// Reads a results file (absent: empty). Throws std::invalid_argument for a damaged line (see the policy above).
ResultsFile read_results(const std::string& path);
/// Appends one record as a line: a single write(2) of the whole line, then fsync.
void append_result(const std::string& path, const SweepRecord& r);
/// Rewrites the file atomically with exactly these records (after a torn tail was dropped).
void rewrite_results(const std::string& path, const std::vector<SweepRecord>& records);

}  // namespace muonlab::experiments
