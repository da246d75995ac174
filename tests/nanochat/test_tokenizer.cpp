// The tokenizers (nanochat/tokenizer.hpp): bytes, and SentencePiece BPE trained by muonlab, both lossless with exact
// byte counts per token (so bits per byte is exact).
#include "nanochat/data.hpp"
#include "nanochat/tokenizer.hpp"
#include "synthetic_text.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

using namespace muonlab::nanochat;
using namespace muonlab::testing;

TEST_CASE("the byte tokenizer: one id per byte, every byte value, one byte per token", "[nanochat][tokenizer]") {
  auto tok = load_tokenizer("bytes");
  CHECK(tok->kind() == "bytes");
  CHECK(tok->vocab_size() == 256);
  REQUIRE(tok->token_bytes().size() == 256);
  for (std::int32_t b : tok->token_bytes()) CHECK(b == 1);
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));  // NUL and invalid UTF-8 included
  const auto ids = tok->encode(all);
  REQUIRE(ids.size() == 256);
  for (int c = 0; c < 256; ++c) CHECK(ids[std::size_t(c)] == c);  // ids are the unsigned byte values
  CHECK(tok->decode(ids) == all);
  const auto many = tok->encode_many({"ab", "", "\xc3\xa9"});
  REQUIRE(many.size() == 3);
  CHECK(many[0] == std::vector<std::int32_t>{97, 98});
  CHECK(many[1].empty());
  CHECK(many[2] == std::vector<std::int32_t>{0xc3, 0xa9});
  CHECK(tok->encode("") .empty());
}

TEST_CASE("SentencePiece BPE round-trips losslessly with exact byte counts", "[nanochat][tokenizer]") {
  if (!have_sentencepiece()) {
    WARN("this build has no SentencePiece: BPE not tested");
    return;
  }
  const std::string dir = fresh_dir("muonlab_nano_bpe");
  const TextSplit split = split_documents(synthetic_text(100000), 0.05, 1);
  const std::string model = dir + "/tok.model";
  train_bpe(training_lines(split), 400, model, 100000, 1);
  auto tok = load_tokenizer(model);
  CHECK(tok->kind() == "sentencepiece-bpe");
  CHECK(tok->vocab_size() <= 400);
  // Text the tokenizer never saw: tabs, runs of spaces, newlines, leading spaces, non-Latin script, emoji.
  const std::string text = "  The cat\tsees   the naïve proof.\n\nΜυών 😀 x\n   \n";
  const auto ids = tok->encode(text);
  CHECK(tok->decode(ids) == text);
  std::size_t total = 0;
  for (auto id : ids) total += std::size_t(tok->token_bytes()[std::size_t(id)]);
  CHECK(total == text.size());
  // It compresses the kind of text it was trained on: well over one byte per token.
  const TokenStream ts = encode_documents(*tok, split.val);
  CHECK(double(ts.bytes) / double(ts.ids.size(0)) > 2.0);
  CHECK_THROWS(load_tokenizer(dir + "/missing.model"));
}

TEST_CASE("BPE: the same lines train the same model; missing tools or models are clear errors",
          "[nanochat][tokenizer]") {
  if (!have_sentencepiece()) {
    CHECK_THROWS_WITH(train_bpe({"a b c"}, 300, "/tmp/x.model"), Catch::Contains("use --tokenizer bytes"));
    CHECK_THROWS_WITH(load_tokenizer("/tmp/x.model"), Catch::Contains("not installed"));
    return;
  }
  const std::string dir = fresh_dir("muonlab_nano_bpe_det");
  const TextSplit split = split_documents(synthetic_text(60000), 0.05, 3);
  train_bpe(training_lines(split), 320, dir + "/a.model", 100000, 1);
  train_bpe(training_lines(split), 320, dir + "/b.model", 100000, 1);
  auto a = load_tokenizer(dir + "/a.model"), b = load_tokenizer(dir + "/b.model");
  const std::string text = "The Muon optimizer orthogonalizes every matrix.\n";
  CHECK(a->encode(text) == b->encode(text));  // deterministic: runs can be compared token for token
  CHECK(a->token_bytes() == b->token_bytes());
  // encode_many is encode on each text.
  const std::vector<std::string> texts = {text, "", "caf\xc3\xa9  \t x"};
  const auto many = a->encode_many(texts);
  REQUIRE(many.size() == texts.size());
  for (std::size_t k = 0; k < texts.size(); ++k) CHECK(many[k] == a->encode(texts[k]));
  CHECK_THROWS_WITH(load_tokenizer(dir + "/missing.model"), Catch::Contains("no tokenizer model"));
  std::filesystem::remove_all(dir);
}
