// What the optimizer-mismatch sweep computes from its results (paper §3, REFERENCE §5), with no LibTorch: every
// function here works on a list of SweepRecord, so the tables are unit-tested on hand-made summaries.
//
//   sweep curves (Figure 4)   per pretrained model × method × optimizer × LoRA rank × lr: PPL ratio over seeds
//   best lr (Table 8)         the lr of lowest mean ratio, and whether it sits at an edge of the grid
//   Table 1                   best mean ratio ± std and the gap to the matched optimizer of the same method
//   distance (Table 17)       L2 and cosine distance from the pretrained weights at the best lr, Adam = 1
//   geometry                  the toy theory at scale (Prop D.4/D.5): entry flatness and stable rank of ΔW
//   ranks (Figure 5)          the LoRA methods at each rank, at their best lr
//   checks                    the shape of REFERENCE §5 ((a) matched wins under full fine-tuning, (b) LoRA
//                             shrinks the gap, (c) the mismatched curve shifts left and up), the geometry, and
//                             (beyond the paper) whether AdaMuon's/NorMuon's toy-problem bias predicts their gaps.
//
// Statistics: the "ratio" is final / pretrained fine-tuning perplexity (lower is better). Over seeds: the mean and
// the sample standard deviation (n − 1; 0 for one seed). A diverged run counts as +∞: its lr's mean is +∞ and the
// lr cannot be best. A seed fixes the fine-tuning data order (and the adapter init), the same for every method, so
// two curves' best points are compared *paired by seed* when they share at least two seeds: the standard error of
// the difference is sd(d_s)/√n over the per-seed differences d_s, which removes the (large) data-order variation
// the two share; otherwise √(s₁²/n₁ + s₂²/n₂). A difference is called *significant* when it exceeds twice its
// standard error; verdicts are decided by the sign of the measured difference, and the significance is reported
// beside them, never hidden.
#pragma once  // Tested by tests/experiments/test_mismatch.cpp ("Table 1, Table 8, Figure 4, Table 17 and the checks on a hand-made sweep")

#include "experiments/mismatch_results.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Mean, sample std (n − 1) and range of one quantity over seeds. Any +∞ makes the mean +∞ and the std NaN.
struct SeedStats {
  int n = 0, diverged = 0;  // values, and how many were +∞
  double mean = kNaN, std = kNaN, min = kNaN, max = kNaN;
};
SeedStats seed_stats(const std::vector<double>& values);

/// √(s₁²/n₁ + s₂²/n₂): the standard error of a difference of two means (NaN when either n < 2 or a std is NaN).
double difference_se(const SeedStats& a, const SeedStats& b);
/// The standard error of mean(a) − mean(b) paired by seed: sd(a_s − b_s)/√n over the n common seeds (NaN when
/// n < 2 or a value is not finite).
double paired_se(const std::map<std::uint64_t, double>& a, const std::map<std::uint64_t, double>& b);

/// One sweep curve: a pretrained model, a fine-tuning method and optimizer, a LoRA rank (0 for full).
struct Cell {
  std::string pretrain, method, optimizer;
  int rank = 0;
  std::string label() const;  // "adam: lora-muon r8"
  bool operator<(const Cell& o) const {
    return std::tie(pretrain, method, optimizer, rank) < std::tie(o.pretrain, o.method, o.optimizer, o.rank);
  }
  bool operator==(const Cell& o) const {
    return std::tie(pretrain, method, optimizer, rank) == std::tie(o.pretrain, o.method, o.optimizer, o.rank);
  }
};

struct SweepPoint {  // Figure 4
  Cell cell;
  double lr = 0;
  SeedStats ratio, forgetting;  // PPL ratio; forgetting = pretraining-text bpb after − before
};

struct BestLr {  // Table 8
  Cell cell;
  double lr = kNaN;  // NaN when every lr diverged
  SeedStats ratio, forgetting;
  std::map<std::uint64_t, double> by_seed;  // the ratio of each seed at the best lr
  double grid_min = kNaN, grid_max = kNaN;
  int grid_points = 0;
  bool at_edge = false;  // the best lr is the smallest or largest swept: the grid may not bracket the optimum
};

