#include "experiments/mismatch_tables.hpp"
#include "solvers/optimizer_id.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...

// ---- statistics ------------------------------------------------------------------------------------------------

SeedStats seed_stats(const std::vector<double>& values) {
  SeedStats s;
  s.n = int(values.size());
  if (values.empty()) return s;
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v)) {
      ++s.diverged;
      continue;
    }
    sum += v;
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (s.diverged > 0) {
    s.mean = std::numeric_limits<double>::infinity();
    s.min = s.diverged == s.n ? s.mean : lo;
    s.max = s.mean;
    return s;  // std stays NaN: a spread with an infinite member means nothing
  }
  s.mean = sum / s.n;
  s.min = lo, s.max = hi;
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(ss / (s.n - 1)) : 0.0;
  return s;
}

double difference_se(const SeedStats& a, const SeedStats& b) {
  if (a.n < 2 || b.n < 2 || !std::isfinite(a.std) || !std::isfinite(b.std)) return kNaN;
  return std::sqrt(a.std * a.std / a.n + b.std * b.std / b.n);
}

double paired_se(const std::map<std::uint64_t, double>& a, const std::map<std::uint64_t, double>& b) {
  std::vector<double> d;
  for (const auto& [seed, va] : a) {
    const auto it = b.find(seed);
    if (it == b.end()) continue;
    if (!std::isfinite(va) || !std::isfinite(it->second)) return kNaN;
    d.push_back(va - it->second);
  }
  if (d.size() < 2) return kNaN;
  const SeedStats s = seed_stats(d);
  return s.std / std::sqrt(double(s.n));
}

namespace {

// The standard error of best(a) − best(b): paired by seed when they share two seeds or more, else unpaired.
double best_diff_se(const BestLr& a, const BestLr& b) {
  const double p = paired_se(a.by_seed, b.by_seed);
  return std::isfinite(p) ? p : difference_se(a.ratio, b.ratio);
}

// "yes" when |diff| > 2·se, "no" when not, "n/a" when the standard error is unknown (one seed, a diverged side).
std::string significance(double diff, double se) {
  if (!std::isfinite(diff) || !std::isfinite(se)) return "n/a";
  return std::fabs(diff) > 2 * se ? "yes" : "no";
}

int optimizer_order(const std::string& o) {
  static const std::vector<std::string> order = {"muon", "adam", "adamuon", "normuon"};
  const auto it = std::find(order.begin(), order.end(), o);
  return it == order.end() ? int(order.size()) : int(it - order.begin());
}

// Presentation order, as the paper's Table 1: the Muon-pretrained model first, full before LoRA, Muon before Adam.
bool paper_order(const Cell& a, const Cell& b) {
  auto k = [](const Cell& c) {
    return std::make_tuple(c.pretrain == "muon" ? 0 : 1, c.method == "full" ? 0 : 1, c.rank,
                           optimizer_order(c.optimizer), c.optimizer);
  };
  return k(a) < k(b);
}

Cell cell_of(const SweepKey& k) { return {k.pretrain, k.method, k.optimizer, k.rank}; }

std::string other_of(const std::string& o) { return o == "muon" ? "adam" : "muon"; }

std::string fmt_num(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}g}", v, digits);
}

}  // namespace

std::string Cell::label() const {
  return rank > 0 ? fmt::format("{}: {}-{} r{}", pretrain, method, optimizer, rank)
                  : fmt::format("{}: {}-{}", pretrain, method, optimizer);
}

int MismatchAnalysis::count(const std::string& verdict) const {
  return int(std::count_if(checks.begin(), checks.end(), [&](const Check& c) { return c.verdict == verdict; }));
}

// ---- the paper and the toy problem -----------------------------------------------------------------------------

