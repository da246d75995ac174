// The torch backend's view of the shared optimizer names (solvers/optimizer_id.hpp, standard library only, so the
// LibTorch-only build includes it): which names run as the hidden-matrix rule, and how a name maps onto a run
// config's `optimizer` (a typed id) and `muon_variant`; config.json and every output spell the id by its name.
//
// `muon-moonlight` (the Eigen name) is `optimizer = muon, muon_variant = moonlight` here; `--muon-variant moonlight`
// stays accepted. `adam` is the same rule as the Eigen `adam` with nanochat's options (docs/optimizers.md).
#pragma once

#include "solvers/optimizer_id.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::nanochat {

/// The rules a config's `optimizer` may name: the torch rules without a preset (adam, muon, adamuon, normuon).
inline bool is_torch_rule(solvers::OptimizerId id) {
  const auto& row = solvers::optimizer_row(id);
  return row.torch && row.preset.empty();
}

/// The shared id of a config's (optimizer, muon_variant); nullopt unless `optimizer` is the canonical name of a
/// torch rule. The Muon variant picks muon or muon-moonlight.
inline std::optional<solvers::OptimizerId> torch_optimizer_id(const std::string& optimizer,
                                                              const std::string& muon_variant = "keller") {
  const auto id = solvers::optimizer_id(optimizer);
  if (!id || !is_torch_rule(*id) || solvers::optimizer_name(*id) != optimizer) return std::nullopt;
  if (*id == solvers::OptimizerId::muon && muon_variant == "moonlight") return solvers::OptimizerId::muon_moonlight;
  return id;
}

/// The same, for a name already validated: throws std::invalid_argument (a bad input) otherwise.
inline solvers::OptimizerId torch_rule_id(const std::string& optimizer) {
  const auto id = torch_optimizer_id(optimizer);
  if (!id) throw std::invalid_argument("unknown optimizer '" + optimizer + "' (muon, adam, adamuon or normuon)");
  return *id;
}

/// The message of a `what` (a flag or a file's field) naming something that is not a torch rule.
inline std::string not_a_torch_rule(const std::string& what, const std::string& name) {
  return what + " must be muon, adam, adamuon or normuon, got '" + name + "'";
}

/// The canonical name of an id as a string (config.json, summaries, run directory names).
inline std::string optimizer_text(solvers::OptimizerId id) { return std::string(solvers::optimizer_name(id)); }

/// The shared id of a config's rule and Muon variant: muon with the moonlight variant is muon-moonlight.
inline solvers::OptimizerId with_variant(solvers::OptimizerId rule, const std::string& muon_variant) {
  return rule == solvers::OptimizerId::muon && muon_variant == "moonlight" ? solvers::OptimizerId::muon_moonlight
                                                                            : rule;
}

/// The spellings a command's --optimizer accepts: the torch rules and, with `variants`, their variants and every
/// alias of either (`muon-moonlight`, `moonlight`, `muon-keller`, …).
inline std::vector<std::string> torch_optimizer_spellings(bool variants) {
  std::vector<std::string> out;
  for (const auto& row : solvers::kOptimizerNames)
    if (variants ? row.torch : is_torch_rule(row.id)) out.emplace_back(row.name);
  if (variants)
    for (const auto& a : solvers::kOptimizerAliases)
      if (solvers::optimizer_row(a.id).torch) out.emplace_back(a.alias);
  return out;
}

/// A name or alias as the config's (optimizer, muon_variant); the variant is empty when the name does not choose
/// one. "muon-moonlight" → (muon, "moonlight"), "muon-keller" → (muon, "keller"), "adam" → (adam, "").
inline std::pair<solvers::OptimizerId, std::string> torch_config_names(const std::string& name) {
  const auto id = solvers::optimizer_id(name);
  if (!id || !solvers::optimizer_row(*id).torch) throw std::invalid_argument("unknown optimizer '" + name + "'");
  if (*id == solvers::OptimizerId::muon_moonlight) return {solvers::OptimizerId::muon, "moonlight"};
  return {*id, *id == solvers::OptimizerId::muon && solvers::optimizer_name(*id) != name ? "keller" : ""};
}

}  // namespace muonlab::nanochat
