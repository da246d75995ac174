#include "experiments/mismatch_report.hpp"

#include "nanochat/checkpoint.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...
namespace {

// CSV number: empty when undefined, "inf" when diverged, else 6 significant digits.
std::string c(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.6g}", v);
}

// Markdown number: "—" when undefined.
std::string m(double v, int digits = 4) {
  if (std::isnan(v)) return "—";
  if (std::isinf(v)) return v > 0 ? "∞ (diverged)" : "−∞";
  return fmt::format("{:.{}f}", v, digits);
}

std::string pm(const SeedStats& s, int digits = 4) {
  if (s.n == 0) return "—";
  if (!std::isfinite(s.mean)) return m(s.mean, digits);
  return fmt::format("{} ± {} (n={})", m(s.mean, digits), m(s.std, digits), s.n);
}

std::string signed_num(double v, int digits = 4) {
  if (!std::isfinite(v)) return m(v, digits);
  return fmt::format("{:+.{}f}", v, digits);
}

// A CSV field of a count, a name or a flag, as fmt prints it.
template <class T>
std::string v(const T& x) {
  return fmt::format("{}", x);
}

// A CSV table: the header, then a line per row of its fields (already formatted), comma-separated.
template <class Row, class Fields>
std::string csv(const char* header, const std::vector<Row>& rows, Fields fields) {
  std::string s = std::string(header) + "\n";
  for (const Row& row : rows) {
    const std::vector<std::string> f = fields(row);
    for (std::size_t i = 0; i < f.size(); ++i) s += (i == 0 ? "" : ",") + f[i];
    s += '\n';
  }
  return s;
}

std::string cell_cols(const Cell& k) { return fmt::format("{},{},{},{}", k.pretrain, k.method, k.optimizer, k.rank); }

std::string method_label(const Cell& k) {
  return k.method == "lora" ? fmt::format("LoRA-{} (r={})", k.optimizer, k.rank) : "Full-" + k.optimizer;
}

std::string lr_text(double lr) { return std::isfinite(lr) ? format_lr(lr) : "—"; }

std::string geometry_verdict(const MismatchAnalysis& a, const Cell& k) {
  const std::string id = fmt::format("geometry/{}/pretrain={}", k.method, k.pretrain);
  for (const Check& ch : a.checks)
    if (ch.id == id) return ch.verdict;
  return "";
}

}  // namespace

std::string table1_csv(const MismatchAnalysis& a) {
  return csv(
      "pretrain,method,optimizer,rank,matched,best_lr,n_seeds,ratio_mean,ratio_std,gap,gap_se,forgetting_bpb,"
      "paper_ratio,paper_gap,lr_at_grid_edge",
      a.table1, [](const Table1Row& t) -> std::vector<std::string> {
        return {cell_cols(t.cell),         t.matched,           c(t.best.lr),   v(t.best.ratio.n),
                c(t.best.ratio.mean),      c(t.best.ratio.std), c(t.gap),       c(t.gap_se),
                c(t.best.forgetting.mean), c(t.paper_ratio),    c(t.paper_gap), v(t.best.at_edge ? 1 : 0)};
      });
}

std::string table1_markdown(const MismatchAnalysis& a) {
  std::string s =
      "| pretrained | method | best lr | PPL / pretrained PPL (mean ± std over seeds) | gap to matched (± se) | "
      "forgetting (Δ bpb) | paper | paper gap |\n|---|---|---|---|---|---|---|---|\n";
  for (const Table1Row& t : a.table1) {
    const bool matched = t.cell.optimizer == t.matched;
    s += fmt::format("| {} | {}{} | {}{} | {} | {} | {} | {} | {} |\n", t.cell.pretrain, method_label(t.cell),
                     matched ? " (matched)" : "", lr_text(t.best.lr), t.best.at_edge ? " (grid edge)" : "",
                     pm(t.best.ratio), matched || !std::isfinite(t.gap) ? "—" : fmt::format("{} ± {}", signed_num(t.gap), m(t.gap_se)),
                     m(t.best.forgetting.mean), m(t.paper_ratio, 3), matched ? "—" : signed_num(t.paper_gap, 3));
  }
  return s;
}

