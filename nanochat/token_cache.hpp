// The tokenized splits of a run, saved beside it (run/tokens.pt), so a run can be prepared on one machine and trained
// on another that has neither the text nor SentencePiece's tools (the GPU machine: `muonlab pretrain --prepare-only`
// here, then `muonlab pretrain --resume` there), and so a resumed run does not encode its text again.
//
// Token ids are stored as int16 when the vocabulary fits (≤ 32767 pieces; the whole of GCIDE at a 16k vocabulary is
// then ≈ 26 MB), else int32; each split keeps its byte count, and the tokenizer's bytes per token id, so bits per
// byte stays exact without the tokenizer. Loading checks all of it: ids inside the vocabulary, byte counts adding up.
#pragma once

#include "nanochat/data.hpp"

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
TokenCache load_token_cache(const std::string& path);

}  // namespace muonlab::nanochat
