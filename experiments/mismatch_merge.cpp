// Sharded sweeps (experiments/mismatch.hpp): the shard folders and their merge into one sweep's results and tables.
// Tested by tests/experiments/test_mismatch.cpp ("sharded sweeps: disjoint parts whose merge is the unsharded sweep, byte for byte")
#include "nanochat/checkpoint.hpp"
#include "experiments/mismatch.hpp"
#include "experiments/mismatch_report.hpp"
#include "experiments/mismatch_results.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...
namespace fs = std::filesystem;

void parse_shard(const std::string& text, MismatchOptions& o) {
  static const std::regex re(R"(^\s*([0-9]{1,6})\s*/\s*([0-9]{1,6})\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw std::invalid_argument("--shard must be I/N (the I-th of N parts, 1 <= I <= N), got '" + text + "'");
  const int i = std::stoi(m[1]), n = std::stoi(m[2]);
  if (n < 1 || i < 1 || i > n)
    throw std::invalid_argument("--shard must be I/N with 1 <= I <= N, got '" + text + "'");
  o.shard_index = i, o.shard_count = n;
}

std::string shard_dir(const std::string& out_dir, int index, int count) {
  return (fs::path(out_dir) / fmt::format("shard-{}-of-{}", index, count)).string();
}

namespace {

struct Shard {
  fs::path dir;
  int index = 0, count = 0;
  nlohmann::json settings;  // its sweep.json
};

Shard read_shard(const fs::path& dir) {
  Shard s;
  s.dir = dir;
  s.settings = read_json_file(dir / "sweep.json");
  const std::string tag = s.settings.value("shard", std::string());
  MismatchOptions o;
  if (tag.empty()) throw std::invalid_argument("'" + dir.string() + "' is not a shard of a sweep (its sweep.json has no shard)");
  parse_shard(tag, o);
  s.index = o.shard_index, s.count = o.shard_count;
  return s;
}

// A shard's folder, or a folder of shard-*-of-* folders.
std::vector<Shard> find_shards(const std::string& given) {
  const fs::path d(given);
  if (!fs::is_directory(d)) throw std::invalid_argument("--merge: '" + given + "' is not a directory");
  if (fs::exists(d / "sweep.json") && read_json_file(d / "sweep.json").contains("shard")) return {read_shard(d)};
  static const std::regex name(R"(^shard-[0-9]+-of-[0-9]+$)");
  std::vector<fs::path> subs;
  for (const auto& e : fs::directory_iterator(d))
    if (e.is_directory() && std::regex_match(e.path().filename().string(), name)) subs.push_back(e.path());
  if (subs.empty())
    throw std::invalid_argument("--merge: '" + given + "' is neither a shard nor a folder of shard-I-of-N folders");
  std::sort(subs.begin(), subs.end());
  std::vector<Shard> out;
  for (const fs::path& p : subs) out.push_back(read_shard(p));
  return out;
}

// Settings that may differ between shards (how each machine ran, not what was run).
nlohmann::json what_was_run(nlohmann::json s) {
  for (const char* k : {"shard", "threads", "device"}) s.erase(k);
  return s;
}

}  // namespace

MismatchSummary merge_mismatch(const std::vector<std::string>& dirs, const std::string& out_dir, bool progress) {
  if (dirs.empty()) throw std::invalid_argument("--merge needs at least one directory");
  std::vector<Shard> shards;
  for (const std::string& d : dirs)
    for (Shard& s : find_shards(d)) shards.push_back(std::move(s));
  const int n = shards.front().count;
  std::map<int, const Shard*> by_index;
  for (const Shard& s : shards) {
    if (s.count != n)
      throw std::invalid_argument(fmt::format("--merge: '{}' is a shard of {}, '{}' of {}", s.dir.string(), s.count,
                                              shards.front().dir.string(), n));
    if (by_index.count(s.index))
      throw std::invalid_argument(fmt::format("--merge: shard {}/{} given twice ('{}' and '{}')", s.index, n,
                                              by_index.at(s.index)->dir.string(), s.dir.string()));
    if (what_was_run(s.settings) != what_was_run(shards.front().settings))
      throw std::invalid_argument(fmt::format("--merge: '{}' and '{}' were made with different settings; their "
                                              "results are not one sweep",
                                              s.dir.string(), shards.front().dir.string()));
    by_index[s.index] = &s;
  }
  std::vector<std::string> missing;
  for (int i = 1; i <= n; ++i)
    if (!by_index.count(i)) missing.push_back(fmt::format("{}/{}", i, n));
  if (!missing.empty())
    throw std::invalid_argument(fmt::format("--merge: shard{} {} missing", missing.size() > 1 ? "s" : "",
                                            fmt::join(missing, ", ")));

  nlohmann::json settings = shards.front().settings;
  settings.erase("shard");
  const fs::path out(out_dir);
  if (fs::exists(out / "sweep.json") &&
      read_json_file(out / "sweep.json").value("comparable", nlohmann::json()) != settings.at("comparable"))
    throw std::invalid_argument("'" + out_dir + "' holds a sweep made with other settings; merge into another --out");

  // Every record once: the merged folder's own first (a merge again is harmless), then the shards in order.
  MismatchSummary sum;
  ResultsFile existing = read_results((out / "results.jsonl").string());
  std::vector<SweepRecord> records = std::move(existing.records);
  std::set<std::string> have;
  for (const SweepRecord& r : records) have.insert(r.key.id());
  for (const auto& [i, s] : by_index) {
    ResultsFile rf = read_results((s->dir / "results.jsonl").string());
    for (const std::string& w : rf.warnings) sum.warnings.push_back(s->dir.string() + ": " + w);
    for (SweepRecord& r : rf.records)
      if (have.insert(r.key.id()).second) records.push_back(std::move(r));
  }

  // The unsharded sweep's order (seeds, pretrained model, method, optimizer, lr), so the tables are computed from
  // the records in the same order, hence to the same bits.
  const int main_rank = settings.at("comparable").at("lora_rank").get<int>();
  std::vector<std::string> plan;
  for (const auto& seed : settings.at("seeds"))
    for (const std::string P : {"muon", "adam"})
      for (const auto& M : settings.at("methods"))
        for (const auto& O : settings.at("optimizers"))
          for (const auto& lr : settings.at("lrs").at(O.get<std::string>())) {
            const std::string m = M.get<std::string>();
            plan.push_back(SweepKey{P, m, O.get<std::string>(), lr.get<double>(), seed.get<std::uint64_t>(),
                                    m == "lora" ? main_rank : 0}
                               .id());
          }
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < plan.size(); ++i) position.emplace(plan[i], i);
  std::stable_sort(records.begin(), records.end(), [&](const SweepRecord& a, const SweepRecord& b) {
    const auto pa = position.find(a.key.id()), pb = position.find(b.key.id());
    const std::size_t ia = pa == position.end() ? plan.size() : pa->second;
    const std::size_t ib = pb == position.end() ? plan.size() : pb->second;
    return ia < ib;
  });
  int done = 0;
  for (const std::string& k : plan) done += have.count(k) ? 1 : 0;

  fs::create_directories(out);
  rewrite_results((out / "results.jsonl").string(), records);
  write_text_atomic((out / "sweep.json").string(), settings.dump(2) + "\n");
  sum.out_dir = out_dir;
  sum.muon_run = settings.at("comparable").value("muon_run", std::string());
  sum.adam_run = settings.at("comparable").value("adam_run", std::string());
  sum.planned = int(plan.size());
  sum.done = done;
  sum.complete = done >= sum.planned;
  sum.analysis = analyze_mismatch(records, main_rank);
  write_mismatch_outputs(out_dir, sum.analysis, settings, mismatch_progress_text(done, sum.planned));
  if (progress)
    fmt::print(stderr, "mismatch: merged {} shards ({} records) into {}: {} of {} main-sweep runs\n", n,
               records.size(), out_dir, done, sum.planned);
  return sum;
}

}  // namespace muonlab::experiments
