#include "experiments/mismatch.hpp"

#include "nanochat/checkpoint.hpp"
#include "nanochat/trainer.hpp"  // format_duration
#include "experiments/mismatch_report.hpp"
#include "nanochat/optimizer_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool is_one_of(const std::string& v, std::initializer_list<const char*> set) {
  for (const char* s : set)
    if (v == s) return true;
  return false;
}

}  // namespace

// ---- presets ---------------------------------------------------------------------------------------------------

std::vector<double> default_lr_grid(const std::string& preset, const std::string& optimizer) {
  const auto id = torch_optimizer_id(optimizer);
  const bool adam = id == solvers::OptimizerId::adam, adamuon = id == solvers::OptimizerId::adamuon;
  // The swept value is the base matrix (or adapter) lr; the peak is lr × lr_frac (0.02), as in the paper, which
  // sweeps 1e-5 … 0.9 and finds Muon's best at 0.5–0.9 and Adam's at 0.01–0.3 (Table 8, 561M parameters). Five
  // points, half a decade apart, placed where the optimum sits at each preset's size:
  //
  // cpu, measured (seed 1, the 100-step cpu pretrained models, 60 steps of 4×128 tokens; wider grids of 7 points):
  //   full-muon best 3 (1 … 10 within 0.06 of it), LoRA-muon best 1; full-adam best 0.3, LoRA-adam best 1 with a
  //   cliff at 3 (ratio 0.31 → 0.94); AdaMuon best 1 (full and LoRA, grid 0.03 … 30); NorMuon full best 3, LoRA
  //   best 1 (grid 0.1 … 100); the same optimum on both pretrained models everywhere. So the grids below (Muon and
  //   NorMuon 0.3 … 30, Adam 0.03 … 3, AdaMuon 0.1 … 10) put every best in the grid's interior.
  // gpu: not measured here (no GPU); the paper's optima, centred: Muon 0.1 … 10, Adam 0.01 … 1.
  // tiny: two points (a pipeline test, not an experiment).
  if (preset == "tiny") {
    if (adam) return {0.1, 1.0};
    if (adamuon) return {0.3, 3.0};
    return {1.0, 10.0};  // muon, normuon
  }
  if (preset == "gpu") {
    if (adam) return {0.01, 0.03, 0.1, 0.3, 1.0};
    if (adamuon) return {0.03, 0.1, 0.3, 1.0, 3.0};
    return {0.1, 0.3, 1.0, 3.0, 10.0};  // muon, normuon
  }
  if (adam) return {0.03, 0.1, 0.3, 1.0, 3.0};
  // AdaMuon's update has RMS 0.2·lr, ≈ 4× Keller-Muon's at width 128 (config.cpp: its pretraining lr is 5e-3 for
  // Muon's 0.02), so its grid sits a factor ≈ 3 lower; NorMuon keeps Keller's scale.
  if (adamuon) return {0.1, 0.3, 1.0, 3.0, 10.0};
  return {0.3, 1.0, 3.0, 10.0, 30.0};  // muon, normuon
}

void apply_mismatch_preset(const std::string& preset, MismatchOptions& o) {
  if (!is_one_of(preset, {"tiny", "cpu", "gpu"}))
    throw std::invalid_argument("--preset must be tiny, cpu or gpu, got '" + preset + "'");
  o.preset = preset;
  FinetuneConfig f;  // REFERENCE §5 recipe: lr_frac 0.02, linear decay, no warm-up, one epoch, LoRA r=8 α=16
  if (preset == "tiny") {
    // Seconds for the whole default sweep: a handful of 4×32-token steps.
    f.batch_size = 4, f.max_steps = 6, f.max_bytes = 60'000, f.eval_tokens = 1024, f.threads = 1;
  } else if (preset == "cpu") {
    // The default sweep (2 models × 4 methods × 5 lrs × 3 seeds = 120 runs) must take ≤ ~25 min on 2 cores. One run
    // (60 steps of 4 blocks of 128 tokens = 31k tokens, a fifth of the 154k-token training split of 400 kB of
    // fortunes; final evaluation on 4096 tokens of each text) measured 4.4 s of CPU in the sweep's process (the
    // pretrained model, texts and pretrained evaluations are cached across runs), 8.2 s wall on this machine at
    // load ≈ 10: 120 runs ≈ 9 min idle, ≈ 16 min loaded. One thread: on a shared 2-core machine two torch threads
    // made a step 30× slower (2.1 s instead of 68 ms: the OpenMP workers spin while descheduled).
    f.batch_size = 4, f.max_steps = 60, f.max_bytes = 400'000, f.eval_tokens = 4096, f.threads = 1;
  } else {
    // One H100: the paper's batch (32 blocks of the model's 1024-token context), one epoch of the whole fortunes.
    f.batch_size = 32, f.max_steps = 0, f.max_bytes = 0, f.eval_tokens = 1 << 18, f.threads = 8, f.device = "cuda";
  }
  o.finetune = f;
  o.finetune_set = true;
}

