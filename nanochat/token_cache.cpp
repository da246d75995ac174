#include "nanochat/token_cache.hpp"

#include "nanochat/checkpoint.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
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

// The bytes-per-token table: checked, copied to `out`, returned as int64 for the byte sums.
torch::Tensor read_token_bytes(torch::serialize::InputArchive& ar, const std::string& path,
                               std::vector<std::int32_t>& out) {
  const torch::Tensor bytes_of = read_tensor(ar, "token_bytes", path).to(torch::kInt64).flatten();
  if (bytes_of.numel() == 0 || bytes_of.min().item<std::int64_t>() < 0)
    throw std::runtime_error("'" + path + "': bad bytes-per-token table");
  out.resize(std::size_t(bytes_of.numel()));
  const torch::Tensor b32 = bytes_of.to(torch::kInt32).contiguous();
  std::copy(b32.data_ptr<std::int32_t>(), b32.data_ptr<std::int32_t>() + b32.numel(), out.begin());
  return bytes_of;
}

std::vector<std::int64_t> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous().flatten();
  return std::vector<std::int64_t>(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
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

TokenCache load_token_cache(const std::string& path, bool with_train) {
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
    TokenCache c;
    const torch::Tensor bytes_of = read_token_bytes(ar, path, c.token_bytes);
    if (with_train) c.train = read_split(ar, "train", bytes_of, path);
    c.val = read_split(ar, "val", bytes_of, path);
    return c;
  } catch (const c10::Error& e) {
    throw std::runtime_error("token cache '" + path + "' is malformed: " + e.what_without_backtrace());
  }
}

// ---- a text tokenized by documents -------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kDocumentFormat = 1;  // bump when the layout changes

}  // namespace

std::int64_t DocumentCache::bytes() const {
  std::int64_t n = 0;
  for (std::int64_t b : doc_bytes) n += b;
  return n;
}

DocumentCache encode_document_cache(const Tokenizer& tok, const std::string& source, std::int64_t max_bytes) {
  const DocumentText read = read_documents(source, max_bytes);
  std::vector<std::string> docs;
  for (const auto& [b, e] : document_spans(read.text)) docs.push_back(read.text.substr(b, e - b));
  DocumentCache c;
  c.token_bytes = tok.token_bytes();
  c.source = source, c.tokenizer = tok.kind(), c.max_bytes = max_bytes, c.complete = read.complete;
  std::vector<std::int64_t> ids;
  const auto parts = tok.encode_many(docs);  // one call for all documents (one spm_encode run)
  for (std::size_t i = 0; i < docs.size(); ++i) {
    ids.insert(ids.end(), parts[i].begin(), parts[i].end());
    c.doc_tokens.push_back(std::int64_t(parts[i].size()));
    c.doc_bytes.push_back(std::int64_t(docs[i].size()));
  }
  c.ids = torch::tensor(ids, torch::kInt64);
  return c;
}

void save_document_cache(const std::string& path, const DocumentCache& c) {
  const std::int64_t vocab = std::int64_t(c.token_bytes.size());
  if (vocab == 0) throw std::invalid_argument("document cache: empty vocabulary");
  if (c.doc_tokens.size() != c.doc_bytes.size())
    throw std::invalid_argument("document cache: token and byte counts of different lengths");
  torch::serialize::OutputArchive ar;
  ar.write("document_format", torch::tensor(std::vector<std::int64_t>{kDocumentFormat}));
  ar.write("token_bytes", torch::tensor(c.token_bytes, torch::kInt32));
  ar.write("ids", compact_ids(c.ids, vocab));
  ar.write("doc_tokens", torch::tensor(c.doc_tokens, torch::kInt64));
  ar.write("doc_bytes", torch::tensor(c.doc_bytes, torch::kInt64));
  const nlohmann::json meta = {{"source", c.source}, {"tokenizer", c.tokenizer}, {"max_bytes", c.max_bytes},
                               {"complete", c.complete}};
  ar.write("meta", c10::IValue(meta.dump()));
  save_archive_atomic(ar, path);
}

