// The tokenized splits of a run, saved beside it (run/tokens.pt), and its fine-tuning text (run/finetune_tokens.pt,
// below), so a run can be prepared on one machine and trained and fine-tuned on another that has neither the texts
// nor SentencePiece's tools (the GPU machine: `muonlab pretrain --prepare-only` here, then `muonlab pretrain
// --resume` and `muonlab finetune --from RUN` there), and so a resumed run does not encode its text again.
//
// Token ids are stored as int16 when the vocabulary fits (≤ 32767 pieces; the whole of GCIDE at a 16k vocabulary is
// then ≈ 26 MB), else int32; each split keeps its byte count, and the tokenizer's bytes per token id, so bits per
// byte stays exact without the tokenizer. Loading checks all of it: ids inside the vocabulary, byte counts adding up.
#pragma once

#include "nanochat/data.hpp"
#include "nanochat/tokenizer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace muonlab::nanochat {

struct TokenCache {
  std::vector<std::int32_t> token_bytes;  // bytes of text per token id; its size is the vocabulary size
  TokenStream train, val;
};

/// Writes the cache atomically. Throws std::invalid_argument if an id lies outside the vocabulary.
void save_token_cache(const std::string& path, const TokenCache& cache);

/// Reads a cache written by save_token_cache. Throws std::runtime_error naming the file when it is not one, is
/// truncated, or fails the checks (ids in [0, V), Σ bytes of each split's tokens = its stored byte count).
/// Without `with_train` the training split is left empty (fine-tuning needs only the validation split).
TokenCache load_token_cache(const std::string& path, bool with_train = true);

// ---- a text tokenized by documents (run/finetune_tokens.pt) -----------------------------------------------------
//
// The fine-tuning text of a pretraining run, encoded with the run's tokenizer when the run is prepared, so that
// `muonlab finetune --from RUN` (and `mismatch`) run where neither the text nor SentencePiece is. The documents are
// kept apart: the train/validation split is drawn when fine-tuning (any --val-fraction and --split-seed), and a
// --max-bytes keeps the whole documents within it (read_documents), so every split and cap gives the same tokens as
// encoding the text itself.

struct DocumentCache {
  std::vector<std::int32_t> token_bytes;  // bytes of text per token id (the vocabulary)
  torch::Tensor ids;                      // (N) int64: every document's tokens, in text order
  std::vector<std::int64_t> doc_tokens;   // tokens of each document
  std::vector<std::int64_t> doc_bytes;    // bytes of each document
  std::string source;                     // the text it was read from
  std::string tokenizer;                  // the tokenizer's kind ("sentencepiece-bpe" | "bytes")
  std::int64_t max_bytes = 0;             // read_documents' cap when it was made (0: none)
  bool complete = true;                   // it holds the whole text (the cap, if any, left nothing out)
  std::int64_t bytes() const;             // Σ doc_bytes
};

/// Reads `source` (read_documents, at most `max_bytes`; 0: all), cuts it into documents and encodes each with `tok`.
DocumentCache encode_document_cache(const Tokenizer& tok, const std::string& source, std::int64_t max_bytes);

/// Writes the cache atomically; reads it back checking ids, document sizes and byte counts (std::runtime_error
/// naming the file otherwise).
void save_document_cache(const std::string& path, const DocumentCache& cache);
DocumentCache load_document_cache(const std::string& path);

/// The fine-tuning splits of the cached text: exactly encode_documents(tok, split_documents(read_documents(source,
/// max_bytes).text, val_fraction, seed)). Throws std::invalid_argument, saying what to do, when the cache does not
/// hold those documents (it was made with a smaller cap).
struct DocumentSplit {
  TokenStream train, val;
  std::size_t train_docs = 0, val_docs = 0;
  std::int64_t bytes = 0;  // bytes of text the splits cover
};
DocumentSplit split_document_cache(const DocumentCache& cache, std::int64_t max_bytes, double val_fraction,
                                   std::uint64_t seed);

}  // namespace muonlab::nanochat