double paper_ratio(const std::string& pretrain, const std::string& method, const std::string& optimizer) {
  // REFERENCE §5: PPL / pretrained PPL of the 561M model on WikiText-2 (the paper's Table 1).
  static const std::map<std::string, double> t = {
      {"muon/full/muon", 0.716}, {"muon/full/adam", 0.739}, {"muon/lora/muon", 0.719}, {"muon/lora/adam", 0.733},
      {"adam/full/muon", 0.719}, {"adam/full/adam", 0.710}, {"adam/lora/muon", 0.723}, {"adam/lora/adam", 0.721}};
  const auto it = t.find(pretrain + "/" + method + "/" + optimizer);
  return it == t.end() ? kNaN : it->second;
}

std::string toy_bias(const std::string& optimizer) {
  // README "Which solution does each optimizer reach?": Adam → W*_max (claims bias-adam, bias-adam-eps0); Muon →
  // W*_2 (bias-muon); AdaMuon → W*_max, since NS(sign(u)) keeps W_t = w_t sign(x)ᵀ (bias-adamuon); NorMuon → W*_2,
  // row normalization keeps W_t = v_t xᵀ (bias-normuon).
  const auto id = solvers::optimizer_id(optimizer);
  if (!id) return "unknown";
  switch (solvers::optimizer_row(*id).rule) {
    case solvers::UpdateRule::adam:
    case solvers::UpdateRule::adamuon: return "max-norm";
    case solvers::UpdateRule::muon:
    case solvers::UpdateRule::normuon: return "spectral";
    default: return "unknown";
  }
}

std::string bias_family_optimizer(const std::string& bias) {
  return bias == "max-norm" ? "adam" : bias == "spectral" ? "muon" : "";
}

// ---- update geometry --------------------------------------------------------------------------------------------

std::pair<int, int> hidden_matrix_shape(const std::string& kind, int n_embd) {
  // nanochat/model.cpp: c_q, c_k, c_v, attention c_proj are C×C (heads fill the width); MLP c_fc is Linear(C, 4C),
  // weight 4C×C; MLP c_proj is Linear(4C, C), weight C×4C.
  if (kind == "Q" || kind == "K" || kind == "V" || kind == "O") return {n_embd, n_embd};
  if (kind == "MLP_up") return {4 * n_embd, n_embd};
  if (kind == "MLP_down") return {n_embd, 4 * n_embd};
  throw std::invalid_argument("unknown hidden matrix kind '" + kind + "'");
}

double entry_flatness(const MatrixUpdate& u, int rows, int cols) {
  if (!(u.norm_frobenius > 0) || !std::isfinite(u.norm_frobenius)) return kNaN;
  return u.norm_max * std::sqrt(double(rows) * double(cols)) / u.norm_frobenius;
}

namespace {

// One run's update geometry: the mean over hidden matrices with ΔW ≠ 0 of flatness and stable rank.
struct RunGeometry {
  double flatness = kNaN, stable_rank = kNaN;
  int matrices = 0;
};
RunGeometry run_geometry(const SweepRecord& r) {
  RunGeometry g;
  double f = 0, s = 0;
  for (const MatrixUpdate& u : r.summary.updates) {
    const auto [m, n] = hidden_matrix_shape(u.kind, r.n_embd);
    const double flat = entry_flatness(u, m, n);
    if (!std::isfinite(flat) || !(u.norm_spectral > 0)) continue;
    // Stable rank ‖ΔW‖F²/‖ΔW‖2² (REFERENCE §1), from the norms so it is the same definition for every producer.
    const double sr = (u.norm_frobenius / u.norm_spectral) * (u.norm_frobenius / u.norm_spectral);
    f += flat, s += sr, ++g.matrices;
  }
  if (g.matrices > 0) g.flatness = f / g.matrices, g.stable_rank = s / g.matrices;
  return g;
}

// Records grouped by lr (JSON round-trips a double exactly, so a grid value read back is the same key).
using ByLr = std::map<double, std::vector<const SweepRecord*>>;

}  // namespace

// ---- the analysis --------------------------------------------------------------------------------------------

