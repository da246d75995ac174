// `muonlab verify` as a computation (docs/conventions.md, "Options -> Summary"): runs the selected claims of the
// registry and reports a verdict per claim (DESIGN.md, "The CLI contract").
#pragma once

#include "theory/claim.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace muonlab::theory {

struct VerifyOptions {
  std::vector<std::string> claims;         // ids; empty: all
  spectral::Precision precision{50};       // the project's default precision (docs/conventions.md)
  int trials = 0;                          // 0: each claim's own
  std::uint64_t seed = 1;
  /// Called before and after each claim (progress; the CLI prints it on stderr). May be empty.
  std::function<void(std::size_t index, std::size_t count, const Claim& claim, const ClaimResult* result)> progress;
  /// The message of the first problem (exit 2), empty when the options are valid (the claim ids included).
  std::string validate() const;
};

struct VerifySummary {
  spectral::Precision precision{50};
  std::uint64_t seed = 1;
  std::vector<ClaimResult> results;
  int violated = 0, inconclusive = 0;
  /// 0 every claim holds, 1 one is violated, 3 one is inconclusive (and none violated).
  int exit_code() const { return violated ? 1 : inconclusive ? 3 : 0; }
  std::string brief() const;
  nlohmann::json to_json() const;
};

/// Runs the claims; InputError (exit 2) on invalid options.
VerifySummary run_verify(const VerifyOptions& options);

/// "id  statement" per selected claim (--list); InputError on an unknown id.
std::string list_claims(const std::vector<std::string>& ids);

}  // namespace muonlab::theory
