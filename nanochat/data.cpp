#include "nanochat/data.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#if MUONLAB_HAVE_ZLIB
#include <zlib.h>
#endif

namespace muonlab::nanochat {
namespace fs = std::filesystem;

std::string default_pretraining_text(const std::string& root) {
  if (fs::exists(fs::path(root) / "data" / "gcide.txt")) return (fs::path(root) / "data" / "gcide.txt").string();
  if (fs::exists("/usr/share/dictd/gcide.dict.dz")) return "/usr/share/dictd/gcide.dict.dz";
  return {};
}

std::string default_finetuning_text(const std::string& root) {
  if (fs::exists(fs::path(root) / "data" / "fortunes.txt")) return (fs::path(root) / "data" / "fortunes.txt").string();
  if (fs::is_directory("/usr/share/games/fortunes")) return "/usr/share/games/fortunes";
  return {};
}

std::string sanitize_utf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t len = 0;
    if (c == 0) len = 0;
    else if (c < 0x80) len = 1;
    else if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) len = 3;
    else if (c >= 0xF0 && c <= 0xF4) len = 4;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 3) {  // no overlongs, no surrogates
      if (c == 0xE0 && s[i + 1] < 0xA0) ok = false;
      if (c == 0xED && s[i + 1] > 0x9F) ok = false;
    }
    if (ok && len == 4) {
      if (c == 0xF0 && s[i + 1] < 0x90) ok = false;
      if (c == 0xF4 && s[i + 1] > 0x8F) ok = false;
    }
    if (ok) {
      out.append(in, i, len);
      i += len;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

namespace {

// A fortune folder as scripts/prepare_data flattens it: `find DIR -maxdepth 1 -type f ! -name '*.dat' ! -name
// '*.u8' | sort | xargs cat | sed 's/^%$//'` (regular files only, links skipped, byte order of names).
std::string read_fortune_folder(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.symlink_status().type() != fs::file_type::regular) continue;
    const std::string name = e.path().filename().string();
    auto ends = [&](const std::string& suf) {
      return name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (!ends(".dat") && !ends(".u8")) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string all;
  for (const auto& name : names) {
    std::ifstream in(fs::path(dir) / name, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read '" + (fs::path(dir) / name).string() + "'");
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string out;
  out.reserve(all.size());
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\n', start);
    const bool nl = end != std::string::npos;
    if (!nl) end = all.size();
    if (!(end - start == 1 && all[start] == '%')) out.append(all, start, end - start);  // a '%' line becomes blank
    if (nl) out.push_back('\n');
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string read_text(const std::string& path, std::int64_t max_bytes) {
  if (path.empty()) throw std::invalid_argument("no text file given (and no default found: run scripts/prepare_data)");
  if (fs::is_directory(path)) {
    std::string text = read_fortune_folder(path);
    if (max_bytes > 0 && text.size() > std::size_t(max_bytes)) text.resize(std::size_t(max_bytes));
    if (text.empty()) throw std::invalid_argument("folder '" + path + "' holds no text");
    return sanitize_utf8(text);
  }
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw std::invalid_argument("cannot open text file '" + path + "'");
  unsigned char magic[2] = {0, 0};
  probe.read(reinterpret_cast<char*>(magic), 2);
  const bool gz = probe.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  probe.close();
  const std::size_t cap = max_bytes > 0 ? std::size_t(max_bytes) : std::size_t(-1);
  std::string text;
  if (gz) {
#if MUONLAB_HAVE_ZLIB
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw std::invalid_argument("cannot open '" + path + "'");
    std::vector<char> buf(1 << 20);
    while (text.size() < cap) {
      const int got = gzread(f, buf.data(), unsigned(buf.size()));
      if (got < 0) {
        gzclose(f);
        throw std::invalid_argument("'" + path + "' is not a readable gzip file");
      }
      if (got == 0) break;
      text.append(buf.data(), std::min<std::size_t>(std::size_t(got), cap - text.size()));
    }
    gzclose(f);
#else
    throw std::invalid_argument("'" + path + "' is compressed and this build has no zlib: run scripts/prepare_data");
#endif
  } else {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buf(1 << 20);
    while (text.size() < cap && in) {
      in.read(buf.data(), std::streamsize(std::min<std::size_t>(buf.size(), cap - text.size())));
      text.append(buf.data(), std::size_t(in.gcount()));
    }
  }
  if (text.empty()) throw std::invalid_argument("text file '" + path + "' is empty");
  return sanitize_utf8(text);
}

std::vector<std::pair<std::size_t, std::size_t>> document_spans(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t start = 0;
  while (start < text.size()) {
    // A document ends after a run of two or more newlines.
    std::size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    else {
      while (end < text.size() && text[end] == '\n') ++end;
    }
    spans.emplace_back(start, end);
    start = end;
  }
  return spans;
}

std::vector<bool> validation_documents(std::size_t n, double val_fraction, std::uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);  // a stream of its own, distinct from the batch stream
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<bool> val(n);
  std::size_t n_val = 0;
  for (std::size_t i = 0; i < n; ++i) n_val += (val[i] = u(rng) < val_fraction) ? 1 : 0;
  if (n_val == 0 && n > 1) val[n - 1] = true, n_val = 1;  // tiny texts: hold out the last document
  if (n_val == 0 || n_val == n)
    throw std::invalid_argument("the text has too few documents (blank-line separated) for a train/validation split");
  return val;
}

DocumentText read_documents(const std::string& path, std::int64_t max_bytes) {
  if (max_bytes <= 0) return {read_text(path, 0), true};
  // One byte more than the cap says whether the text goes on, and whether the last document in the cap is whole: it
  // is when it ends within the cap and the next byte starts another document (not more of its newline run).
  std::string text = read_text(path, max_bytes + 1);
  if (text.size() <= std::size_t(max_bytes)) return {std::move(text), true};
  const std::size_t cap = std::size_t(max_bytes);
  std::size_t end = 0;
  for (const auto& [b, e] : document_spans(text.substr(0, cap))) {
    const bool whole = e < cap || (e == cap && text[cap] != '\n' && cap >= 2 && text[cap - 1] == '\n' &&
                                   text[cap - 2] == '\n');
    if (!whole) break;
    end = e;
  }
  if (end == 0)
    throw std::invalid_argument("the first " + std::to_string(max_bytes) + " bytes of '" + path +
                                "' hold no whole document (blank-line separated): use a larger --max-bytes");
  text.resize(end);
  return {std::move(text), false};
}

TextSplit split_documents(const std::string& text, double val_fraction, std::uint64_t seed) {
  TextSplit out;
  const auto spans = document_spans(text);
  const std::vector<bool> val = validation_documents(spans.size(), val_fraction, seed);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    std::string doc = text.substr(spans[i].first, spans[i].second - spans[i].first);
    if (val[i]) out.val_bytes += doc.size(), out.val.push_back(std::move(doc));
    else out.train_bytes += doc.size(), out.train.push_back(std::move(doc));
  }
  return out;
}

std::vector<std::string> training_lines(const TextSplit& split) {
  std::vector<std::string> lines;
  for (const auto& doc : split.train) {
    std::size_t start = 0;
    while (start < doc.size()) {
      std::size_t end = doc.find('\n', start);
      if (end == std::string::npos) end = doc.size();
      lines.push_back(doc.substr(start, end - start));
      start = end + 1;
    }
  }
  return lines;
}

TokenStream encode_documents(const Tokenizer& tok, const std::vector<std::string>& docs) {
  std::vector<std::int64_t> ids;
  TokenStream s;
  const auto parts = tok.encode_many(docs);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    ids.insert(ids.end(), parts[i].begin(), parts[i].end());
    s.bytes += std::int64_t(docs[i].size());
  }
  s.ids = torch::tensor(ids, torch::kInt64);
  return s;
}

Batch sample_batch(const TokenStream& s, int batch_size, int seq_len, std::uint64_t seed, std::int64_t step) {
  const std::int64_t n = s.ids.size(0);
  if (n < seq_len + 1)
    throw std::invalid_argument("the training text has " + std::to_string(n) + " tokens, fewer than one window of " +
                                std::to_string(seq_len + 1));
  std::seed_seq seq{std::uint32_t(seed), std::uint32_t(seed >> 32), std::uint32_t(step), std::uint32_t(step >> 32)};
  std::mt19937_64 rng(seq);
  std::uniform_int_distribution<std::int64_t> pick(0, n - seq_len - 1);
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(batch_size));
  for (auto& o : offsets) o = pick(rng);
  const torch::Tensor off = torch::tensor(offsets, torch::kInt64).view({batch_size, 1});
  const torch::Tensor idx = off + torch::arange(seq_len + 1, torch::kInt64).view({1, seq_len + 1});  // (B, T+1)
  const torch::Tensor w = s.ids.index_select(0, idx.view({-1})).view({batch_size, seq_len + 1});
  return {w.narrow(1, 0, seq_len).contiguous(), w.narrow(1, 1, seq_len).contiguous()};
}

Batch validation_windows(const TokenStream& s, int seq_len, std::int64_t max_tokens) {
  const std::int64_t n = s.ids.size(0);
  std::int64_t windows = std::min<std::int64_t>((n - 1) / seq_len, std::max<std::int64_t>(1, max_tokens / seq_len));
  if (windows < 1)
    throw std::invalid_argument("the validation text has " + std::to_string(n) + " tokens, fewer than one window of " +
                                std::to_string(seq_len + 1) + "; use a larger --val-fraction or more text");
  const torch::Tensor x = s.ids.narrow(0, 0, windows * seq_len).view({windows, seq_len});
  const torch::Tensor y = s.ids.narrow(0, 1, windows * seq_len).view({windows, seq_len});
  return {x.contiguous(), y.contiguous()};
}

std::int64_t target_bytes(const torch::Tensor& y, const std::vector<std::int32_t>& bytes) {
  const torch::Tensor table = torch::tensor(std::vector<std::int64_t>(bytes.begin(), bytes.end()), torch::kInt64);
  return table.index_select(0, y.reshape({-1}).cpu()).sum().item<std::int64_t>();
}

double unigram_bits_per_byte(const TokenStream& train, const torch::Tensor& y, const std::vector<std::int32_t>& bytes,
                             int vocab_size) {
  const torch::Tensor counts = torch::bincount(train.ids, {}, vocab_size).to(torch::kFloat64);  // (V)
  const torch::Tensor p = (counts + 0.5) / (counts.sum() + 0.5 * vocab_size);                 // add-½ smoothing
  const double bits = -torch::log2(p.index_select(0, y.reshape({-1}).cpu())).sum().item<double>();
  return bits / double(target_bytes(y, bytes));
}

}  // namespace muonlab::nanochat
