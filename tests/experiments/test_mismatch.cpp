// The optimizer-mismatch sweep (experiments/mismatch*.hpp, cli/cmd_torch_mismatch.cpp): the tables and checks on
// hand-made summaries whose answers are worked out below, the results file's damage policy, resuming (with stand-in
// runners, so no training), and the tiny preset end to end through the command line.
#include "experiments/mismatch.hpp"
#include "experiments/mismatch_report.hpp"
#include "experiments/mismatch_results.hpp"
#include "experiments/mismatch_tables.hpp"
#include "nanochat/optimizer_names.hpp"
#include "tests/nanochat/synthetic_text.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace muonlab::nanochat;
using namespace muonlab::experiments;
using namespace muonlab::testing;
namespace fs = std::filesystem;

namespace {

// Every number below is a sum or product of a few short decimals: 1e-12 is far above their double rounding
// (≈ 1e-16 relative) and far below any difference the tests distinguish (≥ 1e-3).
constexpr double kTol = 1e-12;

constexpr int kWidth = 4;  // n_embd of the hand-made records: Q is 4×4 (√(mn) = 4), MLP_up 16×4 (√(mn) = 8)

// An update of kind Q (4×4) with Frobenius norm 1 and the given entry flatness and stable rank:
// flatness = ‖ΔW‖max·4/1, stable rank = 1/‖ΔW‖2².
MatrixUpdate update_with(double flatness, double stable_rank, const std::string& kind = "Q") {
  MatrixUpdate u;
  u.name = "h.0." + kind, u.kind = kind;
  const auto [m, n] = hidden_matrix_shape(kind, kWidth);
  u.norm_frobenius = 1;
  u.norm_max = flatness / std::sqrt(double(m) * n);
  u.norm_spectral = 1 / std::sqrt(stable_rank);
  u.stable_rank = stable_rank;
  return u;
}

SweepRecord record(const std::string& pre, const std::string& method, const std::string& opt, double lr,
                   std::uint64_t seed, double ratio, int rank = -1) {
  SweepRecord r;
  r.key = {pre, method, opt, lr, seed, rank >= 0 ? rank : (method == "lora" ? 8 : 0)};
  r.n_embd = kWidth;
  FinetuneSummary& s = r.summary;
  s.pretrain_optimizer = pre, s.method = method, s.optimizer = opt, s.lr = lr, s.seed = seed;
  s.pretrained_ppl = 10, s.final_ppl = 10 * ratio, s.ppl_ratio = ratio;
  s.diverged = !std::isfinite(ratio);
  s.forgetting_bpb = 0.01;
  // Table 17 inputs: Adam moves the weights by 2 (cosine 0.01), Muon by 3 (0.03), the others by 2.5 (0.02).
  s.l2_distance = opt == "adam" ? 2.0 : opt == "muon" ? 3.0 : 2.5;
  s.cosine_distance = opt == "adam" ? 0.01 : opt == "muon" ? 0.03 : 0.02;
  // Geometry: Adam flat (1.2) and of stable rank 2, Muon less flat (2.0) and of stable rank 3.5 — except Adam under
  // LoRA on the Adam-pretrained model, given stable rank 4 so that group's check is violated. A zero update (a
  // matrix LoRA does not target) must be skipped.
  const bool adam_like = opt == "adam" || opt == "adamuon";
  const double sr = adam_like ? (pre == "adam" && method == "lora" && opt == "adam" ? 4.0 : 2.0) : 3.5;
  s.updates = {update_with(adam_like ? 1.2 : 2.0, sr), update_with(adam_like ? 1.2 : 2.0, sr, "MLP_up")};
  MatrixUpdate zero;
  zero.kind = "K";
  s.updates.push_back(zero);
  return r;
}

// A curve: ratio(lr) = min + 0.05·log10(lr/best)², seeds 1, 2, 3 offset by −0.01, 0, +0.01 on the Muon-pretrained
// model and by +0.01, 0, −0.01 on the Adam-pretrained one (mean = the curve, sample std = 0.01 at every lr). Paired
// by seed, two curves of one model differ by a constant (paired se 0); curves of the two models by Δ + (−0.02, 0,
// +0.02) (paired se 0.02/√3 ≈ 0.0115, above the unpaired 0.01·√(2/3) ≈ 0.0082).
void curve(std::vector<SweepRecord>& out, const std::string& pre, const std::string& method, const std::string& opt,
           const std::vector<double>& grid, double best, double min) {
  for (double lr : grid) {
    const double l = std::log10(lr / best);
    const double sign = pre == "adam" ? -1 : 1;
    for (std::uint64_t seed : {1, 2, 3})
      out.push_back(record(pre, method, opt, lr, seed, min + 0.05 * l * l + sign * 0.01 * (double(seed) - 2)));
  }
}

const std::vector<double> kMuonGrid = {0.3, 1, 3, 10, 30}, kAdamGrid = {0.03, 0.1, 0.3, 1, 3};

// The hand-made sweep. Best ratios (at the lr in brackets):
//                 full-muon     full-adam     lora-muon     lora-adam
//   muon-pre      0.70 (3)      0.75 (0.3)    0.72 (3)      0.74 (0.3)
//   adam-pre      0.78 (1)      0.71 (0.3)    0.73 (3)      0.72 (0.1)
// plus AdaMuon and NorMuon (full, one lr) and a rank study (LoRA ranks 2 and 4).
std::vector<SweepRecord> hand_made_sweep() {
  std::vector<SweepRecord> v;
  curve(v, "muon", "full", "muon", kMuonGrid, 3, 0.70);
  curve(v, "muon", "full", "adam", kAdamGrid, 0.3, 0.75);
  curve(v, "muon", "lora", "muon", kMuonGrid, 3, 0.72);
  curve(v, "muon", "lora", "adam", kAdamGrid, 0.3, 0.74);
  curve(v, "adam", "full", "muon", kMuonGrid, 1, 0.78);
  curve(v, "adam", "full", "adam", kAdamGrid, 0.3, 0.71);
  curve(v, "adam", "lora", "muon", kMuonGrid, 3, 0.73);
  curve(v, "adam", "lora", "adam", kAdamGrid, 0.1, 0.72);
  // One diverged seed at Muon's largest lr on the Adam-pretrained model: that lr's mean is +∞.
  for (SweepRecord& r : v)
    if (r.key.pretrain == "adam" && r.key.method == "full" && r.key.optimizer == "muon" && r.key.lr == 30 &&
        r.key.seed == 2)
      r.summary.ppl_ratio = std::numeric_limits<double>::infinity(), r.summary.diverged = true;
  // AdaMuon (toy bias: max-norm, Adam's): gap 0.06 on muon-pre (0.76 − 0.70), 0.01 on adam-pre (0.72 − 0.71): holds.
  // NorMuon (toy bias: spectral, Muon's): gap 0.01 on muon-pre (0.71 − 0.70), 0.005 on adam-pre (0.715 − 0.71):
  // its own family's model shows the larger gap: violated.
  for (std::uint64_t seed : {1, 2, 3}) {
    const double d = 0.01 * (double(seed) - 2);
    v.push_back(record("muon", "full", "adamuon", 1, seed, 0.76 + d));
    v.push_back(record("adam", "full", "adamuon", 1, seed, 0.72 + d));
    v.push_back(record("muon", "full", "normuon", 1, seed, 0.71 + d));
    v.push_back(record("adam", "full", "normuon", 1, seed, 0.715 + d));
  }
  // Rank study on the Muon-pretrained model: LoRA-Muon at ranks 2 (two lrs, the better 0.725) and 4 (0.721).
  for (std::uint64_t seed : {1, 2, 3}) {
    v.push_back(record("muon", "lora", "muon", 3, seed, 0.725, 2));
    v.push_back(record("muon", "lora", "muon", 10, seed, 0.74, 2));
    v.push_back(record("muon", "lora", "muon", 3, seed, 0.721, 4));
  }
  return v;
}

const Check& check(const MismatchAnalysis& a, const std::string& id) {
  for (const Check& c : a.checks)
    if (c.id == id) return c;
  FAIL("no check " << id);
  throw;
}

template <class Row>
const Row& row(const std::vector<Row>& rows, const Cell& c) {
  for (const Row& r : rows)
    if (r.cell == c) return r;
  FAIL("no row for " << c.label());
  throw;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("seed statistics: mean, sample std, divergence, standard error of a difference", "[experiments][mismatch]") {
  const SeedStats s = seed_stats({0.9, 0.8, 1.0});
  CHECK(s.n == 3);
  CHECK(s.mean == Approx(0.9).margin(kTol));
  CHECK(s.std == Approx(0.1).margin(kTol));  // √((0 + 0.01 + 0.01)/2)
  CHECK(s.min == Approx(0.8).margin(kTol));
  CHECK(s.max == Approx(1.0).margin(kTol));
  const SeedStats one = seed_stats({0.7});
  CHECK(one.std == 0.0);
  const SeedStats inf = seed_stats({0.9, std::numeric_limits<double>::infinity()});
  CHECK(std::isinf(inf.mean));
  CHECK(std::isnan(inf.std));
  CHECK(inf.diverged == 1);
  CHECK(inf.min == Approx(0.9).margin(kTol));
  CHECK(seed_stats({}).n == 0);
  // se = √(0.1²/3 + 0.1²/3) = 0.1·√(2/3)
  CHECK(difference_se(s, s) == Approx(0.1 * std::sqrt(2.0 / 3)).margin(kTol));
  CHECK(std::isnan(difference_se(s, one)));  // one seed: no spread to compare with
  // Paired by seed: d = (0.1, 0.2, 0.0), sd 0.1, se 0.1/√3; seeds without a partner are ignored.
  const std::map<std::uint64_t, double> pa = {{1, 0.5}, {2, 0.7}, {3, 0.6}, {9, 0.1}},
                                        pb = {{1, 0.4}, {2, 0.5}, {3, 0.6}};
  CHECK(paired_se(pa, pb) == Approx(0.1 / std::sqrt(3.0)).margin(kTol));
  CHECK(std::isnan(paired_se({{1, 0.5}}, {{1, 0.4}})));  // one common seed
  CHECK(std::isnan(paired_se({{1, 0.5}, {2, std::numeric_limits<double>::infinity()}}, pb)));
}

TEST_CASE("update geometry: entry flatness and the hidden-matrix shapes", "[experiments][mismatch]") {
  CHECK(hidden_matrix_shape("Q", 128) == std::make_pair(128, 128));
  CHECK(hidden_matrix_shape("MLP_up", 128) == std::make_pair(512, 128));
  CHECK(hidden_matrix_shape("MLP_down", 128) == std::make_pair(128, 512));
  CHECK_THROWS_AS(hidden_matrix_shape("embedding", 128), std::invalid_argument);
  // A sign matrix (every entry ±c) has flatness exactly 1: ‖ΔW‖max·√(mn)/‖ΔW‖F = c·√(mn)/(c·√(mn)).
  MatrixUpdate sign;
  sign.norm_max = 0.5, sign.norm_frobenius = 0.5 * std::sqrt(6.0 * 3.0);
  CHECK(entry_flatness(sign, 6, 3) == Approx(1.0).margin(kTol));
  // A single non-zero entry is the least flat: √(mn).
  MatrixUpdate spike;
  spike.norm_max = 2, spike.norm_frobenius = 2;
  CHECK(entry_flatness(spike, 6, 3) == Approx(std::sqrt(18.0)).margin(kTol));
  CHECK(std::isnan(entry_flatness(MatrixUpdate{}, 6, 3)));  // ΔW = 0
}

TEST_CASE("Table 1, Table 8, Figure 4, Table 17 and the checks on a hand-made sweep", "[experiments][mismatch]") {
  const MismatchAnalysis a = analyze_mismatch(hand_made_sweep(), 8);

  SECTION("best lrs (Table 8) and the sweep curves (Figure 4)") {
    CHECK(row(a.best, {"muon", "full", "muon", 0}).lr == 3);
    CHECK(row(a.best, {"adam", "full", "muon", 0}).lr == 1);
    CHECK(row(a.best, {"adam", "lora", "adam", 8}).lr == Approx(0.1));
    const BestLr& b = row(a.best, {"muon", "full", "adam", 0});
    CHECK(b.lr == Approx(0.3));
    CHECK(b.ratio.mean == Approx(0.75).margin(kTol));
    CHECK(b.ratio.std == Approx(0.01).margin(kTol));
    CHECK(b.grid_points == 5);
    CHECK_FALSE(b.at_edge);
    CHECK(row(a.best, {"muon", "full", "adamuon", 0}).at_edge);  // a one-point grid brackets nothing
    // 8 curves × 5 lrs + 4 one-lr curves; the rank-study records are not sweep points.
    CHECK(a.sweep.size() == 8 * 5 + 4);
    for (const SweepPoint& p : a.sweep) {
      if (p.cell == Cell{"adam", "full", "muon", 0} && p.lr == 30) {
        CHECK(std::isinf(p.ratio.mean));  // the diverged seed
        CHECK(p.ratio.diverged == 1);
      } else if (p.cell == Cell{"muon", "full", "muon", 0} && p.lr == 30) {
        CHECK(p.ratio.mean == Approx(0.70 + 0.05).margin(kTol));  // one decade from the best: +0.05
        CHECK(p.ratio.std == Approx(0.01).margin(kTol));
      }
    }
  }

  SECTION("Table 1: gaps to the matched optimizer and the paper's values") {
    const Table1Row& t = row(a.table1, {"adam", "full", "muon", 0});
    CHECK(t.matched == "adam");
    CHECK(t.gap == Approx(0.78 - 0.71).margin(kTol));
    CHECK(t.gap_se == Approx(0.0).margin(kTol));  // paired by seed, the shared data-order offsets cancel
    CHECK(t.paper_ratio == Approx(0.719));
    CHECK(t.paper_gap == Approx(0.719 - 0.710).margin(kTol));
    CHECK(row(a.table1, {"muon", "full", "muon", 0}).gap == 0.0);
    CHECK(row(a.table1, {"muon", "lora", "adam", 8}).gap == Approx(0.02).margin(kTol));
    CHECK(std::isnan(row(a.table1, {"muon", "full", "adamuon", 0}).paper_ratio));  // not in the paper
    // The paper's order: the Muon-pretrained model first, full before LoRA, Muon before Adam.
    CHECK(a.table1.front().cell == Cell{"muon", "full", "muon", 0});
    CHECK(a.table1[1].cell == Cell{"muon", "full", "adam", 0});
  }

  SECTION("shape checks (a), (b), (c) of REFERENCE §5") {
    const Check& a_mu = check(a, "a/full/pretrain=muon");
    CHECK(a_mu.verdict == "holds");
    CHECK(a_mu.significance == "yes");  // 0.05 > 2·0 (paired)
    CHECK(a_mu.numbers.at("difference").get<double>() == Approx(0.05).margin(kTol));
    CHECK(check(a, "a/full/pretrain=adam").verdict == "holds");
    const Check& b_mu = check(a, "b/pretrain=muon");  // |0.02| < |0.05|
    CHECK(b_mu.verdict == "holds");
    CHECK(b_mu.numbers.at("gap_lora").get<double>() == Approx(0.02).margin(kTol));
    CHECK(check(a, "b/pretrain=adam").verdict == "holds");  // |0.01| < |0.07|
    CHECK(check(a, "c-left/full-muon").verdict == "holds");      // 1 < 3
    CHECK(check(a, "c-left/full-adam").verdict == "violated");   // 0.3 = 0.3: no shift
    CHECK(check(a, "c-left/lora-muon").verdict == "violated");   // 3 = 3
    CHECK(check(a, "c-left/lora-adam").verdict == "violated");   // 0.3 > 0.1: shifted right
    CHECK(check(a, "c-up/full-muon").verdict == "holds");        // 0.78 > 0.70
    CHECK(check(a, "c-up/full-adam").verdict == "holds");        // 0.75 > 0.71
    const Check& up = check(a, "c-up/lora-muon");                // 0.73 > 0.72, but 0.01 < 2·0.0115 (paired)
    CHECK(up.verdict == "holds");
    CHECK(up.significance == "no");
    CHECK(up.numbers.at("se").get<double>() == Approx(0.02 / std::sqrt(3.0)).margin(kTol));
  }

  SECTION("distances (Table 17) and the update geometry") {
    const DistanceRow& d = row(a.distance, {"muon", "full", "muon", 0});
    CHECK(d.l2.mean == Approx(3.0).margin(kTol));
    CHECK(d.l2_rel_adam == Approx(1.5).margin(kTol));
    CHECK(d.cosine_rel_adam == Approx(3.0).margin(kTol));
    CHECK(row(a.distance, {"adam", "lora", "adam", 8}).l2_rel_adam == Approx(1.0).margin(kTol));
    const GeometryRow& g = row(a.geometry, {"adam", "full", "adam", 0});
    CHECK(g.runs == 3);
    CHECK(g.matrices == 2);  // the zero update is skipped
    CHECK(g.flatness.mean == Approx(1.2).margin(1e-9));
    CHECK(g.stable_rank.mean == Approx(2.0).margin(1e-9));
    CHECK(g.toy_bias == "max-norm");
    CHECK(row(a.geometry, {"muon", "lora", "muon", 8}).toy_bias == "spectral");
    CHECK(check(a, "geometry/full/pretrain=muon").verdict == "holds");
    CHECK(check(a, "geometry/lora/pretrain=muon").verdict == "holds");
    const Check& v = check(a, "geometry/lora/pretrain=adam");  // Adam's stable rank 4 > Muon's 3.5
    CHECK(v.verdict == "violated");
    CHECK(v.numbers.at("flatter_holds") == true);
    CHECK(v.numbers.at("stable_rank_holds") == false);
  }

  SECTION("rank study and the toy-bias prediction (beyond the paper)") {
    const RankRow& r2 = row(a.ranks, {"muon", "lora", "muon", 2});
    CHECK(r2.lr == 3);
    CHECK(r2.lrs_tried == 2);
    CHECK(r2.ratio.mean == Approx(0.725).margin(kTol));
    CHECK(row(a.ranks, {"muon", "lora", "muon", 8}).ratio.mean == Approx(0.72).margin(kTol));  // the main sweep's
    CHECK(toy_bias("adamuon") == "max-norm");
    CHECK(toy_bias("normuon") == "spectral");
    CHECK(check(a, "toy-bias/full/adamuon").verdict == "holds");
    CHECK(check(a, "toy-bias/full/normuon").verdict == "violated");
  }

  SECTION("the output files render every row") {
    const std::string t1 = table1_csv(a);
    CHECK(t1.find("adam,full,muon,0,adam,1,3,0.78,0.01,0.07,") != std::string::npos);
    CHECK(table1_markdown(a).find("| adam | Full-muon | 1 |") != std::string::npos);
    CHECK(sweep_csv(a).find("adam,full,muon,0,30,3,inf,,") != std::string::npos);  // diverged: inf, no std
    CHECK(ranks_csv(a).find("muon,lora,muon,4,3,3,0.721,0,1") != std::string::npos);
    CHECK(geometry_csv(a).find(",violated\n") != std::string::npos);
    const std::string md = summary_markdown(a, {{"preset", "test"}}, "all done");
    CHECK(md.find("toy-bias") != std::string::npos);
    CHECK(md.find("Table 17") != std::string::npos);
  }
}

TEST_CASE("checks are left out when their inputs are missing", "[experiments][mismatch]") {
  std::vector<SweepRecord> v;
  curve(v, "muon", "full", "muon", kMuonGrid, 3, 0.70);
  const MismatchAnalysis a = analyze_mismatch(v, 8);
  CHECK(a.checks.empty());  // nothing to compare with: no verdict rather than a guess
  CHECK(a.table1.size() == 1);
  CHECK(std::isnan(a.distance.at(0).l2_rel_adam));  // no Adam row to normalize by
}

TEST_CASE("lrs print in their shortest form, alone and as a flag's list", "[experiments][mismatch]") {
  CHECK(format_lr(0.5) == "0.5");
  CHECK(format_lr(1e-5) == "1e-05");
  CHECK(format_lr(0.1 + 0.2) == "0.3");  // 9 significant digits: the binary rounding does not show
  CHECK(format_lr_list({0.01, 0.03, 0.1}) == "0.01,0.03,0.1");
  CHECK(format_lr_list({}).empty());
}

TEST_CASE("results file: round trip, torn last line, damaged line, duplicates", "[experiments][mismatch]") {
  const std::string dir = fresh_dir("muonlab_mismatch_results");
  const std::string path = dir + "/results.jsonl";
  CHECK(read_results(path).records.empty());  // absent: empty
  SweepRecord a = record("adam", "lora", "muon", 0.5, 2, 0.93);
  SweepRecord b = record("muon", "full", "adam", 0.1, 1, std::numeric_limits<double>::infinity());
  append_result(path, a);
  append_result(path, b);
  ResultsFile f = read_results(path);
  REQUIRE(f.records.size() == 2);
  CHECK(f.warnings.empty());
  CHECK(f.records[0].key.id() == "adam/lora-muon/r8/lr=0.5/s2");
  CHECK(f.records[0].summary.ppl_ratio == 0.93);
  CHECK(f.records[0].summary.updates.size() == 3);
  CHECK(std::isinf(f.records[1].summary.ppl_ratio));  // written as null, read back as +∞
  CHECK(f.records[1].summary.diverged);

  SECTION("a torn last line is dropped with a warning") {
    { std::ofstream(path, std::ios::app) << R"({"key": {"pretrain": "adam", "meth)"; }
    const ResultsFile t = read_results(path);
    CHECK(t.records.size() == 2);
    CHECK(t.torn_tail);
    REQUIRE(t.warnings.size() == 1);
    CHECK(t.warnings[0].find("torn") != std::string::npos);
  }
  SECTION("a damaged line in the middle is an error naming the line") {
    const std::string text = to_json(a).dump() + "\nnot json\n" + to_json(b).dump() + "\n";
    { std::ofstream(path, std::ios::trunc) << text; }
    try {
      read_results(path);
      FAIL("no error");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("results.jsonl:2") != std::string::npos);
    }
  }
  SECTION("a line that is JSON but not a result is an error") {
    nlohmann::json j = to_json(a);
    j["key"]["method"] = "half";
    { std::ofstream(path, std::ios::trunc) << j.dump() << "\n"; }
    CHECK_THROWS_AS(read_results(path), std::invalid_argument);
    j = to_json(a);
    j["key"]["optimizer"] = "sgd";
    { std::ofstream(path, std::ios::trunc) << j.dump() << "\n"; }
    CHECK_THROWS_AS(read_results(path), std::invalid_argument);
    j = to_json(a);
    j.erase("n_embd");
    { std::ofstream(path, std::ios::trunc) << j.dump() << "\n"; }
    CHECK_THROWS_AS(read_results(path), std::invalid_argument);
  }
  SECTION("a duplicate key keeps the first result") {
    SweepRecord a2 = a;
    a2.summary.ppl_ratio = 0.5;
    append_result(path, a2);
    const ResultsFile d = read_results(path);
    CHECK(d.records.size() == 2);
    CHECK(d.records[0].summary.ppl_ratio == 0.93);
    CHECK(d.warnings.size() == 1);
  }
}

namespace {

// Stand-in runners: "pretraining" writes a config.json and an empty model.pt; "fine-tuning" returns a summary that
// depends only on the request, so a resumed sweep and an uninterrupted one must produce identical files.
struct FakeRunners {
  int finetunes = 0, pretrains = 0;
  MismatchRunners runners() {
    MismatchRunners r;
    r.pretrain = [this](const PretrainRequest& q) {
      ++pretrains;
      fs::create_directories(q.run_dir);
      nlohmann::json cfg = {{"model", to_json(q.model)}, {"train", to_json(q.train)}};
      std::ofstream(fs::path(q.run_dir) / "config.json") << cfg.dump();
      std::ofstream(fs::path(q.run_dir) / "model.pt") << "";
      return PretrainSummary{};
    };
    r.finetune = [this](const FinetuneRequest& q) {
      ++finetunes;
      const bool adam_pre = q.from.find("adam") != std::string::npos;
      const double l = std::log10(q.config.lr);
      FinetuneSummary s;
      s.method = q.config.method, s.optimizer = optimizer_text(q.config.optimizer);
      s.lr = q.config.lr, s.seed = q.config.seed;
      s.pretrained_ppl = 10;
      s.ppl_ratio = 0.8 + 0.01 * l * l + (adam_pre ? 0.02 : 0) + 0.001 * double(q.config.seed) +
                    (q.config.method == "lora" ? 0.001 * q.config.lora.rank : 0);
      s.final_ppl = 10 * s.ppl_ratio;
      s.steps = 12;
      s.updates = {update_with(1.5, 2.0)};
      if (!q.run_dir.empty()) {  // a trajectory run
        fs::create_directories(q.run_dir);
        std::ofstream(fs::path(q.run_dir) / "summary.json") << to_json(s).dump();
      }
      return s;
    };
    return r;
  }
};

MismatchOptions fake_options(const std::string& out) {
  MismatchOptions o;
  apply_mismatch_preset("tiny", o);
  o.out_dir = out;
  o.muon_run = out + "-pre/muon";
  o.adam_run = out + "-pre/adam";
  o.lrs = {{"muon", {0.1, 1, 10}}, {"adam", {0.1, 1}}};
  o.seeds = {1, 2};
  o.ranks = {2, 8};  // rank 8 is the main sweep's: only rank 2 is new
  o.trajectories = true;
  o.progress = false;
  return o;
}

std::set<std::string> keys_in(const std::string& path, std::size_t& lines) {
  std::set<std::string> ids;
  const auto ls = lines_of(path);
  lines = ls.size();
  for (const std::string& l : ls) ids.insert(sweep_record_from_json(nlohmann::json::parse(l)).key.id());
  return ids;
}

}  // namespace

TEST_CASE("an interrupted sweep resumes: the union equals one uninterrupted sweep", "[experiments][mismatch]") {
  // Planned: 2 seeds × 2 models × (full, lora) × (3 muon + 2 adam lrs) = 40 main runs; the rank study at rank 2,
  // each LoRA method at its best lr (1: the stand-in's optimum) and that lr's grid neighbours (Muon 0.1, 1, 10; Adam
  // 0.1, 1): 2 seeds × 2 models × (3 + 2) = 20; and 8 trajectories: 68.
  const std::string root = fresh_dir("muonlab_mismatch_resume");
  FakeRunners straight;
  const MismatchSummary s = run_mismatch(fake_options(root + "/straight"), straight.runners());
  CHECK(s.complete);
  CHECK(s.planned == 68);
  CHECK(s.done == 68);
  CHECK(straight.pretrains == 2);
  CHECK(straight.finetunes == 68);

  FakeRunners split;
  MismatchOptions o = fake_options(root + "/split");
  o.max_runs = 7;
  const MismatchSummary first = run_mismatch(o, split.runners());
  CHECK_FALSE(first.complete);
  CHECK(first.new_runs == 7);
  std::size_t n = 0;
  CHECK(keys_in(root + "/split/results.jsonl", n).size() == 7);
  // The process dies inside a write: a torn line at the end. The next start drops it and redoes nothing else.
  { std::ofstream(root + "/split/results.jsonl", std::ios::app) << R"({"key": {"pretrain": "mu)"; }
  o.max_runs = 40;  // stops inside the rank study
  const MismatchSummary second = run_mismatch(o, split.runners());
  CHECK_FALSE(second.complete);
  CHECK(second.warnings.size() == 1);
  o.max_runs = 0;
  const MismatchSummary third = run_mismatch(o, split.runners());
  CHECK(third.complete);
  CHECK(split.finetunes == 68);  // every run once: nothing finished was redone
  CHECK(split.pretrains == 2);   // the models were made once and reused

  std::size_t n_straight = 0, n_split = 0;
  const auto a = keys_in(root + "/straight/results.jsonl", n_straight);
  const auto b = keys_in(root + "/split/results.jsonl", n_split);
  CHECK(a == b);
  CHECK(n_split == b.size());  // no duplicates
  CHECK(n_straight == 60);     // trajectories are not sweep results
  // Same results, same tables.
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  for (const char* f : {"table1.csv", "best_lr.csv", "sweep.csv", "distance.csv", "geometry.csv", "ranks.csv"})
    CHECK(slurp(root + "/straight/" + f) == slurp(root + "/split/" + f));
  CHECK(fs::exists(root + "/split/trajectories/adam-lora-adam/summary.json"));

  // A restart with another fine-tuning size would mix two experiments: refused.
  FakeRunners other;
  MismatchOptions changed = fake_options(root + "/split");
  changed.finetune.max_steps += 1;
  CHECK_THROWS_AS(run_mismatch(changed, other.runners()), std::invalid_argument);
  CHECK(other.finetunes == 0);
  // A pretrained run of the wrong optimizer is refused.
  MismatchOptions swapped = fake_options(root + "/swapped");
  swapped.muon_run = root + "/straight-pre/adam";
  CHECK_THROWS_AS(run_mismatch(swapped, other.runners()), std::invalid_argument);
}

TEST_CASE("muonlab mismatch --preset tiny end to end", "[experiments][mismatch][cli]") {
  const std::string root = fresh_dir("muonlab_mismatch_cli");
  static const std::string text = write_synthetic_text("muonlab_mismatch_text.txt", 120000);
  const std::string common = " --preset tiny --out " + root + "/out --muon-run " + root + "/muon --adam-run " + root +
                             "/adam --pretrain-data " + text + " --data " + text + " --seeds 1,2 --ranks 1,2 --quiet";
  // Stopped early: exit 3 (not complete), the runs so far are kept.
  const auto part = run_cli("mismatch" + common + " --max-runs 3");
  INFO(part.out);
  REQUIRE(part.code == 3);
  CHECK(lines_of(root + "/out/results.jsonl").size() == 3);
  // Continued: complete; 0 when every check holds, 1 when one is violated (both honest at this size).
  const auto full = run_cli("mismatch --json" + common, "", false);
  INFO(full.out);
  REQUIRE((full.code == 0 || full.code == 1));
  const auto j = nlohmann::json::parse(full.out);
  CHECK(j.at("complete") == true);
  // 2 seeds × 2 models × (full, lora) × 2 optimizers × 2 lrs = 32 main runs + the rank study at ranks 1 and 2, at
  // the best lr and its grid neighbour (tiny grids have two points): 2 seeds × 2 models × 2 optimizers × 2 ranks
  // × 2 lrs = 32.
  CHECK(j.at("planned") == 64);
  CHECK(j.at("new_runs") == 61);
  CHECK((j.at("violated").get<int>() > 0) == (full.code == 1));
  CHECK(j.at("table1").size() == 8);
  std::set<std::string> ids;
  for (const std::string& l : lines_of(root + "/out/results.jsonl"))
    ids.insert(sweep_record_from_json(nlohmann::json::parse(l)).key.id());
  CHECK(ids.size() == 64);
  for (const char* f : {"table1.csv", "table1.md", "best_lr.csv", "sweep.csv", "distance.csv", "geometry.csv",
                        "ranks.csv", "summary.md", "summary.json", "sweep.json"})
    CHECK(fs::exists(fs::path(root) / "out" / f));
  // Complete already: nothing to run; the human output is Table 1 and the checks.
  const auto t = run_cli("mismatch" + common);
  CHECK((t.code == 0 || t.code == 1));
  CHECK(t.out.find("| muon | Full-muon (matched) |") != std::string::npos);

  // Bad input: exit 2 with a message.
  CHECK(run_cli("mismatch --preset huge").code == 2);
  CHECK(run_cli("mismatch" + common + " --lrs-muon -1").code == 2);
  CHECK(run_cli("mismatch" + common + " --methods full,half").code == 2);
  CHECK(run_cli("mismatch" + common + " --max-steps 7").code == 2);  // another size into the same --out
  { std::ofstream(root + "/out/results.jsonl", std::ios::app) << "garbage\n"; }
  const auto bad = run_cli("mismatch" + common);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("results.jsonl:65") != std::string::npos);
}

