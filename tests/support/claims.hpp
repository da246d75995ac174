// Running one registered claim (theory/registry.hpp) from a test, and checking that it holds.
#pragma once

#include "theory/registry.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace muonlab::testing {

/// Runs the registered claim `id` at `digits` digits with `trials` trials (0: the claim's own default).
inline theory::ClaimResult run_claim_by_id(const std::string& id, unsigned digits, int trials = 0) {
  theory::ClaimSettings s;
  s.precision = spectral::Precision(digits);
  s.trials = trials;
  return theory::run_claim(*theory::select_claims({id}).front(), s);
}

/// A claim result in one line, for INFO: id and digits, verdict and reason, the reported row and its witness.
inline std::string describe(const theory::ClaimResult& r) {
  return r.id + " at " + std::to_string(r.digits) + " digits: " + theory::to_string(r.verdict) + " " + r.reason +
         " | " + r.measured.quantity + " " + spectral::to_scientific(r.measured.max_error) + " vs " +
         spectral::to_scientific(r.measured.tolerance) + " | " + r.measured.witness;
}

/// run_claim_by_id, checking that the claim holds and ran the trials asked (when > 0); a failed check shows
/// describe(r). Returns the result for further checks.
inline theory::ClaimResult check_claim_holds(const std::string& id, unsigned digits, int trials = 0) {
  const theory::ClaimResult r = run_claim_by_id(id, digits, trials);
  INFO(describe(r));
  CHECK(r.verdict == theory::Verdict::holds);
  if (trials > 0) CHECK(r.measured.trials == trials);
  return r;
}

/// Checks that claim `id`'s tolerance is a rounding bound C·n·u of the working precision: one trial at 30 and at 60
/// digits (the same seed, so the same instances) both hold, and the tolerance shrinks by 10^-30 up to the rounding
/// of the bit counts (a factor 2^(±2)), i.e. by a ratio in (1e-31, 1e-29).
inline void check_tolerance_follows_precision(const std::string& id) {
  const theory::ClaimResult lo = run_claim_by_id(id, 30, 1), hi = run_claim_by_id(id, 60, 1);
  REQUIRE(lo.verdict == theory::Verdict::holds);
  REQUIRE(hi.verdict == theory::Verdict::holds);
  auto scope = spectral::Precision(60).scope();
  const Real ratio = hi.measured.tolerance / lo.measured.tolerance;
  INFO(id << ": " << spectral::to_scientific(lo.measured.tolerance) << " -> "
          << spectral::to_scientific(hi.measured.tolerance));
  CHECK(lo.measured.tolerance > 0);
  CHECK(ratio < Real("1e-29"));
  CHECK(ratio > Real("1e-31"));
}

}  // namespace muonlab::testing