std::string best_lr_csv(const MismatchAnalysis& a) {
  return csv(
      "pretrain,method,optimizer,rank,best_lr,n_seeds,ratio_mean,ratio_std,grid_min,grid_max,grid_points,"
      "at_edge",
      a.best, [](const BestLr& b) -> std::vector<std::string> {
        return {cell_cols(b.cell), c(b.lr),       v(b.ratio.n),     c(b.ratio.mean),     c(b.ratio.std),
                c(b.grid_min),     c(b.grid_max), v(b.grid_points), v(b.at_edge ? 1 : 0)};
      });
}

std::string sweep_csv(const MismatchAnalysis& a) {
  return csv(
      "pretrain,method,optimizer,rank,lr,n_seeds,ratio_mean,ratio_std,ratio_min,ratio_max,diverged,"
      "forgetting_mean,forgetting_std",
      a.sweep, [](const SweepPoint& p) -> std::vector<std::string> {
        return {cell_cols(p.cell), c(p.lr),        v(p.ratio.n),        c(p.ratio.mean),      c(p.ratio.std),
                c(p.ratio.min),    c(p.ratio.max), v(p.ratio.diverged), c(p.forgetting.mean), c(p.forgetting.std)};
      });
}

std::string distance_csv(const MismatchAnalysis& a) {
  return csv(
      "pretrain,method,optimizer,rank,best_lr,n_seeds,l2_mean,l2_std,cosine_mean,cosine_std,l2_rel_adam,"
      "cosine_rel_adam",
      a.distance, [](const DistanceRow& d) -> std::vector<std::string> {
        return {cell_cols(d.cell), c(d.lr),         v(d.l2.n),        c(d.l2.mean),        c(d.l2.std),
                c(d.cosine.mean),  c(d.cosine.std), c(d.l2_rel_adam), c(d.cosine_rel_adam)};
      });
}

std::string geometry_csv(const MismatchAnalysis& a) {
  return csv(
      "pretrain,method,optimizer,rank,best_lr,runs,matrices,flatness_mean,flatness_std,stable_rank_mean,"
      "stable_rank_std,toy_bias,verdict",
      a.geometry, [&a](const GeometryRow& g) -> std::vector<std::string> {
        return {cell_cols(g.cell),
                c(g.lr),
                v(g.runs),
                v(g.matrices),
                c(g.flatness.mean),
                c(g.flatness.std),
                c(g.stable_rank.mean),
                c(g.stable_rank.std),
                g.toy_bias,
                geometry_verdict(a, g.cell)};
      });
}

std::string ranks_csv(const MismatchAnalysis& a) {
  return csv("pretrain,method,optimizer,rank,lr,n_seeds,ratio_mean,ratio_std,lrs_tried", a.ranks,
             [](const RankRow& r) -> std::vector<std::string> {
               return {cell_cols(r.cell), c(r.lr), v(r.ratio.n), c(r.ratio.mean), c(r.ratio.std), v(r.lrs_tried)};
             });
}

