// muonlab ns: what a Newton–Schulz coefficient set does to singular values (fixed points, critical points, the
// invariant band, tiny and over-scaled singular values). Parses, calls theory::run_ns, prints.
#include "cli/commands.hpp"
#include "theory/ns_command.hpp"

#include <memory>

namespace muonlab::cli {

Command add_ns(CLI::App& app) {
  auto o = std::make_shared<theory::NsOptions>();
  auto digits = std::make_shared<unsigned>(50);
  auto json = std::make_shared<bool>(false);
  auto out = std::make_shared<std::string>("-");
  CLI::App* sub = app.add_subcommand(
      "ns",
      "Analyzes a Newton-Schulz coefficient schedule step by step: fixed points of p(x) = ax + bx^3 + cx^5 and their "
      "stability, critical points, the invariant band (certified with Arb), the growth p'(0) = a of tiny singular "
      "values, and where over-scaled ones are pulled back or diverge.");
  sub->add_option("--coeffs", o->coeffs, kCoeffsHelp)->required();
  sub->add_option("--digits", *digits, "Working precision in decimal digits (default 50; at least 20)")
      ->check(digits_validator());
  sub->add_flag("--json", *json, "Machine-readable output");
  sub->add_option("--out", *out, "Write the result to this file (atomically; default stdout)");
  return {sub, [=] {
            o->precision = spectral::Precision(*digits);
            const theory::NsSummary s = theory::run_ns(*o);
            write_file_atomic(*out, *json ? s.to_json().dump(2) + "\n" : s.brief());
            return static_cast<int>(kOk);
          }};
}

}  // namespace muonlab::cli
