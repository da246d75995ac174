// The optimizer-mismatch sweep's output files, rendered from a MismatchAnalysis (experiments/mismatch_tables.hpp):
//
//   table1.csv, table1.md   Table 1: best PPL ratio ± std per pretrained model × method, gap to the matched
//                           optimizer, the paper's values beside them
//   best_lr.csv             Table 8          sweep.csv      Figure 4 (mean ± std ratio per lr)
//   distance.csv            Table 17 (Adam = 1 within each pretrained model × method)
//   geometry.csv            entry flatness and stable rank of ΔW at the best lr, with the verdict per group
//   ranks.csv               the rank study    summary.json   the whole analysis    summary.md   all of it, in words
//
// In CSV an undefined number is an empty field and a diverged mean is "inf".
#pragma once  // Tested by tests/experiments/test_mismatch.cpp ("Table 1, Table 8, Figure 4, Table 17 and the checks on a hand-made sweep")

#include "experiments/mismatch_tables.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace muonlab::experiments {
using namespace nanochat;  // built on the model library: FinetuneConfig, PretrainRequest, run directories, ...

std::string table1_csv(const MismatchAnalysis& a);
std::string table1_markdown(const MismatchAnalysis& a);
std::string best_lr_csv(const MismatchAnalysis& a);
std::string sweep_csv(const MismatchAnalysis& a);
std::string distance_csv(const MismatchAnalysis& a);
std::string geometry_csv(const MismatchAnalysis& a);
std::string ranks_csv(const MismatchAnalysis& a);
/// Everything, for a reader: `settings` (the sweep's sweep.json: preset, sizes, grids, pretrained runs) heads it,
/// `progress` says how many runs are done of how many planned.
std::string summary_markdown(const MismatchAnalysis& a, const nlohmann::json& settings, const std::string& progress);

/// Writes every file above into `dir`, each atomically.
void write_mismatch_outputs(const std::string& dir, const MismatchAnalysis& a, const nlohmann::json& settings,
                            const std::string& progress);

}  // namespace muonlab::experiments
