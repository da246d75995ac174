// The token cache (nanochat/token_cache.hpp): exact round trip, compact storage, and every corruption caught.
#include "nanochat/checkpoint.hpp"
#include "nanochat/token_cache.hpp"
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
