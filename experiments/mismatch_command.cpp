#include "experiments/mismatch_command.hpp"

#include "experiments/mismatch_report.hpp"
#include "nanochat/interrupt.hpp"
#include "nanochat/optimizer_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace muonlab::experiments {
namespace {

// The size settings that override the preset's fine-tuning config.
using Apply = void (*)(const FinetuneConfig& given, FinetuneConfig& config);
const std::vector<std::pair<std::string, Apply>>& size_overrides() {
  static const std::vector<std::pair<std::string, Apply>> table = {
      {"max-steps", [](const FinetuneConfig& g, FinetuneConfig& c) { c.max_steps = g.max_steps; }},
      {"max-bytes", [](const FinetuneConfig& g, FinetuneConfig& c) { c.max_bytes = g.max_bytes; }},
      {"batch-size", [](const FinetuneConfig& g, FinetuneConfig& c) { c.batch_size = g.batch_size; }},
      {"eval-tokens", [](const FinetuneConfig& g, FinetuneConfig& c) { c.eval_tokens = g.eval_tokens; }},
      {"rank", [](const FinetuneConfig& g, FinetuneConfig& c) { c.lora.rank = g.lora.rank; }},
      {"threads", [](const FinetuneConfig& g, FinetuneConfig& c) { c.threads = g.threads; }},
      {"device", [](const FinetuneConfig& g, FinetuneConfig& c) { c.device = g.device; }},
      {"data", [](const FinetuneConfig& g, FinetuneConfig& c) { c.data = g.data; }},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& mismatch_override_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, apply] : size_overrides()) v.push_back(name);
    v.push_back("seeds");
    for (const std::string& opt : nanochat::torch_optimizer_spellings(false)) v.push_back("lrs-" + opt);
    return v;
  }();
  return names;
}

namespace {

// A given "lrs-OPT" overrides the grid it carries (lrs[OPT]); any other name must be one of the settings.
bool overrides_something(const MismatchRunOptions& o, const std::string& name) {
  if (name.rfind("lrs-", 0) == 0) return o.lrs.count(name.substr(4)) > 0;
  const auto& names = mismatch_override_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string MismatchRunOptions::validate() const {
  if (given.count("seeds"))
    for (int s : seeds)
      if (s < 0) return "--seeds must be non-negative";
  if (!shard.empty()) {
    MismatchOptions parsed;
    try {
      parse_shard(shard, parsed);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  }
  if (!merge.empty() && !shard.empty()) return "--merge and --shard exclude each other";
  return {};
}

MismatchOptions mismatch_options(const MismatchRunOptions& r) {
  for (const auto& name : r.given)
    if (!overrides_something(r, name))
      throw std::invalid_argument("mismatch: '" + name + "' is not a setting that overrides the preset");
  MismatchOptions o = r.sweep;
  apply_mismatch_preset(r.preset, o);
  for (const auto& [name, apply] : size_overrides())
    if (r.given.count(name)) apply(r.size, o.finetune);
  if (r.given.count("seeds")) {
    o.seeds.clear();
    for (int s : r.seeds) {
      if (s < 0) throw std::invalid_argument("--seeds must be non-negative");
      o.seeds.push_back(std::uint64_t(s));
    }
  }
  for (const auto& [opt, grid] : r.lrs)
    if (r.given.count("lrs-" + opt)) o.lrs[opt] = grid;
  o.progress = !r.quiet;
  if (!r.shard.empty()) parse_shard(r.shard, o);
  return o;
}

std::string mismatch_out_dir(const MismatchOptions& o) {
  return o.out_dir.empty() ? "runs/mismatch-" + o.preset : o.out_dir;
}

MismatchSummary run_mismatch_command(const MismatchRunOptions& r) {
  if (const std::string problem = r.validate(); !problem.empty()) throw std::invalid_argument(problem);
  const MismatchOptions o = mismatch_options(r);
  const std::string out_dir = mismatch_out_dir(o);
  nanochat::InterruptScope interrupts;
  try {
    return r.merge.empty() ? run_mismatch(o) : merge_mismatch(r.merge, out_dir, o.progress);
  } catch (const nanochat::Interrupted& e) {
    // Every finished run is in results.jsonl, and a started pretraining resumes: the same command continues.
    throw nanochat::Interrupted(fmt::format(
        "{}; the finished runs are in {}/results.jsonl: run the same command to continue the sweep", e.what(),
        o.shard_count > 0 ? shard_dir(out_dir, o.shard_index, o.shard_count) : out_dir));
  }
}

std::string brief(const MismatchSummary& s, const std::string& preset) {
  std::string out = fmt::format("muonlab mismatch ({} preset): {} of {} runs done{} | results in {}\n\n", preset,
                                s.done, s.planned,
                                s.complete ? "" : " — NOT complete: rerun the same command to continue", s.out_dir);
  out += fmt::format("{}\n", table1_markdown(s.analysis));
  for (const auto& c : s.analysis.checks)
    out += fmt::format("{:<9} {:<28} {} (significant: {})\n", c.verdict, c.id, c.detail, c.significance);
  out += fmt::format("\n{} checks hold, {} violated; tables, geometry, distances and ranks in {}/summary.md\n",
                     s.analysis.count("holds"), s.analysis.count("violated"), s.out_dir);
  if (s.new_runs > 0) out += fmt::format("{} new runs, {:.1f} s per run\n", s.new_runs, s.mean_run_s);
  return out;
}

int exit_code(const MismatchSummary& s) {
  if (!s.complete) return 3;
  return s.analysis.count("violated") > 0 ? 1 : 0;
}

}  // namespace muonlab::experiments
