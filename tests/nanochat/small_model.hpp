// The small model the model-level tests share: depth 2 (width 128, one head of 128), 97-token vocabulary, context 16.
#pragma once

#include "nanochat/config.hpp"

namespace muonlab::testing {

inline nanochat::ModelConfig small_model_config() {
  nanochat::ModelConfig c;
  c.depth = 2;
  c.vocab_size = 97;
  c.seq_len = 16;
  return c;
}

}  // namespace muonlab::testing
