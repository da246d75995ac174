#include "experiments/mismatch_results.hpp"

#include "nanochat/checkpoint.hpp"
#include "nanochat/optimizer_names.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...

std::string format_lr(double lr) { return fmt::format("{:.9g}", lr); }

std::string format_lr_list(const std::vector<double>& grid) {
  std::string s;
  for (double lr : grid) s += (s.empty() ? "" : ",") + format_lr(lr);
  return s;
}

std::string SweepKey::id() const {
  return fmt::format("{}/{}-{}/r{}/lr={}/s{}", pretrain, method, optimizer, rank, format_lr(lr), seed);
}

nlohmann::json to_json(const SweepKey& k) {
  return {{"pretrain", k.pretrain}, {"method", k.method}, {"optimizer", k.optimizer},
          {"lr", k.lr},             {"seed", k.seed},     {"rank", k.rank}};
}

nlohmann::json to_json(const SweepRecord& r) {
  return {{"key", to_json(r.key)}, {"n_embd", r.n_embd}, {"summary", to_json(r.summary)}};
}

namespace {

template <class T>
T field(const nlohmann::json& j, const char* name, const char* where) {
  if (!j.contains(name)) throw std::invalid_argument(fmt::format("{} has no \"{}\"", where, name));
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(fmt::format("{} field \"{}\" has the wrong type ({})", where, name,
                                            j.at(name).dump()));
  }
}

}  // namespace

SweepRecord sweep_record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("a result must be a JSON object");
  SweepRecord r;
  const nlohmann::json& k = j.contains("key") ? j.at("key") : nlohmann::json();
  if (!k.is_object()) throw std::invalid_argument("a result needs a \"key\" object");
  r.key.pretrain = field<std::string>(k, "pretrain", "key");
  r.key.method = field<std::string>(k, "method", "key");
  r.key.optimizer = field<std::string>(k, "optimizer", "key");
  r.key.lr = field<double>(k, "lr", "key");
  r.key.seed = field<std::uint64_t>(k, "seed", "key");
  r.key.rank = field<int>(k, "rank", "key");
  if (r.key.pretrain != "muon" && r.key.pretrain != "adam")
    throw std::invalid_argument("key.pretrain must be muon or adam, got '" + r.key.pretrain + "'");
  if (r.key.method != "full" && r.key.method != "lora")
    throw std::invalid_argument("key.method must be full or lora, got '" + r.key.method + "'");
  if (!torch_optimizer_id(r.key.optimizer))
    throw std::invalid_argument(not_a_torch_rule("key.optimizer", r.key.optimizer));
  if (!(r.key.lr > 0) || !std::isfinite(r.key.lr)) throw std::invalid_argument("key.lr must be a positive number");
  if (r.key.rank < 0 || (r.key.method == "lora" && r.key.rank < 1))
    throw std::invalid_argument("key.rank must be >= 1 for lora and 0 for full");
  r.n_embd = field<int>(j, "n_embd", "result");
  if (r.n_embd < 1) throw std::invalid_argument("n_embd must be positive");
  if (!j.contains("summary") || !j.at("summary").is_object())
    throw std::invalid_argument("a result needs a \"summary\" object");
  try {
    // finetune_summary_from_json reads a null number (JSON has no ∞: a diverged run's perplexity) as +∞.
    r.summary = finetune_summary_from_json(j.at("summary"));
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("summary: ") + e.what());
  }
  // A diverged run is a sweep point at +∞ (Table 8's grid edges), whatever its file says.
  if (r.summary.diverged || !std::isfinite(r.summary.ppl_ratio))
    r.summary.ppl_ratio = std::numeric_limits<double>::infinity();
  return r;
}

ResultsFile read_results(const std::string& path) {
  ResultsFile out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(path)) throw std::invalid_argument("cannot read '" + path + "'");
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::set<std::string> seen;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    const bool terminated = nl != std::string::npos;
    const std::string line = text.substr(pos, terminated ? nl - pos : std::string::npos);
    pos = terminated ? nl + 1 : text.size();
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      if (!terminated) {
        // The process died inside the write: that run was never finished. Drop it; it is redone.
        out.torn_tail = true;
        out.warnings.push_back(fmt::format("{}:{}: torn last line ({} bytes, no newline) dropped: that run is redone",
                                           path, line_no, line.size()));
        break;
      }
      throw std::invalid_argument(fmt::format(
          "{}:{}: not a JSON line; the results file is damaged (fix or delete that line, then rerun)", path, line_no));
    }
    SweepRecord r;
    try {
      r = sweep_record_from_json(j);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(
          fmt::format("{}:{}: not a sweep result: {} (fix or delete that line, then rerun)", path, line_no, e.what()));
    }
    const std::string id = r.key.id();
    if (!seen.insert(id).second) {
      out.warnings.push_back(fmt::format("{}:{}: {} appears again; the first result is kept", path, line_no, id));
      continue;
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

void append_result(const std::string& path, const SweepRecord& r) {
  const std::string line = to_json(r).dump() + "\n";
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open '" + path + "' for appending: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error("write to '" + path + "' failed: " + std::strerror(err));
    }
    done += std::size_t(n);
  }
  const int sync = ::fsync(fd);
  ::close(fd);
  if (sync != 0) throw std::runtime_error("fsync of '" + path + "' failed");
}

void rewrite_results(const std::string& path, const std::vector<SweepRecord>& records) {
  std::string text;
  for (const SweepRecord& r : records) text += to_json(r).dump() + "\n";
  write_text_atomic(path, text);
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read '" + path.string() + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("'" + path.string() + "' is not JSON: " + e.what());
  }
}

}  // namespace muonlab::experiments
