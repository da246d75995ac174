// Text data for the LibTorch path: reading (plain, .gz or dictzip .dz), a deterministic train/validation split
// by documents, the token streams, batches that depend only on (seed, step) so a resumed run sees the same data,
// and the unigram baseline that a model must beat to have learned anything.
#pragma once

#include "nanochat/tokenizer.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::nanochat {

/// The default pretraining text: data/gcide.txt under `root` if scripts/prepare_data made it, else the dict-gcide
/// package's /usr/share/dictd/gcide.dict.dz. Empty if neither exists.
std::string default_pretraining_text(const std::string& root = ".");
/// The default fine-tuning text: data/fortunes.txt under `root` (scripts/prepare_data makes it), else the fortunes
/// package's folder /usr/share/games/fortunes (read_text reads it as prepare_data would), else empty.
std::string default_finetuning_text(const std::string& root = ".");

/// Reads at most `max_bytes` (0 = all) of a text file; gzip/dictzip files (by their magic bytes) are inflated when
/// this build has zlib. Invalid UTF-8 bytes and NULs are replaced by '?', so the tokenizer's byte counts are exact.
/// A folder is read as a fortune-cookie folder (the fortunes package): its plain files (not *.dat, not *.u8, no
/// links) in name order, each '%' line made blank, so every fortune is a document; the same bytes as
/// scripts/prepare_data's data/fortunes.txt.
/// Throws std::invalid_argument for a missing, unreadable or empty file.
std::string read_text(const std::string& path, std::int64_t max_bytes);

/// A fine-tuning text: with `max_bytes` > 0, only the whole documents (document_spans) within the first max_bytes
/// bytes of read_text(path) — a document the cap cuts is left out — so a cap gives the same documents whether they
/// are read from the text or from its tokens (run/finetune_tokens.pt) and for every tokenizer. `complete`: nothing
/// of the text was left out. Throws std::invalid_argument as read_text does, or when no whole document fits.
struct DocumentText {
  std::string text;
  bool complete = true;
};
DocumentText read_documents(const std::string& path, std::int64_t max_bytes);

/// Replaces every byte that is not part of a well-formed UTF-8 sequence (and NUL) by '?' (one '?' per byte, so byte
/// positions are kept). read_text applies it after its byte cap.
std::string sanitize_utf8(const std::string& text);

/// The documents of a text as [begin, end) byte ranges: each ends after a run of two or more newlines (or at the
/// end of the text), so they tile the text.
std::vector<std::pair<std::size_t, std::size_t>> document_spans(const std::string& text);

/// Which of `n` documents are held out for validation: each with probability `val_fraction`, drawn in order from
/// `seed`; when none is drawn and n > 1, the last one. Throws std::invalid_argument when either side is empty.
std::vector<bool> validation_documents(std::size_t n, double val_fraction, std::uint64_t seed);

/// Splits text into documents at blank lines (each keeps its trailing newlines, so the documents concatenate back
/// to the text) and holds out each one for validation with probability `val_fraction`, decided by `seed`
/// (document_spans, then validation_documents).
struct TextSplit {
  std::vector<std::string> train, val;
  std::size_t train_bytes = 0, val_bytes = 0;
};
TextSplit split_documents(const std::string& text, double val_fraction, std::uint64_t seed);

/// The lines of the training documents (what the tokenizer is trained on).
std::vector<std::string> training_lines(const TextSplit& split);

/// A token stream (int64 ids) with the byte count of every token.
struct TokenStream {
  torch::Tensor ids;        // (N) int64
  std::int64_t bytes = 0;   // Σ bytes of the tokens = bytes of the text
};
TokenStream encode_documents(const Tokenizer& tok, const std::vector<std::string>& docs);

/// Batch for step `step`: B windows at offsets drawn from (seed, step) alone; x = ids[o, o+T), y = ids[o+1, o+T+1).
struct Batch {
  torch::Tensor x, y;  // (B, T) int64
};
Batch sample_batch(const TokenStream& s, int batch_size, int seq_len, std::uint64_t seed, std::int64_t step);

/// The fixed validation windows: consecutive, non-overlapping, at most `max_tokens` targets in total.
Batch validation_windows(const TokenStream& s, int seq_len, std::int64_t max_tokens);

/// Bits per byte of a unigram model of the training tokens (add-½ smoothing) on the targets `y`:
/// −Σ log2 p(y) / Σ bytes(y). The baseline a trained model must beat.
double unigram_bits_per_byte(const TokenStream& train, const torch::Tensor& y, const std::vector<std::int32_t>& bytes,
                             int vocab_size);

/// Σ bytes of the target tokens (for exact bits per byte).
std::int64_t target_bytes(const torch::Tensor& y, const std::vector<std::int32_t>& bytes);

}  // namespace muonlab::nanochat