DocumentCache load_document_cache(const std::string& path) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot read fine-tuning tokens '" + path + "': not a torch archive, or truncated");
  }
  try {
    const torch::Tensor format = read_tensor(ar, "document_format", path);
    if (format.numel() != 1 || format.item<std::int64_t>() != kDocumentFormat)
      throw std::runtime_error("'" + path + "' has an unknown fine-tuning token format");
    DocumentCache c;
    const torch::Tensor bytes_of = read_token_bytes(ar, path, c.token_bytes);
    c.ids = read_tensor(ar, "ids", path).to(torch::kInt64).flatten();
    c.doc_tokens = to_vector(read_tensor(ar, "doc_tokens", path));
    c.doc_bytes = to_vector(read_tensor(ar, "doc_bytes", path));
    c10::IValue meta_v;
    if (!ar.try_read("meta", meta_v) || !meta_v.isString())
      throw std::runtime_error("'" + path + "' is not a muonlab fine-tuning token file (no 'meta')");
    const auto meta = nlohmann::json::parse(meta_v.toStringRef());
    c.source = meta.value("source", ""), c.tokenizer = meta.value("tokenizer", "");
    c.max_bytes = meta.value("max_bytes", std::int64_t(0)), c.complete = meta.value("complete", false);
    // Checks: ids in the vocabulary; the documents tile the ids; each document's tokens stand for its bytes.
    const std::int64_t vocab = bytes_of.numel();
    if (const std::int64_t bad = id_outside(c.ids, vocab); bad != -1)
      throw std::runtime_error(fmt::format("'{}': token id {} outside the vocabulary [0, {})", path, bad, vocab));
    std::int64_t n = 0;
    bool negative = false;
    for (std::int64_t k : c.doc_tokens) n += k, negative = negative || k < 0;
    if (negative || c.doc_tokens.size() != c.doc_bytes.size() || n != c.ids.numel())
      throw std::runtime_error(fmt::format("'{}': the document sizes do not add up to its {} tokens (corrupt)", path,
                                           c.ids.numel()));
    if (!c.doc_tokens.empty()) {
      const torch::Tensor per_token = bytes_of.index_select(0, c.ids);
      const torch::Tensor doc_of = torch::repeat_interleave(torch::tensor(c.doc_tokens, torch::kInt64));
      const torch::Tensor sums = torch::zeros({std::int64_t(c.doc_tokens.size())}, torch::kInt64)
                                     .index_add_(0, doc_of, per_token);
      if (!torch::equal(sums, torch::tensor(c.doc_bytes, torch::kInt64)))
        throw std::runtime_error(fmt::format("'{}': a document's tokens do not stand for its bytes (corrupt)", path));
    }
    return c;
  } catch (const c10::Error& e) {
    throw std::runtime_error("fine-tuning tokens '" + path + "' are malformed: " + e.what_without_backtrace());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("fine-tuning tokens '" + path + "' are malformed: " + e.what());
  }
}

DocumentSplit split_document_cache(const DocumentCache& c, std::int64_t max_bytes, double val_fraction,
                                   std::uint64_t seed) {
  if (max_bytes < 0) throw std::invalid_argument("--max-bytes must be >= 0");
  // read_documents(source, max_bytes) keeps the documents that end within the cap; the cache holds those of its own
  // cap, so it answers every cap up to that one (and every cap when it is complete).
  if (!c.complete && (max_bytes == 0 || max_bytes > c.max_bytes))
    throw std::invalid_argument(fmt::format(
        "the prepared fine-tuning tokens hold the whole documents of the first {} bytes of '{}' only, not {}: "
        "fine-tune with --max-bytes at most {}, prepare the run with a larger --finetune-max-bytes (0: all), or pass "
        "--data where the text and the run's tokenizer are",
        c.max_bytes, c.source, max_bytes == 0 ? std::string("all of it") : fmt::format("{} bytes", max_bytes),
        c.max_bytes));
  const std::int64_t cut = max_bytes == 0 ? std::numeric_limits<std::int64_t>::max() : max_bytes;
  std::vector<torch::Tensor> pieces;
  std::vector<std::int64_t> bytes_of;
  std::int64_t at = 0, token_at = 0;
  for (std::size_t d = 0; d < c.doc_bytes.size() && at + c.doc_bytes[d] <= cut; ++d) {
    pieces.push_back(c.ids.narrow(0, token_at, c.doc_tokens[d]));
    bytes_of.push_back(c.doc_bytes[d]);
    at += c.doc_bytes[d], token_at += c.doc_tokens[d];
  }
  if (pieces.empty())
    throw std::invalid_argument(fmt::format("the first {} bytes of '{}' hold no whole document: use a larger "
                                            "--max-bytes", max_bytes, c.source));
  const std::vector<bool> val = validation_documents(pieces.size(), val_fraction, seed);
  DocumentSplit out;
  std::vector<torch::Tensor> train_ids, val_ids;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (val[i]) val_ids.push_back(pieces[i]), out.val.bytes += bytes_of[i], ++out.val_docs;
    else train_ids.push_back(pieces[i]), out.train.bytes += bytes_of[i], ++out.train_docs;
  }
  out.train.ids = torch::cat(train_ids).contiguous();
  out.val.ids = torch::cat(val_ids).contiguous();
  out.bytes = at;
  return out;
}

}  // namespace muonlab::nanochat
