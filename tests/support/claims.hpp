// Running one registered claim (theory/registry.hpp) from a test.
#pragma once

#include "theory/registry.hpp"

#include <string>

namespace muonlab::testing {

/// Runs the registered claim `id` at `digits` digits with `trials` trials (0: the claim's own default).
inline theory::ClaimResult run_claim_by_id(const std::string& id, unsigned digits, int trials = 0) {
  theory::ClaimSettings s;
  s.precision = spectral::Precision(digits);
  s.trials = trials;
  return theory::run_claim(*theory::select_claims({id}).front(), s);
}

}  // namespace muonlab::testing
