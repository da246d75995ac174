// muonlab mismatch: the optimizer-mismatch sweep of the paper's §3 (issue 8). Parsing and dispatch only; the work is
// experiments::run_mismatch (experiments/mismatch.hpp), the tables experiments/mismatch_tables.hpp.
//
// Exit codes: 0 the sweep is complete and every check holds; 1 complete and a check is violated (the numbers are in
// OUT/summary.md either way); 3 not complete (--max-runs stopped it: rerun the same command to continue); 2 bad
// input (options, an unusable pretrained run, a damaged results file, an OUT made with other settings).
// Tested by tests/experiments/test_mismatch.cpp ("muonlab mismatch --preset tiny end to end")
#include "cli/commands.hpp"
#include "nanochat/interrupt.hpp"
#include "experiments/mismatch.hpp"
#include "experiments/mismatch_report.hpp"
#include "nanochat/optimizer_names.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>

namespace muonlab::cli {
namespace {

struct MismatchArgs {
  std::string preset = "cpu";
  experiments::MismatchOptions o;
  std::map<std::string, std::vector<double>> lrs;  // --lrs-OPT as parsed
  nanochat::FinetuneConfig size;                  // --max-steps … as parsed; applied over the preset when given
  std::vector<int> seeds;
  std::string shard;                 // --shard I/N
  std::vector<std::string> merge;    // --merge DIR…
  bool json = false, quiet = false;
  std::map<std::string, CLI::Option*> opts;
};

bool given(const MismatchArgs& a, const std::string& name) {
  auto it = a.opts.find(name);
  return it != a.opts.end() && it->second->count() > 0;
}

std::string grid_text(const std::vector<double>& grid) {
  std::string s;
  for (double lr : grid) s += (s.empty() ? "" : ",") + experiments::format_lr(lr);
  return s;
}

int run(MismatchArgs& a) {
  experiments::MismatchOptions o = a.o;
  experiments::apply_mismatch_preset(a.preset, o);
  if (given(a, "--max-steps")) o.finetune.max_steps = a.size.max_steps;
  if (given(a, "--max-bytes")) o.finetune.max_bytes = a.size.max_bytes;
  if (given(a, "--batch-size")) o.finetune.batch_size = a.size.batch_size;
  if (given(a, "--eval-tokens")) o.finetune.eval_tokens = a.size.eval_tokens;
  if (given(a, "--rank")) o.finetune.lora.rank = a.size.lora.rank;
  if (given(a, "--threads")) o.finetune.threads = a.size.threads;
  if (given(a, "--device")) o.finetune.device = a.size.device;
  if (given(a, "--data")) o.finetune.data = a.size.data;
  if (given(a, "--seeds")) {
    o.seeds.clear();
    for (int s : a.seeds) {
      if (s < 0) throw std::invalid_argument("--seeds must be non-negative");
      o.seeds.push_back(std::uint64_t(s));
    }
  }
  for (const auto& [opt, grid] : a.lrs)
    if (given(a, "--lrs-" + opt)) o.lrs[opt] = grid;
  o.progress = !a.quiet;
  if (!a.shard.empty()) experiments::parse_shard(a.shard, o);
  if (!a.merge.empty() && !a.shard.empty()) throw std::invalid_argument("--merge and --shard exclude each other");

  const std::string out_dir = o.out_dir.empty() ? "runs/mismatch-" + o.preset : o.out_dir;
  experiments::MismatchSummary s;
  // One scope for the whole sweep: a signal between two runs is kept for the next run's first step (which stops
  // there) rather than cleared by that run's own scope.
  nanochat::InterruptScope interrupts;
  try {
    s = a.merge.empty() ? experiments::run_mismatch(o) : experiments::merge_mismatch(a.merge, out_dir, o.progress);
  } catch (const nanochat::Interrupted& e) {
    // Every finished run is in results.jsonl, and a started pretraining resumes: the same command continues.
    fmt::print(stderr, "muonlab mismatch: {}; the finished runs are in {}/results.jsonl: run the same command to "
               "continue the sweep\n", e.what(),
               o.shard_count > 0 ? experiments::shard_dir(out_dir, o.shard_index, o.shard_count) : out_dir);
    return kInterrupted;
  }
  const int violated = s.analysis.count("violated");
  if (a.json) {
    std::cout << experiments::to_json(s).dump(2) << '\n';
  } else {
    fmt::print("muonlab mismatch ({} preset): {} of {} runs done{} | results in {}\n\n", o.preset, s.done, s.planned,
               s.complete ? "" : " — NOT complete: rerun the same command to continue", s.out_dir);
    fmt::print("{}\n", experiments::table1_markdown(s.analysis));
    for (const auto& c : s.analysis.checks)
      fmt::print("{:<9} {:<28} {} (significant: {})\n", c.verdict, c.id, c.detail, c.significance);
    fmt::print("\n{} checks hold, {} violated; tables, geometry, distances and ranks in {}/summary.md\n",
               s.analysis.count("holds"), violated, s.out_dir);
    if (s.new_runs > 0) fmt::print("{} new runs, {:.1f} s per run\n", s.new_runs, s.mean_run_s);
  }
  if (!s.complete) return kInconclusive;
  return violated > 0 ? kCheckFailed : kOk;
}

}  // namespace

Command add_mismatch(CLI::App& app) {
  auto a = std::make_shared<MismatchArgs>();
  experiments::MismatchOptions& o = a->o;
  auto& opts = a->opts;
  CLI::App* sub = app.add_subcommand(
      "mismatch",
      "The optimizer-mismatch sweep (paper §3): pretrains (or reuses) a Muon- and an Adam-pretrained model, fine-tunes "
      "each with Full/LoRA × each optimizer over an lr grid and seeds, and writes Table 1 (PPL / pretrained PPL and "
      "the gap to the matched optimizer, the paper's values beside), Table 8 (best lrs), Figure 4 (sweep curves), "
      "Table 17 (weight distances), the update geometry check (Prop D.4/D.5 at scale), a rank study (--ranks) and "
      "summary.md. Resumable: every finished run is appended to OUT/results.jsonl at once and a rerun skips it. "
      "Exit 0: complete, every check holds; 1: complete, a check violated; 3: not complete (--max-runs); 2: bad input.");
  sub->add_option("--preset", a->preset,
                  "tiny (seconds, tests) | cpu (≤ ~25 min for the default sweep on 2 cores) | gpu (one H100)")
      ->check(CLI::IsMember({"tiny", "cpu", "gpu"}))
      ->capture_default_str();
  sub->add_option("--out", o.out_dir, "Results directory (default runs/mismatch-PRESET)");
  sub->add_option("--muon-run", o.muon_run,
                  "Muon-pretrained run directory (default runs/pretrain-PRESET-muon-dD-sS); pretrained there if it "
                  "holds no finished model.pt");
  sub->add_option("--adam-run", o.adam_run, "Adam-pretrained run directory (as --muon-run)");
  sub->add_option("--pretrain-data", o.pretrain_data, "Pretraining text, when a model must be pretrained")
      ->check(CLI::ExistingFile);
  opts["--data"] = sub->add_option("--data", a->size.data, "Fine-tuning text (default data/fortunes.txt or the "
                                                            "fortunes package)");
  sub->add_option("--methods", o.methods, "Comma-separated: full,lora")->delimiter(',')->capture_default_str();
  sub->add_option("--optimizers", o.optimizers,
                  "Fine-tuning matrix rules, comma-separated: muon,adam (add adamuon,normuon for the beyond-the-paper "
                  "study)")
      ->delimiter(',')
      ->capture_default_str();
  for (const std::string& opt : nanochat::torch_optimizer_spellings(false)) {
    const std::string name = std::string("--lrs-") + opt;
    opts[name] = sub->add_option(name, a->lrs[opt],
                                 fmt::format("lr grid of {} (base lr; peak = lr × 0.02), comma-separated (default "
                                             "by preset; cpu: {})",
                                             opt, grid_text(experiments::default_lr_grid("cpu", opt))))
                     ->delimiter(',');
  }
  opts["--seeds"] = sub->add_option("--seeds", a->seeds, "Seeds, comma-separated (default 1,2,3)")->delimiter(',');
  sub->add_option("--ranks", o.ranks, "Rank study: LoRA ranks, comma-separated (e.g. 1,2,4,8,16); default none")
      ->delimiter(',');
  sub->add_option("--rank-lrs", o.rank_lrs,
                  "Rank study lrs at each rank: best (the main sweep's best lr) | neighbors (also its two grid "
                  "neighbours) | grid (the whole grid); LoRA's α/r scale moves the best lr with the rank")
      ->check(CLI::IsMember({"best", "neighbors", "grid"}))
      ->capture_default_str();
  opts["--rank"] = sub->add_option("--rank", a->size.lora.rank, "LoRA rank of the main sweep (paper: 8)");
  sub->add_flag("--trajectories", o.trajectories,
                "Rerun each curve's best run with evaluations along the way (Figure 3): OUT/trajectories/*/metrics.csv");
  sub->add_option("--trajectory-points", o.trajectory_points, "Evaluations along a trajectory run")
      ->capture_default_str();
  opts["--max-steps"] =
      sub->add_option("--max-steps", a->size.max_steps, "Fine-tuning steps per run (overrides the preset)");
  opts["--max-bytes"] =
      sub->add_option("--max-bytes", a->size.max_bytes, "Fine-tuning text: the whole documents within this many bytes (overrides the preset)");
  opts["--batch-size"] = sub->add_option("--batch-size", a->size.batch_size, "Blocks per step (overrides the preset)");
  opts["--eval-tokens"] =
      sub->add_option("--eval-tokens", a->size.eval_tokens, "Validation tokens per evaluation (overrides the preset)");
  opts["--threads"] = sub->add_option("--threads", a->size.threads, "Torch CPU threads")->check(CLI::Range(1, 256));
  opts["--device"] =
      sub->add_option("--device", a->size.device, "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--shard", a->shard,
                  "I/N: run only the I-th of N disjoint parts of the main sweep (a Slurm job array: "
                  "--shard $SLURM_ARRAY_TASK_ID/N with --array=1-N), into OUT/shard-I-of-N/ with its own results file; "
                  "the pretrained runs must exist already");
  sub->add_option("--merge", a->merge,
                  "Combine shards instead of running: each DIR is a shard folder or a folder of shard-I-of-N folders; "
                  "writes results and tables into --out, the same as an unsharded sweep")
      ->expected(1, -1);
  sub->add_option("--max-runs", o.max_runs, "Stop after this many new runs (0: no limit); rerun to continue")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--quiet", a->quiet, "No progress on stderr");
  sub->add_flag("--json", a->json, "Machine-readable summary (every table and check)");
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