double best_lr_of(const MismatchAnalysis& a, const Cell& cell) {
  for (const BestLr& b : a.best)
    if (b.cell == cell) return b.lr;
  return kNaN;
}

namespace {

const BestLr* find_best(const MismatchAnalysis& a, const Cell& c) {
  for (const BestLr& b : a.best)
    if (b.cell == c && std::isfinite(b.lr)) return &b;
  return nullptr;
}

template <class Row>
const Row* find_row(const std::vector<Row>& rows, const Cell& c) {
  for (const Row& r : rows)
    if (r.cell == c) return &r;
  return nullptr;
}

Check make_check(std::string id, std::string group, std::string statement, bool holds, std::string sig,
                 std::string detail, nlohmann::json numbers) {
  return {std::move(id), std::move(group), std::move(statement), holds ? "holds" : "violated", std::move(sig),
          std::move(detail), std::move(numbers)};
}

void add_shape_checks(MismatchAnalysis& a) {
  const int R = a.main_rank;
  auto rank_of = [R](const std::string& method) { return method == "lora" ? R : 0; };
  // (a) Under full fine-tuning the matched optimizer wins (the paper: 0.716 < 0.739 on Muon-pretrained, 0.710 < 0.719
  // on Adam-pretrained).
  for (const std::string P : {"muon", "adam"}) {
    const BestLr* m = find_best(a, {P, "full", P, 0});
    const BestLr* x = find_best(a, {P, "full", other_of(P), 0});
    if (!m || !x) continue;
    const double diff = x->ratio.mean - m->ratio.mean, se = best_diff_se(*x, *m);
    a.checks.push_back(make_check(
        "a/full/pretrain=" + P, "shape-a",
        fmt::format("full fine-tuning of the {}-pretrained model: the matched optimizer ({}) reaches a lower best PPL "
                    "ratio than the mismatched one ({})", P, P, other_of(P)),
        diff > 0, significance(diff, se),
        fmt::format("matched {} {} vs mismatched {} {}: difference {} (se {})", P, fmt_num(m->ratio.mean),
                    other_of(P), fmt_num(x->ratio.mean), fmt_num(diff, 3), fmt_num(se, 2)),
        {{"matched", m->ratio.mean}, {"mismatched", x->ratio.mean}, {"difference", diff}, {"se", se}}));
  }
  // (b) LoRA shrinks the gap: |gap under LoRA| < |gap under full|, gap = best(mismatched) − best(matched) (the
  // paper: 0.023 → 0.014 on Muon-pretrained, 0.009 → 0.002 on Adam-pretrained). Absolute values, so a negative
  // full gap (where (a) fails) is not mistaken for a large one.
  for (const std::string P : {"muon", "adam"}) {
    const BestLr* fm = find_best(a, {P, "full", P, 0});
    const BestLr* fx = find_best(a, {P, "full", other_of(P), 0});
    const BestLr* lm = find_best(a, {P, "lora", P, R});
    const BestLr* lx = find_best(a, {P, "lora", other_of(P), R});
    if (!fm || !fx || !lm || !lx) continue;
    const double gf = fx->ratio.mean - fm->ratio.mean, gl = lx->ratio.mean - lm->ratio.mean;
    const double sf = best_diff_se(*fx, *fm), sl = best_diff_se(*lx, *lm);
    const double diff = std::fabs(gf) - std::fabs(gl), se = std::sqrt(sf * sf + sl * sl);
    a.checks.push_back(make_check(
        "b/pretrain=" + P, "shape-b",
        fmt::format("on the {}-pretrained model, LoRA (r={}) shrinks the mismatch gap: |gap LoRA| < |gap full|", P, R),
        diff > 0, significance(diff, se),
        fmt::format("gap full {} (se {}), gap LoRA {} (se {})", fmt_num(gf, 3), fmt_num(sf, 2), fmt_num(gl, 3),
                    fmt_num(sl, 2)),
        {{"gap_full", gf}, {"gap_lora", gl}, {"se_full", sf}, {"se_lora", sl}}));
  }
  // (c) Figure 4: the same fine-tuning optimizer on the mismatched pretrained model has its best lr further left and
  // its best PPL ratio higher (up) than on the matched one.
  for (const std::string M : {"full", "lora"}) {
    for (const std::string O : {"muon", "adam"}) {
      const BestLr* on_m = find_best(a, {O, M, O, rank_of(M)});
      const BestLr* on_x = find_best(a, {other_of(O), M, O, rank_of(M)});
      if (!on_m || !on_x) continue;
      const std::string tag = M + "-" + O;
      a.checks.push_back(make_check(
          "c-left/" + tag, "shape-c-left",
          fmt::format("{}: the best lr on the mismatched ({}-pretrained) model is lower than on the matched one", tag,
                      other_of(O)),
          on_x->lr < on_m->lr, "n/a",
          fmt::format("best lr mismatched {} vs matched {}{}", format_lr(on_x->lr), format_lr(on_m->lr),
                      on_x->at_edge || on_m->at_edge ? " (a best lr sits at a grid edge)" : ""),
          {{"lr_mismatched", on_x->lr}, {"lr_matched", on_m->lr}, {"at_edge", on_x->at_edge || on_m->at_edge}}));
      const double diff = on_x->ratio.mean - on_m->ratio.mean, se = best_diff_se(*on_x, *on_m);
      a.checks.push_back(make_check(
          "c-up/" + tag, "shape-c-up",
          fmt::format("{}: the best PPL ratio on the mismatched ({}-pretrained) model is higher than on the matched one",
                      tag, other_of(O)),
          diff > 0, significance(diff, se),
          fmt::format("best ratio mismatched {} vs matched {}: difference {} (se {})", fmt_num(on_x->ratio.mean),
                      fmt_num(on_m->ratio.mean), fmt_num(diff, 3), fmt_num(se, 2)),
          {{"ratio_mismatched", on_x->ratio.mean}, {"ratio_matched", on_m->ratio.mean}, {"difference", diff},
           {"se", se}}));
    }
  }
}

void add_geometry_checks(MismatchAnalysis& a) {
  // Prop D.4/D.5: SignGD/Adam's correction is the min max-norm one (entries of equal magnitude: flat), Muon's the
  // min spectral-norm one (singular values equal: high stable rank). At scale: per pretrained model and method,
  // Adam's ΔW is the flatter (lower ‖ΔW‖max·√(mn)/‖ΔW‖F) and Muon's has the higher stable rank.
  for (const std::string P : {"muon", "adam"}) {
    for (const std::string M : {"full", "lora"}) {
      const int r = M == "lora" ? a.main_rank : 0;
      const GeometryRow* gm = find_row(a.geometry, {P, M, "muon", r});
      const GeometryRow* ga = find_row(a.geometry, {P, M, "adam", r});
      if (!gm || !ga || !std::isfinite(gm->flatness.mean) || !std::isfinite(ga->flatness.mean)) continue;
      const double dflat = gm->flatness.mean - ga->flatness.mean;     // > 0: Adam flatter
      const double dsr = gm->stable_rank.mean - ga->stable_rank.mean;  // > 0: Muon higher stable rank
      const double sflat = difference_se(gm->flatness, ga->flatness), ssr = difference_se(gm->stable_rank, ga->stable_rank);
      const std::string s1 = significance(dflat, sflat), s2 = significance(dsr, ssr);
      a.checks.push_back(make_check(
          fmt::format("geometry/{}/pretrain={}", M, P), "geometry",
          fmt::format("{}-pretrained, {} fine-tuning: Adam's update is the flatter in entries and Muon's has the higher "
                      "stable rank (Prop D.4/D.5 at scale)", P, M),
          dflat > 0 && dsr > 0, s1 == "yes" && s2 == "yes" ? "yes" : (s1 == "n/a" || s2 == "n/a") ? "n/a" : "no",
          fmt::format("flatness adam {} vs muon {} ({}); stable rank muon {} vs adam {} ({})",
                      fmt_num(ga->flatness.mean), fmt_num(gm->flatness.mean), dflat > 0 ? "holds" : "violated",
                      fmt_num(gm->stable_rank.mean), fmt_num(ga->stable_rank.mean), dsr > 0 ? "holds" : "violated"),
          {{"flatness_adam", ga->flatness.mean}, {"flatness_muon", gm->flatness.mean},
           {"stable_rank_muon", gm->stable_rank.mean}, {"stable_rank_adam", ga->stable_rank.mean},
           {"flatter_holds", dflat > 0}, {"stable_rank_holds", dsr > 0}}));
    }
  }
}

void add_toy_bias_checks(MismatchAnalysis& a) {
  // Beyond the paper: an optimizer whose toy-problem limit is Adam's (max-norm) should fine-tune the Adam-pretrained
  // model with a small gap and the Muon-pretrained one with a large gap, and the reverse for a spectral-norm bias.
  // gap on P = best ratio − best ratio of P's own optimizer on P (same method).
  for (const std::string X : {"adamuon", "normuon"}) {
    for (const std::string M : {"full", "lora"}) {
      const int r = M == "lora" ? a.main_rank : 0;
      const Table1Row* on_mu = find_row(a.table1, {"muon", M, X, r});
      const Table1Row* on_ad = find_row(a.table1, {"adam", M, X, r});
      if (!on_mu || !on_ad || !std::isfinite(on_mu->gap) || !std::isfinite(on_ad->gap)) continue;
      const std::string bias = toy_bias(X), F = bias_family_optimizer(bias);
      const double gap_own = F == "adam" ? on_ad->gap : on_mu->gap, gap_other = F == "adam" ? on_mu->gap : on_ad->gap;
      const double diff = gap_other - gap_own;
      const double se_own = F == "adam" ? on_ad->gap_se : on_mu->gap_se;
      const double se_other = F == "adam" ? on_mu->gap_se : on_ad->gap_se;
      a.checks.push_back(make_check(
          fmt::format("toy-bias/{}/{}", M, X), "toy-bias",
          fmt::format("{} ({} fine-tuning) has the {} bias on the toy problem, so it shows less mismatch on the "
                      "{}-pretrained model than on the {}-pretrained one", X, M, bias, F, other_of(F)),
          diff > 0, significance(diff, std::sqrt(se_own * se_own + se_other * se_other)),
          fmt::format("gap on muon-pretrained {}, on adam-pretrained {}", fmt_num(on_mu->gap, 3),
                      fmt_num(on_ad->gap, 3)),
          {{"toy_bias", bias}, {"gap_on_muon_pretrained", on_mu->gap}, {"gap_on_adam_pretrained", on_ad->gap}}));
    }
  }
}

}  // namespace

