// muonlab verify: runs the registry of claims and reports a verdict per claim.
#include "cli/commands.hpp"
#include "spectral/precision.hpp"
#include "spectral/scalar.hpp"
#include "theory/registry.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace muonlab::cli {
namespace {

struct VerifyArgs {
  std::vector<std::string> claims;
  unsigned digits = 50;
  int trials = 0;
  std::uint64_t seed = 1;
  bool json = false;
  bool list = false;
};

/// Errors and tolerances are printed from the working precision, never through double: 3.20e-2871 stays itself.
std::string sci(const Real& x, unsigned significant) { return spectral::to_scientific(x, significant); }

nlohmann::json to_json(const theory::ClaimResult& r) {
  // max_error and tolerance are decimal strings (docs/conventions.md: multiprecision numbers in JSON are strings),
  // since they can lie far outside the range of a JSON/double number; `quantity` says what they measure.
  nlohmann::json j{{"id", r.id},
                   {"statement", r.statement},
                   {"digits", r.digits},
                   {"trials", r.measured.trials},
                   {"max_error", sci(r.measured.max_error, 6)},
                   {"tolerance", sci(r.measured.tolerance, 6)},
                   {"quantity", r.measured.quantity},
                   {"verdict", theory::to_string(r.verdict)},
                   {"holds", r.holds()},
                   {"exact", r.measured.exact},
                   {"witness", r.measured.witness},
                   {"seconds", r.seconds}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (!r.measured.note.empty()) j["note"] = r.measured.note;
  return j;
}

int run(const VerifyArgs& a) {
  const auto selected = theory::select_claims(a.claims);
  if (a.list) {
    for (const theory::Claim* c : selected) fmt::print("{:<22} {}\n", c->id(), c->statement());
    return kOk;
  }
  theory::ClaimSettings s;
  s.precision = spectral::Precision(a.digits);
  s.trials = a.trials;
  s.seed = a.seed;
  std::vector<theory::ClaimResult> results;
  int violated = 0, inconclusive = 0;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    fmt::print(stderr, "[{}/{}] {} ...", i + 1, selected.size(), selected[i]->id());
    std::fflush(stderr);
    results.push_back(theory::run_claim(*selected[i], s));
    const auto& r = results.back();
    fmt::print(stderr, " {} ({:.2f} s)\n", theory::to_string(r.verdict), r.seconds);
    if (r.verdict == theory::Verdict::violated) ++violated;
    if (r.verdict == theory::Verdict::inconclusive) ++inconclusive;
  }
  if (a.json) {
    nlohmann::json out{{"digits", a.digits}, {"seed", a.seed}, {"claims", nlohmann::json::array()}};
    for (const auto& r : results) out["claims"].push_back(to_json(r));
    out["summary"] = {{"claims", results.size()}, {"violated", violated}, {"inconclusive", inconclusive}};
    std::cout << out.dump(2) << '\n';
  } else {
    // Each row: the reported check's value and its own allowance, in the unit `measures` names.
    fmt::print("{:<22} {:>6} {:>11} {:>11}  {:<12} {}\n", "claim", "trials", "max_error", "tolerance", "verdict",
               "measures | note");
    for (const auto& r : results) {
      const std::string note = r.reason.empty() ? r.measured.note : r.reason;
      fmt::print("{:<22} {:>6} {:>11} {:>11}  {:<12} {}{}\n", r.id, r.measured.trials, sci(r.measured.max_error, 3),
                 sci(r.measured.tolerance, 3), theory::to_string(r.verdict), r.measured.quantity,
                 note.empty() ? std::string() : " | " + note);
      if (!r.holds()) fmt::print("{:<22} witness: {}\n", "", r.measured.witness);
    }
    fmt::print("{} claim(s) ran at {} digits (seed {}): {} hold, {} violated, {} inconclusive\n", results.size(),
               a.digits, a.seed, results.size() - violated - inconclusive, violated, inconclusive);
  }
  if (violated) return kCheckFailed;
  if (inconclusive) return kInconclusive;
  return kOk;
}

}  // namespace

Command add_verify(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* sub = app.add_subcommand(
      "verify",
      "Checks the paper's claims (and muonlab's findings) numerically on random instances. Exit 0 if every "
      "selected claim holds, 1 if one is violated, 3 if one is inconclusive, 2 on bad input.");
  sub->add_option("--claims", args->claims, "Comma-separated claim ids (default: all; see --list)")->delimiter(',');
  sub->add_option("--digits", args->digits, "Working precision in decimal digits (default 50)")
      ->check(digits_validator());
  sub->add_option("--trials", args->trials, "Random instances per claim (default: each claim's own)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--seed", args->seed, "Seed of the random instances (default 1)");
  sub->add_flag("--json", args->json, "Machine-readable output");
  sub->add_flag("--list", args->list, "List the claims and exit");
  return {sub, [args] { return run(*args); }};
}

}  // namespace muonlab::cli
