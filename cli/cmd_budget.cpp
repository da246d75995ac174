// muonlab budget: the Prop D.5 / Cor D.6 curves E_max(ρ), E_2(ρ) for matched and mismatched corrections, and the
// k-sample comparison of an optimizer's limit with the min-norm interpolants. The work lives in theory/lora_bounds.
#include "cli/commands.hpp"
#include "spectral/errors.hpp"
#include "spectral/random.hpp"
#include "spectral/scalar.hpp"
#include "spectral/text_io.hpp"
#include "theory/lora_bounds.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

namespace muonlab::cli {
namespace {

struct BudgetArgs {
  std::string z, r0, rho;
  long m = 4, n = 6;
  std::uint64_t seed = 1;
  int points = 41;
  double range = 1.5;
  unsigned digits = 0;
  bool solve = false;
  bool json = false;
  std::string out;
  // k samples
  long samples = 0;
  std::string optimizers = "signgd,muon-ideal";
  long steps = 20000;
};

std::vector<std::string> list_of(const std::string& text, const char* what) {
  std::string t = text;
  for (char& c : t)
    if (c == ';') c = ',';
  std::vector<std::string> v = split_fields(t);
  if (v.empty()) throw InputError(std::string("--") + what + " is empty");
  return v;
}

std::string curves_csv(const theory::BudgetCurves& c) {
  std::ostringstream os;
  os << "rho,e_max,e_2,e_max_muon,e_2_sign,e_max_solver,e_2_solver,gap_max,gap_2\n";
  for (const auto& r : c.rows)
    os << fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", r.rho, r.e_max,
                      r.e_2, r.e_max_muon, r.e_2_sign, r.e_max_solver, r.e_2_solver, r.gap_max, r.gap_2);
  return os.str();
}

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

int run_ksample(const BudgetArgs& a) {
  if (a.samples > a.n) throw InputError("--samples must be <= --n (with k > n generic samples W X = Y has no solution)");
  nlohmann::json arr = nlohmann::json::array();
  if (!a.json)
    fmt::print("k-sample limits: m={} n={} k={} steps={} seed={} (eta_t = eta0/(t+1))\n{:<22} {:>10} {:>12} {:>12} "
               "{:>12} {:>12} {:>10}  {}\n",
               a.m, a.n, a.samples, a.steps, a.seed, "optimizer", "residual", "||D||max", "min max", "||D||2",
               "min 2", "dist F", "verdict (relative tolerance 1e-2)");
  // Specs may contain commas ("adam:eps=0,beta1=0.9"): separate several with ';' then.
  std::vector<std::string> specs;
  if (a.optimizers.find(';') != std::string::npos) {
    std::stringstream ss(a.optimizers);
    for (std::string item; std::getline(ss, item, ';');)
      if (!trim_copy(item).empty()) specs.push_back(trim_copy(item));
  } else {
    specs = list_of(a.optimizers, "optimizers");
  }
  for (const std::string& o : specs) {
    std::cerr << "running " << o << " for " << a.steps << " steps...\n";
    const theory::KSampleComparison c = theory::compare_ksample_limit(o, a.m, a.n, a.samples, a.steps, a.seed);
    arr.push_back({{"optimizer", c.optimizer},   {"m", c.m},
                   {"n", c.n},                   {"k", c.k},
                   {"steps", c.steps},           {"residual", num(c.residual)},
                   {"norm_max", num(c.norm_max)}, {"min_norm_max", num(c.min_norm_max)},
                   {"norm_2", num(c.norm_2)},     {"min_norm_2", num(c.min_norm_2)},
                   {"dist_frobenius", num(c.dist_frobenius)}, {"converged_to", c.converged_to},
                   {"norm_optimal", c.norm_optimal}, {"verdict", c.verdict}});
    if (!a.json)
      fmt::print("{:<22} {:>10.3e} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>10.3e}  {}\n", c.optimizer, c.residual,
                 c.norm_max, c.min_norm_max, c.norm_2, c.min_norm_2, c.dist_frobenius, c.verdict);
  }
  if (a.json) std::cout << nlohmann::json{{"ksample", arr}}.dump(2) << '\n';
  return kOk;
}

int run(const BudgetArgs& a) {
  if (a.samples > 0) return run_ksample(a);
  std::vector<std::string> z, r0;
  if (a.z.empty() != a.r0.empty()) throw InputError("give both --z and --r0, or neither (a random instance)");
  if (!a.z.empty()) {
    z = list_of(a.z, "z");
    r0 = list_of(a.r0, "r0");
  } else {
    spectral::Rng rng(a.seed, 0);
    for (long j = 0; j < a.n; ++j) z.push_back(fmt::format("{:.17g}", rng.normal()));
    for (long i = 0; i < a.m; ++i) r0.push_back(fmt::format("{:.17g}", rng.normal()));
  }
  // The thresholds first (no grid), then the grid.
  const theory::BudgetCurves t = theory::budget_curves(z, r0, {}, a.digits, false);
  std::vector<double> grid;
  if (!a.rho.empty()) {
    for (const std::string& s : list_of(a.rho, "rho")) grid.push_back(to_double(parse_scalar<double>(s)));
  } else {
    grid = theory::budget_grid(t.thresholds, a.points, a.range);
  }
  if (a.solve) std::cerr << "solving " << 2 * grid.size() << " constrained problems...\n";
  const theory::BudgetCurves c = theory::budget_curves(z, r0, grid, a.digits, a.solve);
  if (!a.out.empty()) write_file_atomic(a.out, curves_csv(c));
  if (a.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : c.rows)
      rows.push_back({{"rho", r.rho},
                      {"e_max", num(r.e_max)},
                      {"e_2", num(r.e_2)},
                      {"e_max_muon", num(r.e_max_muon)},
                      {"e_2_sign", num(r.e_2_sign)},
                      {"e_max_solver", num(r.e_max_solver)},
                      {"e_2_solver", num(r.e_2_solver)},
                      {"gap_max", num(r.gap_max)},
                      {"gap_2", num(r.gap_2)}});
    std::cout << nlohmann::json{{"z", z},
                                {"r0", r0},
                                {"digits", a.digits},
                                {"half_r0_sq", c.half_r0_sq},
                                {"thresholds",
                                 {{"rho_max", c.thresholds[0]},
                                  {"rho_2", c.thresholds[1]},
                                  {"rho_muon_max", c.thresholds[2]},
                                  {"rho_sign_2", c.thresholds[3]}}},
                                {"rows", rows}}
                     .dump(2)
              << '\n';
    return kOk;
  }
  fmt::print("Prop D.5 / Cor D.6 budgets (m={}, n={}, {}):\n", r0.size(), z.size(),
             a.digits ? fmt::format("MPFR {} digits", a.digits) : std::string("double"));
  fmt::print("  rho*_A  (exact fit, max-norm budget)      {:.10g}\n  rho*_mu (exact fit, spectral budget)      {:.10g}\n"
             "  rho~_mu|max = ||D*_mu||max                {:.10g}\n  rho~_s|2   = ||D*_s||2                   {:.10g}\n",
             c.thresholds[0], c.thresholds[1], c.thresholds[2], c.thresholds[3]);
  fmt::print("{:>12} {:>12} {:>12} {:>12} {:>12}{}\n", "rho", "E_max", "E_max(Muon)", "E_2", "E_2(SignGD)",
             a.solve ? fmt::format(" {:>12} {:>10} {:>12} {:>10}", "solver max", "gap", "solver 2", "gap") : "");
  for (const auto& r : c.rows)
    fmt::print("{:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g}{}\n", r.rho, r.e_max, r.e_max_muon, r.e_2, r.e_2_sign,
               a.solve ? fmt::format(" {:>12.6g} {:>10.2e} {:>12.6g} {:>10.2e}", r.e_max_solver, r.gap_max,
                                     r.e_2_solver, r.gap_2)
                       : "");
  return kOk;
}

}  // namespace

Command add_budget(CLI::App& app) {
  auto a = std::make_shared<BudgetArgs>();
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
  sub->add_option("--digits", a->digits, "Compute in MPFR with this many digits (default: double)")
      ->check(digits_validator());
  sub->add_flag("--solve", a->solve, "Also run the constrained solvers at every budget");
  sub->add_option("--out", a->out, "Write the curves as CSV to this file (atomically)");
  sub->add_option("--samples", a->samples, "k-sample mode: number of samples K (1 <= K <= n)")
      ->check(CLI::Range(1L, 1000L));
  sub->add_option("--optimizers", a->optimizers, "k-sample mode: optimizer specs, comma-separated, or ';'-separated when a spec has commas (default signgd,muon-ideal)");
  sub->add_option("--steps", a->steps, "k-sample mode: steps (default 20000)")->check(CLI::Range(1L, 100000000L));
  sub->add_flag("--json", a->json, "Machine-readable output");
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