MismatchAnalysis analyze_mismatch(const std::vector<SweepRecord>& records, int main_rank) {
  MismatchAnalysis a;
  a.main_rank = main_rank;
  std::map<Cell, ByLr> main, by_rank;
  for (const SweepRecord& r : records) {
    const Cell c = cell_of(r.key);
    if (c.method == "lora") by_rank[c][r.key.lr].push_back(&r);
    if (c.method == "full" || c.rank == main_rank) main[c][r.key.lr].push_back(&r);
  }
  std::vector<Cell> cells;
  for (const auto& [c, _] : main) cells.push_back(c);
  std::sort(cells.begin(), cells.end(), paper_order);

  // Figure 4 and Table 8.
  for (const Cell& c : cells) {
    const ByLr& lrs = main.at(c);
    BestLr b;
    b.cell = c;
    b.grid_points = int(lrs.size());
    b.grid_min = lrs.begin()->first, b.grid_max = lrs.rbegin()->first;
    for (const auto& [lr, rs] : lrs) {
      std::vector<double> ratio, forget;
      for (const SweepRecord* r : rs) {
        ratio.push_back(r->summary.ppl_ratio);
        forget.push_back(r->summary.diverged ? std::numeric_limits<double>::infinity() : r->summary.forgetting_bpb);
      }
      SweepPoint p{c, lr, seed_stats(ratio), seed_stats(forget)};
      if (std::isfinite(p.ratio.mean) && (!std::isfinite(b.lr) || p.ratio.mean < b.ratio.mean)) {
        b.lr = lr, b.ratio = p.ratio, b.forgetting = p.forgetting;
        b.by_seed.clear();
        for (const SweepRecord* r : rs) b.by_seed[r->key.seed] = r->summary.ppl_ratio;
      }
      a.sweep.push_back(p);
    }
    b.at_edge = std::isfinite(b.lr) && (b.lr == b.grid_min || b.lr == b.grid_max);
    a.best.push_back(b);
  }

  // Table 1: the gap to the matched optimizer of the same method (and rank).
  for (const BestLr& b : a.best) {
    Table1Row t;
    t.cell = b.cell, t.best = b, t.matched = b.cell.pretrain;
    const Cell mc{b.cell.pretrain, b.cell.method, t.matched, b.cell.rank};
    if (b.cell.optimizer == t.matched) {
      t.gap = std::isfinite(b.lr) ? 0.0 : kNaN;
    } else if (const BestLr* m = find_best(a, mc); m && std::isfinite(b.lr)) {
      t.gap = b.ratio.mean - m->ratio.mean;
      t.gap_se = best_diff_se(b, *m);
    }
    t.paper_ratio = paper_ratio(b.cell.pretrain, b.cell.method, b.cell.optimizer);
    t.paper_gap = t.paper_ratio - paper_ratio(b.cell.pretrain, b.cell.method, t.matched);
    a.table1.push_back(t);
  }

  // Table 17 and the geometry, from the runs at the best lr.
  for (const BestLr& b : a.best) {
    if (!std::isfinite(b.lr)) continue;
    const auto& rs = main.at(b.cell).at(b.lr);
    std::vector<double> l2, cs, flat, sr;
    GeometryRow g;
    g.cell = b.cell, g.lr = b.lr, g.toy_bias = toy_bias(b.cell.optimizer);
    for (const SweepRecord* r : rs) {
      l2.push_back(r->summary.l2_distance);
      cs.push_back(r->summary.cosine_distance);
      const RunGeometry rg = run_geometry(*r);
      if (rg.matrices == 0) continue;
      flat.push_back(rg.flatness), sr.push_back(rg.stable_rank);
      ++g.runs;
      g.matrices = std::max(g.matrices, rg.matrices);
    }
    a.distance.push_back({b.cell, b.lr, seed_stats(l2), seed_stats(cs), kNaN, kNaN});
    g.flatness = seed_stats(flat), g.stable_rank = seed_stats(sr);
    a.geometry.push_back(g);
  }
  for (DistanceRow& d : a.distance) {
    const DistanceRow* ad = find_row(a.distance, {d.cell.pretrain, d.cell.method, "adam", d.cell.rank});
    if (!ad) continue;
    d.l2_rel_adam = d.l2.mean / ad->l2.mean;
    d.cosine_rel_adam = d.cosine.mean / ad->cosine.mean;
  }

  // Figure 5: every LoRA cell at every rank, its best lr among those run at that rank.
  std::vector<Cell> rank_cells;
  for (const auto& [c, _] : by_rank) rank_cells.push_back(c);
  std::sort(rank_cells.begin(), rank_cells.end(), paper_order);
  for (const Cell& c : rank_cells) {
    RankRow row;
    row.cell = c;
    for (const auto& [lr, rs] : by_rank.at(c)) {
      std::vector<double> ratio;
      for (const SweepRecord* r : rs) ratio.push_back(r->summary.ppl_ratio);
      const SeedStats s = seed_stats(ratio);
      ++row.lrs_tried;
      if (std::isfinite(s.mean) && (!std::isfinite(row.lr) || s.mean < row.ratio.mean)) row.lr = lr, row.ratio = s;
    }
    a.ranks.push_back(row);
  }

  add_shape_checks(a);
  add_geometry_checks(a);
  add_toy_bias_checks(a);
  return a;
}