std::string summary_markdown(const MismatchAnalysis& a, const nlohmann::json& settings, const std::string& progress) {
  std::string s = fmt::format("# Optimizer-mismatch sweep (preset {})\n\n{}\n\n",
                              settings.value("preset", std::string("?")), progress);
  s += "Fine-tuning perplexity (token level, held-out fine-tuning text) divided by the pretrained model's on the same "
       "windows: lower is better. Mean ± sample std over seeds; a gap is the difference of two means and its "
       "standard error √(s₁²/n₁ + s₂²/n₂); *significant* means larger than twice that. Settings:\n\n```json\n" +
       settings.dump(2) + "\n```\n\n";
  s += "## Table 1: best PPL ratio per pretrained model and method (paper: 561M model, WikiText-2)\n\n" +
       table1_markdown(a) + "\n";

  s += "## The shape of REFERENCE §5, and the rest of the checks\n\n";
  if (a.checks.empty()) s += "No check can be evaluated yet (each needs both pretrained models or both optimizers).\n";
  for (const Check& ch : a.checks)
    s += fmt::format("- `{}` **{}** (significant: {}): {}. {}.\n", ch.id, ch.verdict, ch.significance, ch.statement,
                     ch.detail);
  s += fmt::format("\n{} hold, {} violated.\n\n", a.count("holds"), a.count("violated"));

  s += "## Best learning rates (Table 8)\n\n| curve | best lr | ratio | grid | note |\n|---|---|---|---|---|\n";
  for (const BestLr& b : a.best)
    s += fmt::format("| {} | {} | {} | {} points, {} … {} | {} |\n", b.cell.label(), lr_text(b.lr), pm(b.ratio),
                     b.grid_points, lr_text(b.grid_min), lr_text(b.grid_max),
                     b.at_edge ? "best at a grid edge: the grid may not bracket the optimum" : "");

  s += "\n## Distance from the pretrained weights at the best lr (Table 17; Adam = 1)\n\n"
       "| curve | L2 | cosine distance | L2 / Adam's | cosine / Adam's |\n|---|---|---|---|---|\n";
  for (const DistanceRow& d : a.distance)
    s += fmt::format("| {} | {} | {} | {} | {} |\n", d.cell.label(), pm(d.l2), pm(d.cosine, 6), m(d.l2_rel_adam, 3),
                     m(d.cosine_rel_adam, 3));

  s += "\n## Update geometry at the best lr (the toy theory at scale, Prop D.4/D.5)\n\n"
       "Entry flatness ‖ΔW‖max·√(mn)/‖ΔW‖F (1 = every entry the same magnitude, as a sign matrix) and stable rank "
       "‖ΔW‖F²/‖ΔW‖2², each the mean over the hidden matrices of a run, then over seeds. The theory predicts Adam-family "
       "updates the flatter and Muon-family updates the higher in stable rank.\n\n"
       "| curve | toy bias | flatness | stable rank | verdict |\n|---|---|---|---|---|\n";
  for (const GeometryRow& g : a.geometry)
    s += fmt::format("| {} | {} | {} | {} | {} |\n", g.cell.label(), g.toy_bias, pm(g.flatness, 3),
                     pm(g.stable_rank, 2), geometry_verdict(a, g.cell));

  s += "\n## Rank study (LoRA methods at their best lr at each rank)\n\n";
  if (a.ranks.empty()) {
    s += "Not run (`--ranks`).\n";
  } else {
    s += "| curve | lr | ratio | lrs run at this rank |\n|---|---|---|---|\n";
    for (const RankRow& r : a.ranks)
      s += fmt::format("| {} | {} | {} | {} |\n", r.cell.label(), lr_text(r.lr), pm(r.ratio), r.lrs_tried);
  }

  s += "\n## Beyond the paper: does the toy-problem bias predict the mismatch?\n\n";
  bool any = false;
  for (const Check& ch : a.checks) {
    if (ch.group != "toy-bias") continue;
    any = true;
    s += fmt::format("- {}: **{}** ({}).\n", ch.statement, ch.verdict, ch.detail);
  }
  if (!any) s += "AdaMuon and NorMuon were not swept on both pretrained models (`--optimizers muon,adam,adamuon,normuon`).\n";
  return s;
}

void write_mismatch_outputs(const std::string& dir, const MismatchAnalysis& a, const nlohmann::json& settings,
                            const std::string& progress) {
  const std::filesystem::path d(dir);
  write_text_atomic((d / "table1.csv").string(), table1_csv(a));
  write_text_atomic((d / "table1.md").string(), table1_markdown(a));
  write_text_atomic((d / "best_lr.csv").string(), best_lr_csv(a));
  write_text_atomic((d / "sweep.csv").string(), sweep_csv(a));
  write_text_atomic((d / "distance.csv").string(), distance_csv(a));
  write_text_atomic((d / "geometry.csv").string(), geometry_csv(a));
  write_text_atomic((d / "ranks.csv").string(), ranks_csv(a));
  nlohmann::json j = to_json(a);
  j["settings"] = settings;
  j["progress"] = progress;
  write_text_atomic((d / "summary.json").string(), j.dump(2) + "\n");
  write_text_atomic((d / "summary.md").string(), summary_markdown(a, settings, progress));
}

}  // namespace muonlab::experiments