void MismatchOptions::validate() const {
  auto fail = [](const std::string& m) { throw std::invalid_argument(m); };
  if (!is_one_of(preset, {"tiny", "cpu", "gpu"})) fail("--preset must be tiny, cpu or gpu, got '" + preset + "'");
  if (methods.empty()) fail("--methods must name at least one of full, lora");
  for (const std::string& m : methods)
    if (!is_one_of(m, {"full", "lora"})) fail("--methods: '" + m + "' is not full or lora");
  if (optimizers.empty()) fail("--optimizers must name at least one optimizer");
  for (const std::string& o : optimizers)
    if (!torch_optimizer_id(o))
      fail("--optimizers: '" + o + "' is not muon, adam, adamuon or normuon");
  for (const auto& [opt, grid] : lrs) {
    if (grid.empty()) fail("--lrs-" + opt + " is empty");
    for (double lr : grid)
      if (!(lr > 0) || !std::isfinite(lr)) fail("--lrs-" + opt + ": learning rates must be positive");
  }
  if (seeds.empty()) fail("--seeds must name at least one seed");
  for (int r : ranks)
    if (r < 1 || r > 4096) fail("--ranks: a LoRA rank must be in [1, 4096], got " + std::to_string(r));
  if (!ranks.empty() && std::find(methods.begin(), methods.end(), "lora") == methods.end())
    fail("--ranks needs the lora method");
  if (!is_one_of(rank_lrs, {"best", "neighbors", "grid"})) fail("--rank-lrs must be best, neighbors or grid");
  if (trajectory_points < 1) fail("--trajectory-points must be at least 1");
  if (max_runs < 0) fail("--max-runs must be >= 0");
  if (shard_count < 0 || (shard_count > 0 && (shard_index < 1 || shard_index > shard_count)))
    fail("--shard must be I/N with 1 <= I <= N");
  if (shard_count > 0 && (!ranks.empty() || trajectories))
    fail("--shard runs the main sweep only: run --ranks and --trajectories after --merge, on the merged directory");
  finetune.validate();
}

// ---- the pretrained models ---------------------------------------------------------------------------------------

