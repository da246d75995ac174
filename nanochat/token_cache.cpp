#include "nanochat/token_cache.hpp"

#include "nanochat/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace muonlab::nanochat {

namespace {

constexpr std::int64_t kFormat = 1;  // bump when the layout changes

// The id of `ids` outside [0, vocab) that its min or max shows, or -1 when all are inside (also when empty).
std::int64_t id_outside(const torch::Tensor& ids, std::int64_t vocab) {
  if (ids.numel() == 0) return -1;
  const std::int64_t lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
  return lo < 0 ? lo : hi >= vocab ? hi : -1;
}

torch::Tensor compact_ids(const torch::Tensor& ids, std::int64_t vocab) {
  if (const std::int64_t bad = id_outside(ids, vocab); bad != -1)
    throw std::invalid_argument(fmt::format("token cache: id {} outside the vocabulary [0, {})", bad, vocab));
  return ids.to(vocab <= 32767 ? torch::kInt16 : torch::kInt32).contiguous().cpu();
}

torch::Tensor read_tensor(torch::serialize::InputArchive& ar, const char* key, const std::string& path) {
  torch::Tensor t;
  if (!ar.try_read(key, t)) throw std::runtime_error("'" + path + "' is not a muonlab token cache (no '" + key + "')");
  return t;
}

TokenStream read_split(torch::serialize::InputArchive& ar, const std::string& name, const torch::Tensor& bytes_of,
                       const std::string& path) {
  TokenStream s;
  s.ids = read_tensor(ar, (name + "_ids").c_str(), path).to(torch::kInt64).flatten();
  s.bytes = read_tensor(ar, (name + "_bytes").c_str(), path).item<std::int64_t>();
  const std::int64_t vocab = bytes_of.numel();
  if (const std::int64_t bad = id_outside(s.ids, vocab); bad != -1)
    throw std::runtime_error(
        fmt::format("'{}': {} split has token id {} outside the vocabulary [0, {})", path, name, bad, vocab));
  const std::int64_t sum = bytes_of.index_select(0, s.ids).sum().item<std::int64_t>();
  if (sum != s.bytes)
    throw std::runtime_error(fmt::format("'{}': {} split's tokens stand for {} bytes, the cache says {} (corrupt)",
                                         path, name, sum, s.bytes));
  return s;
}

}  // namespace

void save_token_cache(const std::string& path, const TokenCache& c) {
  const std::int64_t vocab = std::int64_t(c.token_bytes.size());
  if (vocab == 0) throw std::invalid_argument("token cache: empty vocabulary");
  torch::serialize::OutputArchive ar;
  ar.write("format", torch::tensor(std::vector<std::int64_t>{kFormat}));
  ar.write("token_bytes", torch::tensor(c.token_bytes, torch::kInt32));
  ar.write("train_ids", compact_ids(c.train.ids, vocab));
  ar.write("train_bytes", torch::tensor(std::vector<std::int64_t>{c.train.bytes}));
  ar.write("val_ids", compact_ids(c.val.ids, vocab));
  ar.write("val_bytes", torch::tensor(std::vector<std::int64_t>{c.val.bytes}));
  save_archive_atomic(ar, path);
}

TokenCache load_token_cache(const std::string& path) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot read token cache '" + path + "': not a torch archive, or truncated");
  }
  try {
    const torch::Tensor format = read_tensor(ar, "format", path);
    if (format.numel() != 1 || format.item<std::int64_t>() != kFormat)
      throw std::runtime_error("'" + path + "' has an unknown token cache format");
    const torch::Tensor bytes_of = read_tensor(ar, "token_bytes", path).to(torch::kInt64).flatten();
    if (bytes_of.numel() == 0 || bytes_of.min().item<std::int64_t>() < 0)
      throw std::runtime_error("'" + path + "': bad bytes-per-token table");
    TokenCache c;
    c.token_bytes.resize(std::size_t(bytes_of.numel()));
    const torch::Tensor b32 = bytes_of.to(torch::kInt32).contiguous();
    std::copy(b32.data_ptr<std::int32_t>(), b32.data_ptr<std::int32_t>() + b32.numel(), c.token_bytes.begin());
    c.train = read_split(ar, "train", bytes_of, path);
    c.val = read_split(ar, "val", bytes_of, path);
    return c;
  } catch (const c10::Error& e) {
    throw std::runtime_error("token cache '" + path + "' is malformed: " + e.what_without_backtrace());
  }
}

}  // namespace muonlab::nanochat
