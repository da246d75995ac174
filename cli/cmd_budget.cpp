// muonlab budget: the Prop D.5 / Cor D.6 curves E_max(ρ), E_2(ρ) for matched and mismatched corrections, and the
// k-sample comparison of an optimizer's limit with the min-norm interpolants. Parses, calls theory::run_budget,
// prints.
#include "cli/commands.hpp"
#include "theory/budget_command.hpp"

#include <memory>

namespace muonlab::cli {

Command add_budget(CLI::App& app) {
  auto a = std::make_shared<theory::BudgetOptions>();
  auto digits = std::make_shared<unsigned>(0);
  auto out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "budget",
      "Prop D.5 / Cor D.6: the best loss 1/2||D z - r0||^2 under a max-norm budget ||D||max <= rho (E_max) and a "
      "spectral budget ||D||2 <= rho (E_2), the exact-fit thresholds, and the mismatched curves (the other "
      "optimizer's exact-fit correction scaled into the budget). With --solve the box and spectral-ball solvers "
      "(which do not know the closed forms) are run too, with their duality gaps. With --samples K: run the "
      "optimizers on K samples and compare their limit with the min max-norm / spectral / Frobenius interpolants.");
  sub->add_option("--z", a->z, "The fine-tuning input z, comma-separated (decimals or p/q)");
  sub->add_option("--r0", a->r0, "The residual r0 = b - W0 z, comma-separated");
  sub->add_option("--m", a->m, "Random instance: length of r0 (default 4)")->check(CLI::Range(1L, 1000L));
  sub->add_option("--n", a->n, "Random instance: length of z (default 6)")->check(CLI::Range(1L, 1000L));
  sub->add_option("--seed", a->seed, "Seed of the random instance (default 1)");
  sub->add_option("--rho", a->rho, "Explicit budgets, comma-separated (default: a grid with the thresholds)");
  sub->add_option("--points", a->points, "Grid points in [0, range * largest threshold] (default 41)")
      ->check(CLI::Range(2, 100000));
  sub->add_option("--range", a->range, "Grid end as a multiple of the largest threshold (default 1.5)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--digits", *digits, "Compute in MPFR with this many digits (default: double)")
      ->check(digits_validator());
  sub->add_flag("--solve", a->solve, "Also run the constrained solvers at every budget");
  sub->add_option("--out", *out, "Write the curves as CSV to this file (atomically)");
  sub->add_option("--samples", a->samples, "k-sample mode: number of samples K (1 <= K <= n)")
      ->check(CLI::Range(1L, 1000L));
  // One flag name per concept (issue 17): --optimizer, as in `muonlab bias`; --optimizers is the old spelling.
  sub->add_option("--optimizer,--optimizers", a->optimizers,
                  "k-sample mode: optimizer specs, comma-separated, or ';'-separated when a spec has commas (default "
                  "signgd,muon-ideal)");
  sub->add_option("--steps", a->steps, "k-sample mode: steps (default 20000)")->check(CLI::Range(1L, 100000000L));
  sub->add_flag("--json", *json, "Machine-readable output");
  return {sub, [=] {
            if (*digits) a->precision = spectral::Precision(*digits);
            const theory::BudgetSummary s = theory::run_budget(*a);
            if (!out->empty() && a->samples == 0) write_file_atomic(*out, s.curves_csv());
            print_summary(s, *json);
            return static_cast<int>(kOk);
          }};
}

}  // namespace muonlab::cli
