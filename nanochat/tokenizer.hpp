// The tokenizer: SentencePiece BPE trained by muonlab on the pretraining text (through SentencePiece's own tools,
// spm_train / spm_encode, in a child process: see tokenizer.cpp), or bytes when those tools are not installed. Either way every token carries the number of text bytes it stands for, so bits per byte is exact:
// Σ bytes(tokens of a text) = the text's size in bytes (checked when encoding).
//
// The BPE model is trained for a lossless round trip: identity normalization, no dummy prefix, whitespace kept,
// byte fallback for anything outside the vocabulary (256 <0xNN> pieces), so Decode(Encode(text)) = text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace muonlab::nanochat {

class Tokenizer {
public:
  virtual ~Tokenizer() = default;
  virtual std::string kind() const = 0;  // "sentencepiece-bpe" | "bytes"
  virtual int vocab_size() const = 0;
  /// Token ids of `text`; throws std::runtime_error if their byte counts do not add up to text.size().
  std::vector<std::int32_t> encode(const std::string& text) const;
  /// The same for many texts at once (one SentencePiece call for all of them).
  virtual std::vector<std::vector<std::int32_t>> encode_many(const std::vector<std::string>& texts) const = 0;
  virtual std::string decode(const std::vector<std::int32_t>& ids) const = 0;
  /// Bytes of text each token id stands for (0 for control tokens).
  const std::vector<std::int32_t>& token_bytes() const { return bytes_; }

protected:
  std::vector<std::int32_t> bytes_;
};

/// True when SentencePiece's tools (spm_train, spm_encode, spm_export_vocab) are on the PATH.
bool have_sentencepiece();

/// Trains a BPE model of `vocab_size` pieces on `lines` (sampled down to at most `max_lines`, deterministically)
/// and writes it to `model_path`. Throws std::runtime_error (with SentencePiece's message) on failure.
void train_bpe(const std::vector<std::string>& lines, int vocab_size, const std::string& model_path,
               std::size_t max_lines = 400000, int threads = 2);

/// Loads a model written by train_bpe; "bytes" gives the byte tokenizer.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& model_path_or_bytes);

}  // namespace muonlab::nanochat