namespace {

struct Pretrained {
  std::string dir;
  int n_embd = 0;
  nlohmann::json info;  // steps, final validation bpb: recorded in sweep.json
  std::string warning;  // reused, but not made with the preset's pretraining length
};

// A finished run in `dir` (model.pt) is reused; a started one (config.json + checkpoint.pt) is resumed; otherwise the
// preset's pretraining runs there. The run's optimizer must be the one asked for.
Pretrained ensure_pretrained(const MismatchOptions& o, const std::string& optimizer, const std::string& given,
                             const MismatchRunners& runners) {
  ModelConfig mc;
  TrainConfig tc;
  apply_preset(o.preset, mc, tc);
  tc.optimizer = torch_rule_id(optimizer);
  const std::string dir =
      given.empty() ? fmt::format("runs/pretrain-{}-{}-d{}-s{}", o.preset, optimizer, mc.depth, tc.seed) : given;
  const fs::path d(dir);
  if (!fs::exists(d / "model.pt") && o.shard_count > 0)
    throw std::invalid_argument(fmt::format(
        "--shard: the {}-pretrained model '{}' does not exist yet; make it once before starting the shards, e.g. "
        "`muonlab pretrain --preset {} --optimizer {}{}`",
        optimizer, dir, o.preset, optimizer, given.empty() ? "" : " --run-dir " + dir));
  if (!fs::exists(d / "model.pt")) {
    PretrainRequest req;
    req.model = mc, req.train = tc, req.run_dir = dir, req.progress = o.progress;
    if (!o.pretrain_data.empty()) req.train.data = o.pretrain_data;
    req.train.threads = o.finetune.threads, req.train.device = o.finetune.device;
    if (fs::exists(d / "config.json") && fs::exists(d / "checkpoint.pt")) {
      req.resume = true;
    } else if (fs::exists(d / "config.json")) {
      req.force = true;  // a run that never reached its first checkpoint: start it again
    }
    if (o.progress)
      fmt::print(stderr, "mismatch: {} the {}-pretrained model in {}\n", req.resume ? "resuming" : "pretraining",
                 optimizer, dir);
    runners.pretrain(req);
    if (!fs::exists(d / "model.pt"))
      throw std::runtime_error("pretraining into '" + dir + "' finished without a model.pt");
  }
  const nlohmann::json cfg = read_json_file(d / "config.json");
  const std::string got = cfg.at("train").value("optimizer", std::string("?"));
  if (got != optimizer)
    throw std::invalid_argument(fmt::format("'{}' was pretrained with {}, but is given as the {}-pretrained model",
                                            dir, got, optimizer));
  const nlohmann::json& m = cfg.at("model");
  Pretrained p{dir, m.contains("n_embd") ? m.at("n_embd").get<int>() : 64 * m.at("depth").get<int>(), {}, {}};
  const int steps = cfg.at("train").value("steps", 0);
  p.info = {{"dir", dir}, {"optimizer", optimizer}, {"depth", m.value("depth", 0)}, {"steps", steps}};
  if (fs::exists(d / "summary.json")) {
    const nlohmann::json sj = read_json_file(d / "summary.json");
    p.info["final_val_bpb"] = sj.value("final_val_bpb", nlohmann::json());
    p.info["unigram_val_bpb"] = sj.value("unigram_val_bpb", nlohmann::json());
  }
  if (steps != tc.steps)
    p.warning = fmt::format("the {}-pretrained model in '{}' was pretrained for {} steps, the {} preset's recipe is {}: "
                            "reused as it is (--{}-run names another)",
                            optimizer, dir, steps, o.preset, tc.steps, optimizer);
  return p;
}

// What makes two sweeps' results comparable: the fine-tuning size and recipe, the data, the pretrained runs.
// Grids, seeds, optimizers and ranks are the sweep's extent, free to grow.
nlohmann::json comparability(const MismatchOptions& o, const Pretrained& mu, const Pretrained& ad) {
  const FinetuneConfig& f = o.finetune;
  return {{"preset", o.preset},
          {"muon_run", fs::weakly_canonical(mu.dir).string()},
          {"adam_run", fs::weakly_canonical(ad.dir).string()},
          {"lr_frac", f.lr_frac},
          {"batch_size", f.batch_size},
          {"seq_len", f.seq_len},
          {"epochs", f.epochs},
          {"max_steps", f.max_steps},
          {"max_bytes", f.max_bytes},
          {"max_bytes_keeps", "whole documents"},  // since fine-tuning data can come from run/finetune_tokens.pt
          {"val_fraction", f.val_fraction},
          {"split_seed", f.split_seed},
          {"eval_tokens", f.eval_tokens},
          {"grad_clip", f.grad_clip},
          {"data", f.data},
          {"lora", {{"alpha", f.lora.alpha},
                    {"dropout", f.lora.dropout},
                    {"rslora", f.lora.rslora},
                    {"init", f.lora.init},
                    {"targets", f.lora.targets},
                    {"a_adamw", f.lora.a_adamw}}},
          {"lora_rank", f.lora.rank}};
}

std::vector<double> grid_of(const MismatchOptions& o, const std::string& optimizer) {
  const auto it = o.lrs.find(optimizer);
  std::vector<double> g = it != o.lrs.end() ? it->second : default_lr_grid(o.preset, optimizer);
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

// The main sweep's keys in their order: seeds outermost, then the pretrained model, method, optimizer, lr.
std::vector<SweepKey> main_plan(const MismatchOptions& o) {
  std::vector<SweepKey> plan;
  const int main_rank = o.finetune.lora.rank;
  for (std::uint64_t seed : o.seeds)
    for (const std::string P : {"muon", "adam"})
      for (const std::string& M : o.methods)
        for (const std::string& O : o.optimizers)
          for (double lr : grid_of(o, O)) plan.push_back({P, M, O, lr, seed, M == "lora" ? main_rank : 0});
  return plan;
}

std::string describe(const SweepKey& k) {
  return fmt::format("pretrain={} {}{} lr={} seed={}", k.pretrain, k.method_label(),
                     k.method == "lora" ? fmt::format(" r={}", k.rank) : "", format_lr(k.lr), k.seed);
}

}  // namespace

std::string mismatch_progress_text(int done, int planned) {
  return fmt::format("{} of {} planned runs done{}.", done, planned, done >= planned ? " (complete)" : "");
}

nlohmann::json to_json(const MismatchSummary& s) {
  nlohmann::json j = to_json(s.analysis);
  j["out_dir"] = s.out_dir;
  j["muon_run"] = s.muon_run;
  j["adam_run"] = s.adam_run;
  j["planned"] = s.planned;
  j["done"] = s.done;
  j["new_runs"] = s.new_runs;
  j["complete"] = s.complete;
  j["elapsed_s"] = s.elapsed_s;
  j["mean_run_s"] = s.mean_run_s;
  j["warnings"] = s.warnings;
  return j;
}

// ---- the sweep --------------------------------------------------------------------------------------------------

MismatchSummary run_mismatch(const MismatchOptions& options, const MismatchRunners& given_runners) {
  const auto t0 = Clock::now();
  MismatchOptions o = options;
  if (!o.finetune_set) {
    MismatchOptions p;
    apply_mismatch_preset(o.preset, p);
    o.finetune = p.finetune;
  }
  o.validate();
  MismatchRunners runners = given_runners;
  if (!runners.finetune) runners.finetune = [](const FinetuneRequest& r) { return finetune(r); };
  if (!runners.pretrain) runners.pretrain = [](const PretrainRequest& r) { return pretrain(r); };

  MismatchSummary sum;
  sum.out_dir = o.out_dir.empty() ? "runs/mismatch-" + o.preset : o.out_dir;
  if (o.shard_count > 0) sum.out_dir = shard_dir(sum.out_dir, o.shard_index, o.shard_count);
  const fs::path out(sum.out_dir);
  const std::string results_path = (out / "results.jsonl").string();

  // Refuse a damaged results file before spending time on pretraining.
  ResultsFile rf = read_results(results_path);

  const Pretrained mu = ensure_pretrained(o, "muon", o.muon_run, runners);
  const Pretrained ad = ensure_pretrained(o, "adam", o.adam_run, runners);
  sum.muon_run = mu.dir, sum.adam_run = ad.dir;

  // Settings: refuse to mix two experiments in one directory.
  const nlohmann::json comp = comparability(o, mu, ad);
  const fs::path sweep_json = out / "sweep.json";
  if (fs::exists(sweep_json)) {
    const nlohmann::json old = read_json_file(sweep_json);
    if (old.value("comparable", nlohmann::json()) != comp) {
      std::string diff;
      for (const auto& [k, v] : comp.items())
        if (!old.value("comparable", nlohmann::json::object()).contains(k) || old.at("comparable").at(k) != v)
          diff += fmt::format(" {}: {} → {};", k,
                              old.value("comparable", nlohmann::json::object()).value(k, nlohmann::json()).dump(),
                              v.dump());
      throw std::invalid_argument(fmt::format(
          "'{}' holds a sweep made with other settings ({} ) — its results would not be comparable; use another "
          "--out or delete that directory",
          sum.out_dir, diff));
    }
  }
  for (const Pretrained* p : {&mu, &ad})
    if (!p->warning.empty()) rf.warnings.push_back(p->warning);
  for (const std::string& w : rf.warnings) {
    sum.warnings.push_back(w);
    if (o.progress) fmt::print(stderr, "mismatch: warning: {}\n", w);
  }
  if (rf.torn_tail) rewrite_results(results_path, rf.records);

  nlohmann::json settings = {{"preset", o.preset},
                             {"comparable", comp},
                             {"pretrained", {{"muon", mu.info}, {"adam", ad.info}}},
                             {"methods", o.methods},
                             {"optimizers", o.optimizers},
                             {"seeds", o.seeds},
                             {"ranks", o.ranks},
                             {"rank_lrs", o.rank_lrs},
                             {"threads", o.finetune.threads},
                             {"device", o.finetune.device}};
  for (const std::string& opt : o.optimizers) settings["lrs"][opt] = grid_of(o, opt);
  if (o.shard_count > 0) settings["shard"] = fmt::format("{}/{}", o.shard_index, o.shard_count);
  fs::create_directories(out);
  write_text_atomic(sweep_json.string(), settings.dump(2) + "\n");

  std::vector<SweepRecord> records = std::move(rf.records);
  std::set<std::string> have;
  for (const SweepRecord& r : records) have.insert(r.key.id());
  const int main_rank = o.finetune.lora.rank;

  // The main sweep's keys, seeds outermost (a shard: its part of them).
  std::vector<SweepKey> plan = main_plan(o);
  if (o.shard_count > 0) {
    std::vector<SweepKey> part;
    for (std::size_t i = 0; i < plan.size(); ++i)
      if (int(i % std::size_t(o.shard_count)) == o.shard_index - 1) part.push_back(plan[i]);
    plan = std::move(part);
  }
  // The rank study and the trajectories are planned once the main sweep is done (they need its best lrs); until
  // then they are counted by estimate (rank study: 1, 3 or the grid's lrs per rank; trajectories: one per curve).
  std::set<int> extra_ranks(o.ranks.begin(), o.ranks.end());
  extra_ranks.erase(main_rank);
  const bool has_lora = std::find(o.methods.begin(), o.methods.end(), "lora") != o.methods.end();
  int rank_estimate = 0;
  if (has_lora)
    for (const std::string& O : o.optimizers)
      rank_estimate += int(extra_ranks.size() * 2 * o.seeds.size()) *
                       (o.rank_lrs == "best" ? 1 : o.rank_lrs == "grid" ? int(grid_of(o, O).size()) : 3);
  const int traj_estimate = o.trajectories ? int(2 * o.methods.size() * o.optimizers.size()) : 0;

  std::vector<double> run_seconds;
  auto analysis = [&] { return analyze_mismatch(records, main_rank); };
  auto count_done = [&](const std::vector<SweepKey>& keys) {
    int n = 0;
    for (const SweepKey& k : keys) n += have.count(k.id()) ? 1 : 0;
    return n;
  };
  auto progress_text = [](int done, int planned) { return mismatch_progress_text(done, planned); };
  bool stopped = false;

  // Runs every key of `keys` not yet in the file; returns false when --max-runs stopped it.
  auto run_keys = [&](const std::vector<SweepKey>& keys, int done_before, int planned) {
    int k = done_before + count_done(keys);
    for (const SweepKey& key : keys) {
      if (have.count(key.id())) continue;
      if (o.max_runs > 0 && sum.new_runs >= o.max_runs) return false;
      const Pretrained& pre = key.pretrain == "muon" ? mu : ad;
      FinetuneRequest req;
      req.from = pre.dir;
      req.config = o.finetune;
      req.config.method = key.method, req.config.optimizer = torch_rule_id(key.optimizer), req.config.lr = key.lr;
      req.config.seed = key.seed;
      if (key.method == "lora") req.config.lora.rank = key.rank;
      req.config.eval_every = 0;
      req.progress = false;
      const auto t_run = Clock::now();
      SweepRecord rec{key, pre.n_embd, runners.finetune(req)};
      if (rec.summary.diverged || !std::isfinite(rec.summary.ppl_ratio))
        rec.summary.ppl_ratio = std::numeric_limits<double>::infinity();
      append_result(results_path, rec);  // the run is safe from here on
      run_seconds.push_back(seconds_since(t_run));
      have.insert(key.id());
      records.push_back(rec);
      ++sum.new_runs, ++k;
      write_mismatch_outputs(sum.out_dir, analysis(), settings, progress_text(k, planned));
      if (o.progress) {
        double mean = 0;
        for (double s : run_seconds) mean += s;
        mean /= double(run_seconds.size());
        const int left = planned - k;
        fmt::print(stderr, "[{}/{}] {} → ppl ratio {}{} (eta {})\n", k, planned, describe(key),
                   std::isfinite(rec.summary.ppl_ratio) ? fmt::format("{:.4f}", rec.summary.ppl_ratio) : "inf",
                   rec.summary.diverged ? " (diverged)" : "", format_duration(mean * left));
      }
    }
    return true;
  };

  int planned = int(plan.size()) + rank_estimate + traj_estimate;
  write_mismatch_outputs(sum.out_dir, analysis(), settings, progress_text(count_done(plan), planned));
  stopped = !run_keys(plan, 0, planned);

  // The rank study: each LoRA method at each rank, at the main sweep's best lr (and its neighbours, or the whole
  // grid). With LoRA's α/r scaling the update ΔW = (α/r)·B A grows like lr/r, so the best lr moves with the rank
  // (about ∝ r): the main sweep's best alone favours rank 8's neighbours, hence the default `neighbors`.
  std::vector<SweepKey> rank_plan;
  if (!stopped && has_lora && !extra_ranks.empty()) {
    const MismatchAnalysis a = analysis();
    for (std::uint64_t seed : o.seeds)
      for (const std::string P : {"muon", "adam"})
        for (const std::string& O : o.optimizers) {
          const double best = best_lr_of(a, {P, "lora", O, main_rank});
          if (!std::isfinite(best)) continue;
          std::vector<double> lrs = {best};
          if (o.rank_lrs == "grid") lrs = grid_of(o, O);
          if (o.rank_lrs == "neighbors") {
            const std::vector<double> g = grid_of(o, O);
            const auto it = std::find(g.begin(), g.end(), best);
            if (it != g.end() && it != g.begin()) lrs.push_back(*(it - 1));
            if (it != g.end() && it + 1 != g.end()) lrs.push_back(*(it + 1));
          }
          for (int r : extra_ranks)
            for (double lr : lrs) rank_plan.push_back({P, "lora", O, lr, seed, r});
        }
    planned = int(plan.size() + rank_plan.size()) + traj_estimate;
    stopped = !run_keys(rank_plan, int(plan.size()), planned);
  }

  // Trajectories (Figure 3): each curve's best run again with evaluations along the way.
  int traj_done = 0, traj_planned = 0;
  if (!stopped && o.trajectories) {
    const MismatchAnalysis a = analysis();
    for (const BestLr& b : a.best) {
      if (!std::isfinite(b.lr)) continue;
      ++traj_planned;
      const fs::path dir = out / "trajectories" / fmt::format("{}-{}-{}", b.cell.pretrain, b.cell.method,
                                                              b.cell.optimizer);
      if (fs::exists(dir / "summary.json")) {
        const nlohmann::json js = read_json_file(dir / "summary.json");
        if (js.value("lr", -1.0) == b.lr) {
          ++traj_done;
          continue;
        }
      }
      if (o.max_runs > 0 && sum.new_runs >= o.max_runs) {
        stopped = true;
        break;
      }
      // Evaluation spacing from the steps the main runs took (the size decides them, not the lr).
      std::int64_t steps = 0;
      for (const SweepRecord& r : records)
        if (Cell{r.key.pretrain, r.key.method, r.key.optimizer, r.key.rank} == b.cell) steps = r.summary.steps;
      const Pretrained& pre = b.cell.pretrain == "muon" ? mu : ad;
      FinetuneRequest req;
      req.from = pre.dir;
      req.config = o.finetune;
      req.config.method = b.cell.method, req.config.optimizer = torch_rule_id(b.cell.optimizer), req.config.lr = b.lr;
      req.config.seed = o.seeds.front();
      if (b.cell.method == "lora") req.config.lora.rank = b.cell.rank;
      req.config.eval_every = int(std::max<std::int64_t>(1, steps / o.trajectory_points));
      req.run_dir = dir.string();
      req.force = true;
      req.progress = false;
      const auto t_run = Clock::now();
      const FinetuneSummary s = runners.finetune(req);
      run_seconds.push_back(seconds_since(t_run));
      ++sum.new_runs, ++traj_done;
      if (o.progress)
        fmt::print(stderr, "[trajectory {}/{}] {} lr={} → ppl ratio {:.4f}\n", traj_done, int(a.best.size()),
                   b.cell.label(), format_lr(b.lr), s.ppl_ratio);
    }
  }

  sum.planned = int(plan.size() + rank_plan.size()) + (o.trajectories ? traj_planned : 0);
  if (stopped) sum.planned = std::max(sum.planned, planned);
  sum.done = count_done(plan) + count_done(rank_plan) + traj_done;
  sum.complete = !stopped && sum.done >= sum.planned;
  sum.analysis = analysis();
  write_mismatch_outputs(sum.out_dir, sum.analysis, settings, progress_text(sum.done, sum.planned));
  sum.elapsed_s = seconds_since(t0);
  if (!run_seconds.empty()) {
    for (double s : run_seconds) sum.mean_run_s += s;
    sum.mean_run_s /= double(run_seconds.size());
  }
  return sum;
}

}  // namespace muonlab::experiments