struct Table1Row {
  Cell cell;
  BestLr best;
  std::string matched;  // the pretrained model's optimizer: the "matched" fine-tuning optimizer
  double gap = kNaN;    // best mean ratio − the matched optimizer's (same pretrained model, method, rank); 0 when matched
  double gap_se = kNaN;  // paired by seed where possible (see above)
  double paper_ratio = kNaN, paper_gap = kNaN;  // REFERENCE §5 (561M model, WikiText-2), muon and adam rows only
};

struct DistanceRow {  // Table 17
  Cell cell;
  double lr = kNaN;
  SeedStats l2, cosine;
  double l2_rel_adam = kNaN, cosine_rel_adam = kNaN;  // mean / Adam's mean on the same pretrained model and method
};

/// Entry flatness of an update, ‖ΔW‖max·√(mn)/‖ΔW‖F: 1 exactly when every entry has the same magnitude (a sign
/// matrix, SignGD/Adam's step), up to √(mn) for a single non-zero entry. NaN for ΔW = 0.
double entry_flatness(const MatrixUpdate& u, int rows, int cols);
/// The shape (out × in) of a hidden matrix of kind Q, K, V, O (C×C), MLP_up (4C×C), MLP_down (C×4C).
std::pair<int, int> hidden_matrix_shape(const std::string& kind, int n_embd);

struct GeometryRow {
  Cell cell;
  double lr = kNaN;
  int runs = 0, matrices = 0;   // best-lr runs (seeds) and hidden matrices per run with ΔW ≠ 0
  SeedStats flatness, stable_rank;  // per run: the mean over hidden matrices; then over runs
  std::string toy_bias;         // the optimizer's toy-problem limit: "max-norm" (Adam's) or "spectral" (Muon's)
};

struct RankRow {  // Figure 5: each LoRA method at each rank, at its best lr among those run at that rank
  Cell cell;
  double lr = kNaN;
  SeedStats ratio;
  int lrs_tried = 0;
};

struct Check {
  std::string id;         // e.g. "a/full/pretrain=adam"
  std::string group;      // shape-a | shape-b | shape-c-left | shape-c-up | geometry | toy-bias
  std::string statement;  // what holds when the verdict is holds
  std::string verdict;    // holds | violated
  std::string significance;  // yes | no | n/a (see the header comment)
  std::string detail;     // the numbers, in words
  nlohmann::json numbers;
};

struct MismatchAnalysis {
  int main_rank = 8;  // the LoRA rank of the main sweep (Table 1, Table 8, Figure 4)
  std::vector<SweepPoint> sweep;
  std::vector<BestLr> best;
  std::vector<Table1Row> table1;
  std::vector<DistanceRow> distance;
  std::vector<GeometryRow> geometry;
  std::vector<RankRow> ranks;
  std::vector<Check> checks;  // only those whose inputs exist
  int count(const std::string& verdict) const;
};

/// The paper's Table 1 ratio for a pretrained model × method × optimizer (REFERENCE §5), NaN if not reported.
double paper_ratio(const std::string& pretrain, const std::string& method, const std::string& optimizer);
/// The toy-problem bias of a matrix rule (README findings; claims bias-adam, bias-muon, bias-adamuon,
/// bias-normuon): "max-norm" (converges to W*_max, Adam's) or "spectral" (W*_2, Muon's).
std::string toy_bias(const std::string& optimizer);
/// The optimizer that shares a bias family's pretraining: max-norm → adam, spectral → muon.
std::string bias_family_optimizer(const std::string& bias);

/// Everything above from the records. `main_rank` selects the LoRA records of the main sweep; records at other
/// ranks feed only the rank study.
MismatchAnalysis analyze_mismatch(const std::vector<SweepRecord>& records, int main_rank);

/// The best lr of a cell, or NaN when the cell has no finite point (used by the sweep to plan the rank study).
double best_lr_of(const MismatchAnalysis& a, const Cell& cell);

nlohmann::json to_json(const SeedStats& s);
nlohmann::json to_json(const MismatchAnalysis& a);

}  // namespace muonlab::experiments
