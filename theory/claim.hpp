// A checkable claim: the paper's statements (and muonlab's own findings) as code.
//
// Each claim measures, over random instances, the largest discrepancy between a prediction and an independent
// computation, together with the tolerance that the working precision (and, for dynamics, the step-size
// schedule) allows. The verdict is three-valued (STYLE: Arb): a discrepancy above tolerance is only called
// "violated" when it survives a rerun at twice the precision without shrinking; otherwise "inconclusive".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace muonlab::theory {

enum class Verdict { holds, violated, inconclusive };
const char* to_string(Verdict v);

/// What `muonlab verify` asks of a claim.
struct ClaimSettings {
  unsigned digits = 50;     // working precision of Real
  int trials = 0;           // 0: the claim's own default
  std::uint64_t seed = 1;   // instances are a deterministic function of (seed, trial)
};

/// One measurement at one precision.
struct Measurement {
  int trials = 0;
  double max_error = 0;     // largest discrepancy seen (the claim says in what units)
  double tolerance = 0;     // what the precision allows; holds iff max_error <= tolerance
  bool exact = false;       // computed in exact arithmetic: any error > tolerance is a certain violation
  std::string witness;      // the worst instance (seed/trial and the numbers), for reproduction
  std::string note;         // anything worth printing (e.g. the answer to an open question)
  double worst_ratio = -1;  // max over trials of error/tolerance (internal bookkeeping of record())

  /// Records one trial: keeps the trial with the largest error/tolerance ratio as the reported one, so the
  /// claim holds iff every trial's error is within its own tolerance.
  void record(double error, double tol, const std::string& where);
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
  /// Runs the trials at settings.digits (the caller has set the working precision).
  virtual Measurement measure(const ClaimSettings& settings) const = 0;
};

/// Runs a claim and decides the verdict (including the doubled-precision recheck).
ClaimResult run_claim(const Claim& claim, const ClaimSettings& settings);

}  // namespace muonlab::theory
