#include "theory/claim.hpp"

#include "spectral/errors.hpp"

#include <chrono>

namespace muonlab::theory {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

namespace {

bool finite(const Real& x) { return muonlab::is_finite(x); }

/// error/tol in the working precision: 0 when both are 0, +inf for an error above a zero tolerance.
Real ratio_of(const Real& error, const Real& tol) {
  if (tol > 0) return error / tol;
  if (error > 0) return std::numeric_limits<Real>::infinity();
  return Real(0);
}

}  // namespace

void Measurement::consider(Slot& slot, const Real& error, const Real& tol, const std::string& where,
                           const std::string& q) {
  const std::string label = q.empty() ? unit : q;
  if (!finite(error) || !finite(tol) || tol < 0)
    throw NonFiniteError("the check '" + label + "' computed error " + spectral::to_scientific(error) +
                         " against tolerance " + spectral::to_scientific(tol) + " (" + where + ")");
  ++checks_;
  const Real r = ratio_of(error, tol);
  if (!slot.set || r > slot.ratio) {
    slot.set = true;
    slot.error = error;
    slot.tol = tol;
    slot.ratio = r;
    slot.where = where;
    slot.quantity = label;
  }
  publish();
}

void Measurement::publish() {
  // The primary checks are reported unless a side condition fails and is worse than all of them.
  const bool show_side = side_.set && (!primary_.set || (side_.ratio > 1 && side_.ratio > primary_.ratio));
  const Slot& s = show_side ? side_ : primary_;
  max_error = s.error;
  tolerance = s.tol;
  witness = s.where;
  quantity = s.quantity;
}

void Measurement::record(const Real& error, const Real& tol, const std::string& where, const std::string& q) {
  consider(primary_, error, tol, where, q);
}

void Measurement::require(const Real& error, const Real& tol, const std::string& where, const std::string& q) {
  consider(side_, error, tol, where, q);
}

Real Measurement::worst_ratio() const {
  Real w = 0;
  if (primary_.set) w = primary_.ratio;
  if (side_.set && side_.ratio > w) w = side_.ratio;
  return w;
}

bool Measurement::within() const {
  if (checks_ == 0) return finite(max_error) && finite(tolerance) && max_error <= tolerance;
  return worst_ratio() <= 1;
}

namespace {

Measurement measure_at(const Claim& claim, const ClaimSettings& s) {
  try {
    auto scope = s.precision.scope();  // the one MPFR scope of this computation
    Measurement m = claim.measure(s);
    if (m.trials <= 0) m.trials = s.trials;
    if (!finite(m.max_error) || !finite(m.tolerance))  // a claim that set the fields by hand
      throw NonFiniteError("reported error " + spectral::to_scientific(m.max_error) + " against tolerance " +
                           spectral::to_scientific(m.tolerance));
    return m;
  } catch (const NonFiniteError& e) {
    throw NonFiniteError("claim " + claim.id() + " at " + std::to_string(s.precision.digits()) +
                         " digits: " + e.what() + "; a NaN or infinity never reaches a verdict (please report this bug)");
  } catch (const NumericalError& e) {
    throw NumericalError("claim " + claim.id() + " at " + std::to_string(s.precision.digits()) + " digits: " + e.what());
  } catch (const InputError& e) {
    throw InputError("claim " + claim.id() + ": " + e.what());
  } catch (const std::invalid_argument&) {
    throw;  // bad input (exit 2), already worded for the user
  } catch (const std::exception& e) {
    // Anything else is a bug below the claim: keep it an internal error (exit 4), but say which claim hit it.
    throw std::runtime_error("claim " + claim.id() + " at " + std::to_string(s.precision.digits()) + " digits: " +
                             e.what());
  }
}

}  // namespace

ClaimResult run_claim(const Claim& claim, const ClaimSettings& settings) {
  const auto t0 = std::chrono::steady_clock::now();
  ClaimResult r;
  r.id = claim.id();
  r.statement = claim.statement();
  r.digits = settings.precision.digits();
  ClaimSettings s = settings;
  if (s.trials <= 0) s.trials = claim.default_trials();
  r.measured = measure_at(claim, s);
  if (r.measured.within()) {
    r.verdict = Verdict::holds;
  } else if (r.measured.exact) {
    r.verdict = Verdict::violated;
    r.reason = "exact arithmetic: the discrepancy is not rounding";
  } else {
    // A rounded comparison never proves a violation by itself: recheck at twice the precision. A discrepancy
    // that is rounding shrinks by about 10^-digits; one that is real stays put.
    ClaimSettings twice = s;
    twice.precision = s.precision.times(2);
    const Measurement m2 = measure_at(claim, twice);
    if (m2.within()) {
      r.verdict = Verdict::inconclusive;
      r.reason = "holds at " + std::to_string(twice.precision.digits()) + " digits but not at " +
                 std::to_string(s.precision.digits()) + ": precision too low for this tolerance";
    } else if (m2.max_error > r.measured.max_error / 2) {
      r.verdict = Verdict::violated;
      r.reason = "the discrepancy persists at " + std::to_string(twice.precision.digits()) + " digits (" +
                 spectral::to_scientific(m2.max_error) + ")";
    } else {
      r.verdict = Verdict::inconclusive;
      r.reason = "discrepancy above tolerance that shrinks with precision";
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace muonlab::theory
