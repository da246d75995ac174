// muonlab mismatch: the optimizer-mismatch sweep of the paper's §3. Parses into experiments::MismatchRunOptions,
// calls experiments::run_mismatch_command (the sweep, or the merge of its shards), prints; the preset with the given
// settings over it, the run, the text and the exit code are experiments/mismatch_command.hpp.
//
// Exit codes: 0 the sweep is complete and every check holds; 1 complete and a check is violated (the numbers are in
// OUT/summary.md either way); 3 not complete (--max-runs stopped it: rerun the same command to continue); 2 bad
// input (options, an unusable pretrained run, a damaged results file, an OUT made with other settings).
// Tested by tests/experiments/test_mismatch.cpp ("muonlab mismatch --preset tiny end to end")
#include "cli/commands.hpp"
#include "nanochat/interrupt.hpp"
#include "experiments/mismatch_command.hpp"
#include "nanochat/optimizer_names.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace muonlab::cli {
namespace {

struct MismatchArgs : experiments::MismatchRunOptions {
  bool json = false;
  CLI::App* sub = nullptr;
};

int run(MismatchArgs& a) {
  a.given = given_settings(*a.sub, experiments::mismatch_override_names());
  experiments::MismatchSummary s;
  try {
    s = experiments::run_mismatch_command(a);
  } catch (const nanochat::Interrupted& e) {
    fmt::print(stderr, "muonlab mismatch: {}\n", e.what());
    return kInterrupted;
  }
  if (a.json)
    std::cout << experiments::to_json(s).dump(2) << '\n';
  else
    std::cout << experiments::brief(s, a.preset);
  static_assert(kOk == 0 && kCheckFailed == 1 && kInconclusive == 3, "experiments::exit_code's values");
  return experiments::exit_code(s);
}

}  // namespace

Command add_mismatch(CLI::App& app) {
  auto a = std::make_shared<MismatchArgs>();
  experiments::MismatchOptions& o = a->sweep;
  CLI::App* sub = a->sub = app.add_subcommand(
      "mismatch",
      "The optimizer-mismatch sweep (paper §3): pretrains (or reuses) a Muon- and an Adam-pretrained model, fine-tunes "
      "each with Full/LoRA × each optimizer over an lr grid and seeds, and writes Table 1 (PPL / pretrained PPL and "
      "the gap to the matched optimizer, the paper's values beside), Table 8 (best lrs), Figure 4 (sweep curves), "
      "Table 17 (weight distances), the update geometry check (Prop D.4/D.5 at scale), a rank study (--ranks) and "
      "summary.md. Resumable: every finished run is appended to OUT/results.jsonl at once and a rerun skips it. "
      "Exit 0: complete, every check holds; 1: complete, a check violated; 3: not complete (--max-runs); 2: bad "
      "input.");
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
  sub->add_option("--data", a->size.data,
                  "Fine-tuning text (default data/fortunes.txt or the fortunes package)");
  sub->add_option("--method,--methods", o.methods, "Comma-separated: full,lora")->delimiter(',')->capture_default_str();
  sub->add_option("--optimizer,--optimizers", o.optimizers,
                  "Fine-tuning matrix rules, comma-separated: muon,adam (add adamuon,normuon for the beyond-the-paper "
                  "study)")
      ->delimiter(',')
      ->capture_default_str();
  for (const std::string& opt : nanochat::torch_optimizer_spellings(false)) {
    const std::string name = std::string("--lrs-") + opt;
    sub->add_option(name, a->lrs[opt],
                    fmt::format("lr grid of {} (base lr; peak = lr × 0.02), comma-separated (default by preset; "
                                "cpu: {})",
                                opt, experiments::format_lr_list(experiments::default_lr_grid("cpu", opt))))
        ->delimiter(',');
  }
  sub->add_option("--seeds", a->seeds, "Seeds, comma-separated (default 1,2,3)")->delimiter(',');
  sub->add_option("--ranks", o.ranks, "Rank study: LoRA ranks, comma-separated (e.g. 1,2,4,8,16); default none")
      ->delimiter(',');
  sub->add_option("--rank-lrs", o.rank_lrs,
                  "Rank study lrs at each rank: best (the main sweep's best lr) | neighbors (also its two grid "
                  "neighbours) | grid (the whole grid); LoRA's α/r scale moves the best lr with the rank")
      ->check(CLI::IsMember({"best", "neighbors", "grid"}))
      ->capture_default_str();
  sub->add_option("--rank", a->size.lora.rank, "LoRA rank of the main sweep (paper: 8)");
  sub->add_flag(
      "--trajectories", o.trajectories,
      "Rerun each curve's best run with evaluations along the way (Figure 3): OUT/trajectories/*/metrics.csv");
  sub->add_option("--trajectory-points", o.trajectory_points, "Evaluations along a trajectory run")
      ->capture_default_str();
  sub->add_option("--max-steps", a->size.max_steps, "Fine-tuning steps per run (overrides the preset)");
  sub->add_option("--max-bytes", a->size.max_bytes,
                  "Fine-tuning text: the whole documents within this many bytes (overrides the preset)");
  sub->add_option("--batch-size", a->size.batch_size, "Blocks per step (overrides the preset)");
  sub->add_option("--eval-tokens", a->size.eval_tokens, "Validation tokens per evaluation (overrides the preset)");
  sub->add_option("--threads", a->size.threads, "Torch CPU threads")->check(CLI::Range(1, 256));
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