namespace {

std::string slurp_file(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every table (and summary) a sweep writes; each must come out byte for byte the same from shards + merge.
const std::vector<std::string> kTables = {"table1.csv", "table1.md",   "best_lr.csv", "sweep.csv",   "distance.csv",
                                          "geometry.csv", "ranks.csv", "summary.md",  "summary.json", "sweep.json"};

}  // namespace

TEST_CASE("sharded sweeps: disjoint parts whose merge is the unsharded sweep, byte for byte", "[experiments][mismatch]") {
  const std::string root = fresh_dir("muonlab_mismatch_shards");
  auto opts = [&](const std::string& out) {
    MismatchOptions o = fake_options(out);
    o.ranks.clear();
    o.trajectories = false;
    o.muon_run = root + "/pre/muon", o.adam_run = root + "/pre/adam";
    return o;
  };
  FakeRunners whole;
  const MismatchSummary s = run_mismatch(opts(root + "/whole"), whole.runners());
  REQUIRE(s.complete);
  REQUIRE(s.planned == 40);  // 2 seeds × 2 models × 2 methods × (3 + 2) lrs

  for (int n : {2, 3}) {
    INFO(n << " shards");
    const std::string out = root + "/sharded" + std::to_string(n);
    std::set<std::string> seen;
    std::size_t total = 0;
    for (int i = 1; i <= n; ++i) {
      FakeRunners part;
      MismatchOptions o = opts(out);
      o.shard_index = i, o.shard_count = n;
      const MismatchSummary p = run_mismatch(o, part.runners());
      CHECK(p.complete);
      CHECK(part.pretrains == 0);  // the shards reuse the pretrained models
      CHECK(p.out_dir == shard_dir(out, i, n));
      std::size_t lines = 0;
      for (const std::string& k : keys_in(p.out_dir + "/results.jsonl", lines)) CHECK(seen.insert(k).second);  // disjoint
      total += lines;
      CHECK(part.finetunes == int(lines));
      CHECK(std::abs(int(lines) - 40 / n) <= 1);  // balanced
    }
    CHECK(total == 40);
    const MismatchSummary m = merge_mismatch({out}, out + "/merged", false);
    CHECK(m.complete);
    CHECK(m.done == 40);
    for (const std::string& f : kTables) {
      INFO(f);
      CHECK(slurp_file(root + "/whole/" + f) == slurp_file(out + "/merged/" + f));
    }
    // Merging again (the merged folder already holds them) changes nothing.
    merge_mismatch({out}, out + "/merged", false);
    CHECK(slurp_file(root + "/whole/table1.csv") == slurp_file(out + "/merged/table1.csv"));
    // The merged folder is an unsharded sweep: a rerun there finds nothing to do.
    FakeRunners again;
    CHECK(run_mismatch(opts(out + "/merged"), again.runners()).complete);
    CHECK(again.finetunes == 0);
  }

  // Refused: a missing shard, a shard twice, shards of different sweeps, --shard with the rank study, a shard whose
  // pretrained model is not there, a bad I/N.
  const std::string out = root + "/sharded2";
  CHECK_THROWS_AS(merge_mismatch({shard_dir(out, 1, 2)}, root + "/m1", false), std::invalid_argument);
  CHECK_THROWS_AS(merge_mismatch({shard_dir(out, 1, 2), out}, root + "/m2", false), std::invalid_argument);
  CHECK_THROWS_AS(merge_mismatch({shard_dir(out, 1, 2), shard_dir(root + "/sharded3", 2, 3)}, root + "/m3", false),
                  std::invalid_argument);
  {
    FakeRunners other;
    MismatchOptions o = opts(root + "/different");
    o.seeds = {1, 2, 3};
    o.shard_index = 2, o.shard_count = 2;
    run_mismatch(o, other.runners());
    CHECK_THROWS_AS(merge_mismatch({shard_dir(out, 1, 2), shard_dir(root + "/different", 2, 2)}, root + "/m4", false),
                    std::invalid_argument);
  }
  FakeRunners none;
  MismatchOptions ranks = opts(root + "/r");
  ranks.shard_index = 1, ranks.shard_count = 2, ranks.ranks = {2};
  CHECK_THROWS_AS(run_mismatch(ranks, none.runners()), std::invalid_argument);
  MismatchOptions nopre = opts(root + "/nopre");
  nopre.muon_run = root + "/absent";
  nopre.shard_index = 1, nopre.shard_count = 2;
  CHECK_THROWS_AS(run_mismatch(nopre, none.runners()), std::invalid_argument);
  CHECK(none.pretrains == 0);
  for (const char* bad : {"0/2", "3/2", "1", "a/b", "1/0", "-1/2"}) {
    MismatchOptions o;
    CHECK_THROWS_AS(parse_shard(bad, o), std::invalid_argument);
  }
}

TEST_CASE("muonlab mismatch --shard and --merge on the tiny preset equal one unsharded run", "[experiments][mismatch][cli]") {
  // Real training: 2 models × full × (muon, adam) × 2 lrs × 1 seed = 8 runs, unsharded and then in 2 shards.
  const std::string root = fresh_dir("muonlab_mismatch_shards_cli");
  static const std::string text = write_synthetic_text("muonlab_mismatch_shards_text.txt", 120000);
  const std::string common = " --preset tiny --muon-run " + root + "/muon --adam-run " + root +
                             "/adam --pretrain-data " + text + " --data " + text +
                             " --seeds 1 --methods full --quiet";
  const auto whole = run_cli("mismatch" + common + " --out " + root + "/whole");
  INFO(whole.out);
  REQUIRE((whole.code == 0 || whole.code == 1));
  for (const char* shard : {"1/2", "2/2"}) {
    const auto p = run_cli("mismatch" + common + " --out " + root + "/sharded --shard " + shard);
    INFO(p.out);
    REQUIRE((p.code == 0 || p.code == 1));
  }
  CHECK(lines_of(root + "/sharded/shard-1-of-2/results.jsonl").size() == 4);
  CHECK(lines_of(root + "/sharded/shard-2-of-2/results.jsonl").size() == 4);
  const auto m = run_cli("mismatch --preset tiny --quiet --merge " + root + "/sharded --out " + root + "/merged");
  INFO(m.out);
  CHECK(m.code == whole.code);
  for (const std::string& f : kTables) {
    INFO(f);
    CHECK(slurp_file(root + "/whole/" + f) == slurp_file(root + "/merged/" + f));
  }
  CHECK(run_cli("mismatch" + common + " --out " + root + "/x --shard 3/2").code == 2);
  CHECK(run_cli("mismatch" + common + " --out " + root + "/x --shard 1/2 --ranks 2").code == 2);
  CHECK(run_cli("mismatch --preset tiny --quiet --merge " + root + "/sharded/shard-1-of-2 --out " + root + "/y").code == 2);
}
