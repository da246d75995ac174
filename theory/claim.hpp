// A checkable claim: the paper's statements (and muonlab's own findings) as code.
//
// Each claim measures, over random instances, the largest discrepancy between a prediction and an independent
// computation, together with the tolerance that the working precision (and, for dynamics, the step-size
// schedule) allows. The verdict is three-valued (STYLE: Arb): a discrepancy above tolerance is only called
// "violated" when it survives a rerun at twice the precision without shrinking; otherwise "inconclusive".
//
// Precision. A claim receives the precision as a value (settings.precision, spectral/precision.hpp); run_claim opens
// its MPFR scope once, so every `Real` the claim creates has the working precision. Errors and tolerances are `Real`s
// of the working precision (a `double` underflows below 1e-308) and derive from the precision's named rounding
// bounds: `s.precision.tolerance(n, spectral::rounding::kSvd)`. A NaN or an infinity never reaches a verdict:
// record() refuses it, and run_claim turns that into an internal error naming the claim (exit 4).
#pragma once

#include "spectral/precision.hpp"
#include "spectral/scalar.hpp"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace muonlab::theory {

enum class Verdict { holds, violated, inconclusive };
const char* to_string(Verdict v);

/// What `muonlab verify` asks of a claim.
struct ClaimSettings {
  spectral::Precision precision{50};  // the working precision of Real (run_claim opens its scope)
  int trials = 0;                     // 0: the claim's own default
  std::uint64_t seed = 1;             // instances are a deterministic function of (seed, trial)
};

/// Where a check stands, for its record: "seed S trial T: what" (reproduce it with --seed S).
inline std::string at_trial(const ClaimSettings& s, int t, const std::string& what) {
  return "seed " + std::to_string(s.seed) + " trial " + std::to_string(t) + ": " + what;
}

/// A computation inside a claim produced a NaN or an infinity where a number was needed: a bug in the claim or
/// below it, never a verdict. run_claim adds the claim's id; the CLI reports it as an internal error (exit 4).
class NonFiniteError : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

/// One measurement at one precision: every check of every trial, and the one that is reported.
///
/// A claim calls record(error, tolerance, where, quantity) for each check; the claim holds iff every check has
/// error <= tolerance. The reported row (max_error, tolerance, quantity, witness) is the check with the largest
/// error/tolerance ratio, so the row always shows a quantity and its own allowance, in the unit the quantity names.
/// require() adds a side condition (e.g. "the other candidate stays half the gap away"): it decides the verdict like
/// a record, but is the reported row only when it fails and is the worst check.
struct Measurement {
  int trials = 0;            // instances run (run_claim fills in the settings' count when a claim leaves 0)
  Real max_error = 0;        // the reported check's value (working precision; never rounded through double)
  Real tolerance = 0;        // what it allows; holds iff max_error <= tolerance
  std::string quantity;      // what max_error and tolerance measure, e.g. "relative error", "rel. distance to W*_2"
  std::string unit = "error";  // the quantity of checks recorded without one (a claim sets it once)
  bool exact = false;        // computed in exact arithmetic: any error > tolerance is a certain violation
  std::string witness;       // the worst instance (seed/trial and the numbers), for reproduction
  std::string note;          // anything worth printing (e.g. the answer to an open question)

  /// One check: holds iff error <= tol (tol >= 0). Throws NonFiniteError when either is NaN or infinite, or tol < 0.
  void record(const Real& error, const Real& tol, const std::string& where, const std::string& quantity = {});
  /// A side condition (see above).
  void require(const Real& error, const Real& tol, const std::string& where, const std::string& quantity);
  /// Every check so far holds.
  bool within() const;
  /// The largest error/tolerance ratio over all checks (0 when none; +inf for an error above a zero tolerance).
  Real worst_ratio() const;
  bool empty() const { return checks_ == 0; }

private:
  struct Slot {
    bool set = false;
    Real error = 0, tol = 0, ratio = 0;
    std::string where, quantity;
  };
  void consider(Slot& slot, const Real& error, const Real& tol, const std::string& where, const std::string& quantity);
  void publish();
  Slot primary_, side_;
  long checks_ = 0;
};

/// The reported result of a claim (see DESIGN.md's JSON contract).
struct ClaimResult {
  std::string id;
  std::string statement;
  unsigned digits = 0;
  Measurement measured;
  Verdict verdict = Verdict::inconclusive;
  std::string reason;       // why the verdict (esp. for inconclusive/violated)
  double seconds = 0;
  bool holds() const { return verdict == Verdict::holds; }
};

class Claim {
public:
  virtual ~Claim() = default;
  /// Stable identifier, e.g. "thm-3.1".
  virtual std::string id() const = 0;
  /// The statement in words, with the paper's numbering.
  virtual std::string statement() const = 0;
  /// Trials used when the caller passes 0.
  virtual int default_trials() const { return 10; }
  /// Runs the trials at settings.precision (run_claim has opened its scope; do not open another except for a
  /// deliberate reference computation at settings.precision.plus(k)).
  virtual Measurement measure(const ClaimSettings& settings) const = 0;
};

/// Runs a claim and decides the verdict (including the doubled-precision recheck). A NonFiniteError inside the
/// claim is rethrown as NonFiniteError naming the claim; InputError and NumericalError keep their type and gain
/// the claim's id; any other exception (a bug) becomes a std::runtime_error naming the claim (exit 4).
ClaimResult run_claim(const Claim& claim, const ClaimSettings& settings);

}  // namespace muonlab::theory
