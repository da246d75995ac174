// muonlab verify: runs the registry of claims and reports a verdict per claim. Parses, calls theory::run_verify,
// prints.
#include "cli/commands.hpp"
#include "theory/verify_command.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <iostream>
#include <memory>

namespace muonlab::cli {

Command add_verify(CLI::App& app) {
  auto o = std::make_shared<theory::VerifyOptions>();
  auto digits = std::make_shared<unsigned>(50);
  auto json = std::make_shared<bool>(false);
  auto list = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "verify",
      "Checks the paper's claims (and muonlab's findings) numerically on random instances. Exit 0 if every "
      "selected claim holds, 1 if one is violated, 3 if one is inconclusive, 2 on bad input.");
  sub->add_option("--claims", o->claims, "Comma-separated claim ids (default: all; see --list)")->delimiter(',');
  sub->add_option("--digits", *digits, "Working precision in decimal digits (default 50)")
      ->check(digits_validator());
  sub->add_option("--trials", o->trials, "Random instances per claim (default: each claim's own)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--seed", o->seed, "Seed of the random instances (default 1)");
  sub->add_flag("--json", *json, "Machine-readable output");
  sub->add_flag("--list", *list, "List the claims and exit");
  return {sub, [=] {
            if (*list) {
              std::cout << theory::list_claims(o->claims);
              return static_cast<int>(kOk);
            }
            o->precision = spectral::Precision(*digits);
            o->progress = [](std::size_t i, std::size_t count, const theory::Claim& c, const theory::ClaimResult* r) {
              if (!r) {
                fmt::print(stderr, "[{}/{}] {} ...", i + 1, count, c.id());
                std::fflush(stderr);
              } else {
                fmt::print(stderr, " {} ({:.2f} s)\n", theory::to_string(r->verdict), r->seconds);
              }
            };
            const theory::VerifySummary s = theory::run_verify(*o);
            print_summary(s, *json);
            return s.exit_code();
          }};
}

}  // namespace muonlab::cli
