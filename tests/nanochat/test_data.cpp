// Text, splits and batches (nanochat/data.hpp), with the byte tokenizer (BPE: test_tokenizer.cpp).
#include "nanochat/data.hpp"
#include "nanochat/tokenizer.hpp"
#include "synthetic_text.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <unistd.h>

using namespace muonlab::nanochat;
using namespace muonlab::testing;

TEST_CASE("read_text caps, sanitizes and rejects bad files", "[nanochat][data]") {
  const std::string path = write_synthetic_text("muonlab_nano_read.txt", 5000);
  CHECK(read_text(path, 1000).size() == 1000);
  CHECK(read_text(path, 0).size() >= 5000);
  const auto bad = std::filesystem::temp_directory_path() / ("muonlab_nano_bad_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(bad, std::ios::binary) << std::string("ok \xff\xfe tail \xe2\x96", 13) << std::string(1, '\0');
  // Invalid UTF-8 bytes (and NUL) become '?', so every byte count downstream is exact; valid text is untouched.
  CHECK(read_text(bad.string(), 0) == "ok ?? tail ???");
  CHECK_THROWS_AS(read_text("/nonexistent/file.txt", 0), std::invalid_argument);
  std::filesystem::remove(bad);
}

TEST_CASE("the document split is deterministic, disjoint and complete", "[nanochat][data]") {
  const std::string text = synthetic_text(200000);
  const TextSplit a = split_documents(text, 0.1, 5), b = split_documents(text, 0.1, 5), c = split_documents(text, 0.1, 6);
  CHECK(a.train == b.train);
  CHECK(a.val == b.val);
  CHECK(a.val != c.val);  // another seed, another split
  CHECK(a.train_bytes + a.val_bytes == text.size());
  // Held-out fraction near 10%: ~1000 documents, binomial sd ≈ 1%.
  const double frac = double(a.val.size()) / double(a.val.size() + a.train.size());
  CHECK(frac > 0.05);
  CHECK(frac < 0.15);
  CHECK_THROWS_AS(split_documents("one document only", 0.1, 1), std::invalid_argument);
}

TEST_CASE("byte tokenizer and unigram baseline", "[nanochat][data]") {
  auto tok = load_tokenizer("bytes");
  CHECK(tok->vocab_size() == 256);
  const std::string s = "h\xc3\xa9llo\n";
  CHECK(tok->decode(tok->encode(s)) == s);
  // A stream 0101…: the unigram model (add-½) gives p = ½ to both, i.e. exactly 1 bit per byte.
  TokenStream train;
  train.ids = torch::tensor(std::vector<std::int64_t>{0, 1, 0, 1, 0, 1}, torch::kInt64);
  const std::vector<std::int32_t> bytes = {1, 1};
  CHECK(unigram_bits_per_byte(train, torch::tensor(std::vector<std::int64_t>{1, 0, 1}), bytes, 2) == Approx(1.0));
}

TEST_CASE("batches depend only on (seed, step); targets are inputs shifted by one", "[nanochat][data]") {
  TokenStream s;
  s.ids = torch::arange(1000, torch::kInt64);
  const Batch a = sample_batch(s, 4, 16, 9, 3), b = sample_batch(s, 4, 16, 9, 3), c = sample_batch(s, 4, 16, 9, 4);
  CHECK(torch::equal(a.x, b.x));
  CHECK_FALSE(torch::equal(a.x, c.x));
  CHECK(torch::equal(a.y, a.x + 1));  // ids are positions here
  const Batch v = validation_windows(s, 16, 100);
  CHECK(v.x.size(0) == 6);  // ⌊100/16⌋ windows
  CHECK(torch::equal(v.y, v.x + 1));
  TokenStream tiny;
  tiny.ids = torch::arange(5, torch::kInt64);
  CHECK_THROWS_AS(sample_batch(tiny, 1, 16, 1, 0), std::invalid_argument);
}
