// The token cache (nanochat/token_cache.hpp): exact round trip, compact storage, and every corruption caught.
#include "nanochat/checkpoint.hpp"
#include "nanochat/token_cache.hpp"
#include "nanochat/tokenizer.hpp"
#include "synthetic_text.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace muonlab::nanochat;
using namespace muonlab::testing;
namespace fs = std::filesystem;

namespace {

TokenCache sample_cache(int vocab, std::int64_t n_train, std::int64_t n_val) {
  TokenCache c;
  for (int i = 0; i < vocab; ++i) c.token_bytes.push_back(i % 5);  // some ids stand for 0 bytes (control pieces)
  torch::manual_seed(3);
  auto split = [&](std::int64_t n) {
    TokenStream s;
    s.ids = torch::randint(0, vocab, {n}, torch::kInt64);
    for (std::int64_t i = 0; i < n; ++i) s.bytes += c.token_bytes[std::size_t(s.ids[i].item<std::int64_t>())];
    return s;
  };
  c.train = split(n_train);
  c.val = split(n_val);
  return c;
}

void check_equal(const TokenCache& a, const TokenCache& b) {
  CHECK(a.token_bytes == b.token_bytes);
  CHECK(a.train.bytes == b.train.bytes);
  CHECK(a.val.bytes == b.val.bytes);
  REQUIRE(b.train.ids.scalar_type() == torch::kInt64);  // the training code indexes with int64
  CHECK(torch::equal(a.train.ids, b.train.ids));
  CHECK(torch::equal(a.val.ids, b.val.ids));
}

}  // namespace

TEST_CASE("token cache round trip is exact, int16 ids when the vocabulary fits", "[nanochat][data]") {
  const std::string dir = fresh_dir("muonlab_token_cache");
  // 32767 is the largest vocabulary stored as int16 (id 32766 must survive); 40000 needs int32.
  for (int vocab : {512, 32767, 40000}) {
    const TokenCache c = sample_cache(vocab, 20000, 3000);
    const std::string path = dir + "/tokens-" + std::to_string(vocab) + ".pt";
    save_token_cache(path, c);
    check_equal(c, load_token_cache(path));
    // 23000 ids, besides the int32 bytes-per-id table: 2 bytes each as int16, 4 as int32 (plus a few kB of archive).
    const auto ids_size = double(fs::file_size(path)) - 4.0 * vocab;
    INFO("vocab " << vocab << ": " << ids_size << " bytes besides the table");
    if (vocab <= 32767) CHECK(ids_size < 23000 * 3);
    else CHECK(ids_size >= 23000 * 4);
  }
  // Empty validation split (possible with tiny texts) round-trips too.
  TokenCache e = sample_cache(300, 100, 0);
  save_token_cache(dir + "/empty-val.pt", e);
  check_equal(e, load_token_cache(dir + "/empty-val.pt"));
}

TEST_CASE("token cache rejects ids outside the vocabulary and corrupt files", "[nanochat][data]") {
  const std::string dir = fresh_dir("muonlab_token_cache_bad");
  TokenCache c = sample_cache(100, 500, 50);
  TokenCache out_of_range = c;
  out_of_range.train.ids = c.train.ids.clone();
  out_of_range.train.ids[7] = 100;
  CHECK_THROWS_AS(save_token_cache(dir + "/x.pt", out_of_range), std::invalid_argument);
  CHECK_FALSE(fs::exists(dir + "/x.pt"));

  // A byte count that does not match its tokens: written (save does not recount), caught on load.
  TokenCache wrong_bytes = c;
  wrong_bytes.val.bytes += 1;
  save_token_cache(dir + "/bytes.pt", wrong_bytes);
  CHECK_THROWS_WITH(load_token_cache(dir + "/bytes.pt"), Catch::Contains("corrupt"));

  // Not an archive; a truncated archive; a torch archive that is not a token cache; a missing file.
  const TempFile junk("not a torch archive", ".pt");
  CHECK_THROWS_AS(load_token_cache(junk.path()), std::runtime_error);
  save_token_cache(dir + "/good.pt", c);
  fs::copy_file(dir + "/good.pt", dir + "/cut.pt");
  fs::resize_file(dir + "/cut.pt", fs::file_size(dir + "/good.pt") / 2);
  CHECK_THROWS_AS(load_token_cache(dir + "/cut.pt"), std::runtime_error);
  torch::serialize::OutputArchive other;
  other.write("weights", torch::ones({3}));
  save_archive_atomic(other, dir + "/other.pt");
  CHECK_THROWS_WITH(load_token_cache(dir + "/other.pt"), Catch::Contains("not a muonlab token cache"));
  CHECK_THROWS_AS(load_token_cache(dir + "/missing.pt"), std::runtime_error);
}

// ---- fine-tuning tokens by documents ----------------------------------------------------------------------------

namespace {

// What fine-tuning on the text itself gives: encode_documents of split_documents(read_documents(path, max_bytes)).
void check_split_as_text(const DocumentCache& c, const Tokenizer& tok, const std::string& path, std::int64_t max_bytes,
                         double val_fraction, std::uint64_t seed) {
  INFO("max_bytes " << max_bytes << ", val_fraction " << val_fraction << ", seed " << seed);
  const TextSplit text = split_documents(read_documents(path, max_bytes).text, val_fraction, seed);
  const DocumentSplit got = split_document_cache(c, max_bytes, val_fraction, seed);
  const TokenStream train = encode_documents(tok, text.train), val = encode_documents(tok, text.val);
  CHECK(got.train_docs == text.train.size());
  CHECK(got.val_docs == text.val.size());
  CHECK(got.train.bytes == train.bytes);
  CHECK(got.val.bytes == val.bytes);
  CHECK(torch::equal(got.train.ids, train.ids));
  CHECK(torch::equal(got.val.ids, val.ids));
}

}  // namespace

