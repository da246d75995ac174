// The optimizer names, written once for both backends: one enum, one name table (docs/optimizers.md).
//
// solvers/ (Eigen, any scalar) and nanochat/ (LibTorch) each keep one registry keyed by OptimizerId; a name means
// the same update rule in both. A variant is its base rule plus a preset of that rule's options (ensmallen's
// `using AdaMax = AdamType<AdaMaxUpdate>`): `adamw` is `adam` with wd = 0.01, `muon-moonlight` is `muon` with
// Moonlight's momentum, scale and weight decay. Where the torch backend's defaults differ from the Eigen ones, the
// difference is a documented option set of the same rule (`torch_preset`), never a different rule.
//
// Standard library only (no Eigen, no torch): the LibTorch-only build includes it from nanochat/.
#pragma once

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace muonlab::solvers {

/// The update rules, each written once per backend (solvers/<rule>.hpp on Eigen, nanochat/optim on torch).
enum class UpdateRule { gd, signgd, adam, muon, adamuon, normuon };

/// Every name an optimizer spec or --optimizer flag accepts (aliases resolve to one of these).
enum class OptimizerId { gd, signgd, adam, adamw, muon, muon_moonlight, muon_ideal, muonall, adamuon, normuon };

struct OptimizerName {
  OptimizerId id;
  std::string_view name;          // the canonical spelling, the one outputs print
  UpdateRule rule;                // the base rule
  std::string_view preset;        // the variant's options of the base rule ("key=value,..."; empty: the rule itself)
  bool torch;                     // runs as the hidden-matrix rule of `muonlab pretrain|finetune|mismatch`
  std::string_view torch_preset;  // the torch backend's defaults where they differ from `preset` (nanochat's)
};

// clang-format off
inline constexpr std::array<OptimizerName, 10> kOptimizerNames{{
    {OptimizerId::gd,             "gd",             UpdateRule::gd,      "",         false, ""},
    {OptimizerId::signgd,         "signgd",         UpdateRule::signgd,  "",         false, ""},
    // torch: nanochat's AdamW settings (Adam with decoupled weight decay --weight-decay, default 0)
    {OptimizerId::adam,           "adam",           UpdateRule::adam,    "",         true,  "beta1=0.8,beta2=0.95,eps=1e-10"},
    {OptimizerId::adamw,          "adamw",          UpdateRule::adam,    "wd=0.01",  false, ""},
    {OptimizerId::muon,           "muon",           UpdateRule::muon,    "",         true,  ""},
    // torch: the weight decay is --weight-decay (default 0), not Moonlight's 0.1
    {OptimizerId::muon_moonlight, "muon-moonlight", UpdateRule::muon,    "scaling=moonlight,momentum=classical,wd=0.1",
                                                                                     true,  "wd=0"},
    {OptimizerId::muon_ideal,     "muon-ideal",     UpdateRule::muon,    "ortho=polar,scaling=none,momentum=none,nesterov=0",
                                                                                     false, ""},
    {OptimizerId::muonall,        "muonall",        UpdateRule::muon,    "diag_vectors=1", false, ""},
    {OptimizerId::adamuon,        "adamuon",        UpdateRule::adamuon, "",         true,  ""},
    {OptimizerId::normuon,        "normuon",        UpdateRule::normuon, "",         true,  ""},
}};
// clang-format on

struct OptimizerAlias {
  std::string_view alias;
  OptimizerId id;
};

/// Other accepted spellings. `moonlight` and `muon-keller` are the torch side's `--muon-variant` words.
inline constexpr std::array<OptimizerAlias, 3> kOptimizerAliases{{
    {"moonlight", OptimizerId::muon_moonlight},
    {"muon_moonlight", OptimizerId::muon_moonlight},
    {"muon-keller", OptimizerId::muon},
}};

/// The table row of an id.
constexpr const OptimizerName& optimizer_row(OptimizerId id) {
  for (const auto& e : kOptimizerNames)
    if (e.id == id) return e;
  return kOptimizerNames[0];  // unreachable: every enumerator has a row (tests/solvers/test_optimizer_id.cpp)
}

/// The canonical name of an id.
constexpr std::string_view optimizer_name(OptimizerId id) { return optimizer_row(id).name; }

/// The id of a name or alias (ASCII case-insensitive); nullopt if unknown.
inline std::optional<OptimizerId> optimizer_id(std::string_view name) {
  std::string low(name);
  for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& e : kOptimizerNames)
    if (e.name == low) return e.id;
  for (const auto& a : kOptimizerAliases)
    if (a.alias == low) return a.id;
  return std::nullopt;
}

/// "gd, signgd, adam, ..." (canonical names, table order), for error messages.
inline std::string optimizer_names_text(bool torch_only = false) {
  std::string out;
  for (const auto& e : kOptimizerNames)
    if (!torch_only || e.torch) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

}  // namespace muonlab::solvers