// ---- JSON ------------------------------------------------------------------------------------------------------

nlohmann::json to_json(const SeedStats& s) {
  return {{"n", s.n}, {"diverged", s.diverged}, {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}};
}

namespace {
nlohmann::json cell_json(const Cell& c) {
  return {{"pretrain", c.pretrain}, {"method", c.method}, {"optimizer", c.optimizer}, {"rank", c.rank}};
}
}  // namespace

nlohmann::json to_json(const MismatchAnalysis& a) {
  nlohmann::json j;
  j["main_rank"] = a.main_rank;
  j["sweep"] = nlohmann::json::array();
  for (const SweepPoint& p : a.sweep)
    j["sweep"].push_back({{"cell", cell_json(p.cell)}, {"lr", p.lr}, {"ratio", to_json(p.ratio)},
                          {"forgetting", to_json(p.forgetting)}});
  j["best_lr"] = nlohmann::json::array();
  for (const BestLr& b : a.best)
    j["best_lr"].push_back({{"cell", cell_json(b.cell)}, {"lr", b.lr}, {"ratio", to_json(b.ratio)},
                            {"forgetting", to_json(b.forgetting)}, {"grid_min", b.grid_min},
                            {"grid_max", b.grid_max}, {"grid_points", b.grid_points}, {"at_edge", b.at_edge}});
  j["table1"] = nlohmann::json::array();
  for (const Table1Row& t : a.table1)
    j["table1"].push_back({{"cell", cell_json(t.cell)}, {"best_lr", t.best.lr}, {"ratio", to_json(t.best.ratio)},
                           {"matched", t.matched}, {"gap", t.gap}, {"gap_se", t.gap_se},
                           {"paper_ratio", t.paper_ratio}, {"paper_gap", t.paper_gap}});
  j["distance"] = nlohmann::json::array();
  for (const DistanceRow& d : a.distance)
    j["distance"].push_back({{"cell", cell_json(d.cell)}, {"lr", d.lr}, {"l2", to_json(d.l2)},
                             {"cosine", to_json(d.cosine)}, {"l2_rel_adam", d.l2_rel_adam},
                             {"cosine_rel_adam", d.cosine_rel_adam}});
  j["geometry"] = nlohmann::json::array();
  for (const GeometryRow& g : a.geometry)
    j["geometry"].push_back({{"cell", cell_json(g.cell)}, {"lr", g.lr}, {"runs", g.runs}, {"matrices", g.matrices},
                             {"flatness", to_json(g.flatness)}, {"stable_rank", to_json(g.stable_rank)},
                             {"toy_bias", g.toy_bias}});
  j["ranks"] = nlohmann::json::array();
  for (const RankRow& r : a.ranks)
    j["ranks"].push_back({{"cell", cell_json(r.cell)}, {"lr", r.lr}, {"ratio", to_json(r.ratio)},
                          {"lrs_tried", r.lrs_tried}});
  j["checks"] = nlohmann::json::array();
  for (const Check& c : a.checks)
    j["checks"].push_back({{"id", c.id}, {"group", c.group}, {"statement", c.statement}, {"verdict", c.verdict},
                           {"holds", c.verdict == "holds"}, {"significance", c.significance}, {"detail", c.detail},
                           {"numbers", c.numbers}});
  j["holds"] = a.count("holds");
  j["violated"] = a.count("violated");
  return j;
}

}  // namespace muonlab::experiments
