// The optimizers make_optimizer knows: names, one-line descriptions, and the keys each accepts with their
// defaults and ranges (the single source for --help and docs/optimizers.md).
#pragma once

#include "solvers/hyperparams.hpp"

#include <string>
#include <vector>

namespace muonlab::solvers {

struct OptimizerInfo {
  std::string name;
  std::string description;
  std::string source;        // where the rule and its defaults come from
  std::vector<KeyInfo> keys;
  bool field_only = false;   // needs only + − × ÷ (runs in exact rationals)
};

const std::vector<OptimizerInfo>& optimizer_catalog();
/// The catalog entry for `name`; InputError listing the known names otherwise.
const OptimizerInfo& optimizer_info(const std::string& name);

}  // namespace muonlab::solvers
