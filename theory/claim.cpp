#include "theory/claim.hpp"

#include "spectral/scalar.hpp"

#include <chrono>
#include <cmath>

namespace muonlab::theory {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

void Measurement::record(double error, double tol, const std::string& where) {
  ++trials;
  double ratio = tol > 0 ? error / tol : (error > 0 ? INFINITY : 0.0);
  if (!std::isfinite(error)) ratio = INFINITY;
  if (ratio > worst_ratio || worst_ratio < 0) {
    worst_ratio = ratio;
    max_error = error;
    tolerance = tol;
    witness = where;
  }
}

namespace {
bool within(const Measurement& m) { return std::isfinite(m.max_error) && m.max_error <= m.tolerance; }
}  // namespace

ClaimResult run_claim(const Claim& claim, const ClaimSettings& settings) {
  const auto t0 = std::chrono::steady_clock::now();
  ClaimResult r;
  r.id = claim.id();
  r.statement = claim.statement();
  r.digits = settings.digits;
  ClaimSettings s = settings;
  if (s.trials <= 0) s.trials = claim.default_trials();
  {
    PrecisionScope scope(s.digits);
    r.measured = claim.measure(s);
  }
  if (within(r.measured)) {
    r.verdict = Verdict::holds;
  } else if (r.measured.exact) {
    r.verdict = Verdict::violated;
    r.reason = "exact arithmetic: the discrepancy is not rounding";
  } else {
    // A rounded comparison never proves a violation by itself: recheck at twice the precision. A discrepancy
    // that is rounding shrinks by about 10^-digits; one that is real stays put.
    ClaimSettings twice = s;
    twice.digits = std::min(2 * s.digits, kMaxDigits);
    Measurement m2;
    {
      PrecisionScope scope(twice.digits);
      m2 = claim.measure(twice);
    }
    if (within(m2)) {
      r.verdict = Verdict::inconclusive;
      r.reason = "holds at " + std::to_string(twice.digits) + " digits but not at " + std::to_string(s.digits) +
                 ": precision too low for this tolerance";
    } else if (std::isfinite(m2.max_error) && m2.max_error > 0.5 * r.measured.max_error) {
      r.verdict = Verdict::violated;
      r.reason = "the discrepancy persists at " + std::to_string(twice.digits) + " digits (" +
                 muonlab::to_string(m2.max_error, 3) + ")";
    } else {
      r.verdict = Verdict::inconclusive;
      r.reason = "discrepancy above tolerance that shrinks with precision";
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace muonlab::theory