TEST_CASE("fine-tuning tokens by documents split exactly as the text does, for any seed and byte cap",
          "[nanochat][data]") {
  const std::string dir = fresh_dir("muonlab_doc_cache_");
  const std::string path = dir + "/text.txt";
  const std::string text = muonlab::testing::synthetic_text(30000, 5);
  std::ofstream(path, std::ios::binary) << text;
  const auto tok = load_tokenizer("bytes");
  const DocumentCache made = encode_document_cache(*tok, path, 0);
  CHECK(made.bytes() == std::int64_t(text.size()));
  CHECK(made.complete);
  save_document_cache(dir + "/ft.pt", made);
  const DocumentCache c = load_document_cache(dir + "/ft.pt");
  CHECK(c.source == path);
  CHECK(c.tokenizer == "bytes");
  CHECK(c.doc_tokens == made.doc_tokens);
  CHECK(c.doc_bytes == made.doc_bytes);
  REQUIRE(c.ids.scalar_type() == torch::kInt64);
  CHECK(torch::equal(c.ids, made.ids));

  // Byte caps: all, beyond the end, on a document boundary, inside a document, inside a newline run, inside a UTF-8
  // character: a cap keeps the whole documents within it, read from the text or from the tokens alike.
  const std::int64_t boundary = std::int64_t(text.find("\n\n", 5000) + 2);
  const std::int64_t inside_char = std::int64_t(text.find("\xc3\xa9", 7000) + 1);  // between the bytes of "é"
  for (std::int64_t max_bytes : {std::int64_t(0), std::int64_t(text.size() + 100), boundary, boundary + 7,
                                 boundary - 1, inside_char})
    for (std::uint64_t seed : {0u, 3u}) check_split_as_text(c, *tok, path, max_bytes, 0.1, seed);
  check_split_as_text(c, *tok, path, 0, 0.3, 1);
  CHECK(read_documents(path, boundary).text == text.substr(0, std::size_t(boundary)));
  CHECK(read_documents(path, boundary + 7).text == text.substr(0, std::size_t(boundary)));  // the cut one is left out
  CHECK_FALSE(read_documents(path, boundary).complete);
  CHECK(read_documents(path, std::int64_t(text.size())).complete);
  CHECK_THROWS_AS(read_documents(path, 3), std::invalid_argument);  // no whole document in 3 bytes

  // A cache made with a cap answers every cap up to it, not beyond.
  const DocumentCache capped = encode_document_cache(*tok, path, boundary + 7);
  CHECK_FALSE(capped.complete);
  CHECK(capped.bytes() == boundary);
  for (std::int64_t max_bytes : {boundary + 7, boundary, boundary - 100}) check_split_as_text(capped, *tok, path, max_bytes, 0.1, 0);
  CHECK_THROWS_WITH(split_document_cache(capped, 0, 0.1, 0), Catch::Contains("all of it"));
  CHECK_THROWS_WITH(split_document_cache(capped, boundary + 10, 0.1, 0), Catch::Contains("--finetune-max-bytes"));
}

TEST_CASE("fine-tuning tokens reject corrupt files", "[nanochat][data]") {
  const std::string dir = fresh_dir("muonlab_doc_cache_bad_");
  const std::string path = dir + "/text.txt";
  std::ofstream(path, std::ios::binary) << muonlab::testing::synthetic_text(5000, 2);
  const DocumentCache c = encode_document_cache(*load_tokenizer("bytes"), path, 0);
  DocumentCache wrong = c;
  wrong.doc_bytes[1] += 1;  // a document that claims a byte its tokens do not have
  wrong.doc_bytes[2] -= 1;
  save_document_cache(dir + "/wrong.pt", wrong);
  CHECK_THROWS_WITH(load_document_cache(dir + "/wrong.pt"), Catch::Contains("corrupt"));
  DocumentCache sizes = c;
  sizes.doc_tokens[0] += 1;
  save_document_cache(dir + "/sizes.pt", sizes);
  CHECK_THROWS_WITH(load_document_cache(dir + "/sizes.pt"), Catch::Contains("do not add up"));
  save_document_cache(dir + "/good.pt", c);
  fs::copy_file(dir + "/good.pt", dir + "/cut.pt");
  fs::resize_file(dir + "/cut.pt", fs::file_size(dir + "/good.pt") / 2);
  CHECK_THROWS_AS(load_document_cache(dir + "/cut.pt"), std::runtime_error);
  CHECK_THROWS_AS(load_document_cache(dir + "/none.pt"), std::runtime_error);
  // The pretraining token cache is not a fine-tuning one.
  TokenCache t;
  t.token_bytes.assign(256, 1);
  t.train.ids = torch::zeros({10}, torch::kInt64), t.train.bytes = 10;
  t.val.ids = torch::zeros({5}, torch::kInt64), t.val.bytes = 5;
  save_token_cache(dir + "/tokens.pt", t);
  CHECK_THROWS_AS(load_document_cache(dir + "/tokens.pt"), std::runtime_error);
}
