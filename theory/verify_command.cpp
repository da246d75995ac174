#include "theory/verify_command.hpp"

#include "spectral/errors.hpp"
#include "theory/registry.hpp"

#include <fmt/core.h>

namespace muonlab::theory {
namespace {

/// Errors and tolerances are printed from the working precision, never through double: 3.20e-2871 stays itself.
std::string sci(const Real& x, unsigned significant) { return spectral::to_scientific(x, significant); }

nlohmann::json result_json(const ClaimResult& r) {
  // max_error and tolerance are decimal strings (docs/conventions.md: multiprecision numbers in JSON are strings),
  // since they can lie far outside the range of a JSON/double number; `quantity` says what they measure.
  nlohmann::json j{{"id", r.id},
                   {"statement", r.statement},
                   {"digits", r.digits},
                   {"trials", r.measured.trials},
                   {"max_error", sci(r.measured.max_error, 6)},
                   {"tolerance", sci(r.measured.tolerance, 6)},
                   {"quantity", r.measured.quantity},
                   {"verdict", to_string(r.verdict)},
                   {"holds", r.holds()},
                   {"exact", r.measured.exact},
                   {"witness", r.measured.witness},
                   {"seconds", r.seconds}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (!r.measured.note.empty()) j["note"] = r.measured.note;
  return j;
}

}  // namespace

std::string VerifyOptions::validate() const {
  if (trials < 0) return "--trials must be >= 1";
  try {
    select_claims(claims);
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

VerifySummary run_verify(const VerifyOptions& o) {
  if (const std::string e = o.validate(); !e.empty()) throw InputError(e);
  const auto selected = select_claims(o.claims);
  ClaimSettings s;
  s.precision = o.precision;
  s.trials = o.trials;
  s.seed = o.seed;
  VerifySummary v;
  v.precision = o.precision;
  v.seed = o.seed;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    if (o.progress) o.progress(i, selected.size(), *selected[i], nullptr);
    v.results.push_back(run_claim(*selected[i], s));
    const ClaimResult& r = v.results.back();
    if (o.progress) o.progress(i, selected.size(), *selected[i], &r);
    if (r.verdict == Verdict::violated) ++v.violated;
    if (r.verdict == Verdict::inconclusive) ++v.inconclusive;
  }
  return v;
}

std::string list_claims(const std::vector<std::string>& ids) {
  std::string out;
  for (const Claim* c : select_claims(ids)) out += fmt::format("{:<22} {}\n", c->id(), c->statement());
  return out;
}

std::string VerifySummary::brief() const {
  // Each row: the reported check's value and its own allowance, in the unit `measures` names.
  std::string out = fmt::format("{:<22} {:>6} {:>11} {:>11}  {:<12} {}\n", "claim", "trials", "max_error",
                                "tolerance", "verdict", "measures | note");
  for (const ClaimResult& r : results) {
    const std::string note = r.reason.empty() ? r.measured.note : r.reason;
    out += fmt::format("{:<22} {:>6} {:>11} {:>11}  {:<12} {}{}\n", r.id, r.measured.trials,
                       sci(r.measured.max_error, 3), sci(r.measured.tolerance, 3), to_string(r.verdict),
                       r.measured.quantity, note.empty() ? std::string() : " | " + note);
    if (!r.holds()) out += fmt::format("{:<22} witness: {}\n", "", r.measured.witness);
  }
  out += fmt::format("{} claim(s) ran at {} digits (seed {}): {} hold, {} violated, {} inconclusive\n", results.size(),
                     precision.digits(), seed, results.size() - violated - inconclusive, violated, inconclusive);
  return out;
}

nlohmann::json VerifySummary::to_json() const {
  nlohmann::json out{{"digits", precision.digits()}, {"seed", seed}, {"claims", nlohmann::json::array()}};
  for (const ClaimResult& r : results) out["claims"].push_back(result_json(r));
  out["summary"] = {{"claims", results.size()}, {"violated", violated}, {"inconclusive", inconclusive}};
  return out;
}

}  // namespace muonlab::theory
