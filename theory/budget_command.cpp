#include "theory/budget_command.hpp"

#include "solvers/registry.hpp"
#include "spectral/errors.hpp"
#include "theory/json_number.hpp"
#include "spectral/random.hpp"
#include "spectral/text_io.hpp"

#include <fmt/core.h>

#include <cmath>
#include <iostream>
#include <sstream>

namespace muonlab::theory {
namespace {

std::vector<std::string> list_of(const std::string& text, const char* what) {
  std::string t = text;
  for (char& c : t)
    if (c == ';') c = ',';
  std::vector<std::string> v = split_fields(t);
  if (v.empty()) throw InputError(std::string("--") + what + " is empty");
  return v;
}

// Specs may contain commas ("adam:eps=0,beta1=0.9"): several are separated with ';' then.
std::vector<std::string> optimizer_specs(const std::string& text) {
  if (text.find(';') == std::string::npos) return list_of(text, "optimizer");
  std::vector<std::string> specs;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ';');)
    if (!trim_copy(item).empty()) specs.push_back(trim_copy(item));
  return specs;
}

}  // namespace

std::string BudgetOptions::validate() const {
  if (samples > 0 && samples > n)
    return "--samples must be <= --n (with k > n generic samples W X = Y has no solution)";
  if (samples == 0 && z.empty() != r0.empty()) return "give both --z and --r0, or neither (a random instance)";
  if (m < 1 || n < 1) return "--m and --n must be >= 1";
  if (steps < 1) return "--steps must be >= 1";
  if (samples > 0) {
    try {  // each spec names an entry of the optimizer registry (the typed id)
      for (const std::string& spec : optimizer_specs(optimizers)) solvers::optimizer_entry(spec.substr(0, spec.find(':')));
    } catch (const InputError& e) {
      return e.what();
    }
  }
  return {};
}

BudgetSummary run_budget(const BudgetOptions& o) {
  if (const std::string e = o.validate(); !e.empty()) throw InputError(e);
  BudgetSummary s;
  s.options = o;
  const unsigned digits = o.precision ? o.precision->digits() : 0;
  if (o.samples > 0) {
    for (const std::string& spec : optimizer_specs(o.optimizers)) {
      std::cerr << "running " << spec << " for " << o.steps << " steps...\n";
      s.ksample.push_back(compare_ksample_limit(spec, o.m, o.n, o.samples, o.steps, o.seed));
    }
    return s;
  }
  if (!o.z.empty()) {
    s.z = list_of(o.z, "z");
    s.r0 = list_of(o.r0, "r0");
  } else {
    spectral::Rng rng(o.seed, 0);
    for (long j = 0; j < o.n; ++j) s.z.push_back(fmt::format("{:.17g}", rng.normal()));
    for (long i = 0; i < o.m; ++i) s.r0.push_back(fmt::format("{:.17g}", rng.normal()));
  }
  // The thresholds first (no grid), then the grid.
  const BudgetCurves t = budget_curves(s.z, s.r0, {}, digits, false);
  std::vector<double> grid;
  if (!o.rho.empty()) {
    for (const std::string& x : list_of(o.rho, "rho")) grid.push_back(to_double(parse_scalar<double>(x)));
  } else {
    grid = budget_grid(t.thresholds, o.points, o.range);
  }
  if (o.solve) std::cerr << "solving " << 2 * grid.size() << " constrained problems...\n";
  s.curves = budget_curves(s.z, s.r0, grid, digits, o.solve);
  return s;
}

std::string BudgetSummary::curves_csv() const {
  std::ostringstream os;
  os << "rho,e_max,e_2,e_max_muon,e_2_sign,e_max_solver,e_2_solver,gap_max,gap_2\n";
  for (const auto& r : curves.rows)
    os << fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", r.rho, r.e_max,
                      r.e_2, r.e_max_muon, r.e_2_sign, r.e_max_solver, r.e_2_solver, r.gap_max, r.gap_2);
  return os.str();
}

std::string BudgetSummary::brief() const {
  const BudgetOptions& a = options;
  std::string out;
  if (a.samples > 0) {
    out += fmt::format("k-sample limits: m={} n={} k={} steps={} seed={} (eta_t = eta0/(t+1))\n{:<22} {:>10} {:>12} "
                       "{:>12} {:>12} {:>12} {:>10}  {}\n",
                       a.m, a.n, a.samples, a.steps, a.seed, "optimizer", "residual", "||D||max", "min max", "||D||2",
                       "min 2", "dist F", "verdict (relative tolerance 1e-2)");
    for (const KSampleComparison& c : ksample)
      out += fmt::format("{:<22} {:>10.3e} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>10.3e}  {}\n", c.optimizer,
                         c.residual, c.norm_max, c.min_norm_max, c.norm_2, c.min_norm_2, c.dist_frobenius, c.verdict);
    return out;
  }
  const BudgetCurves& c = curves;
  out += fmt::format("Prop D.5 / Cor D.6 budgets (m={}, n={}, {}):\n", r0.size(), z.size(),
                     a.precision ? fmt::format("MPFR {} digits", a.precision->digits()) : std::string("double"));
  out += fmt::format("  rho*_A  (exact fit, max-norm budget)      {:.10g}\n  rho*_mu (exact fit, spectral budget)      "
                     "{:.10g}\n  rho~_mu|max = ||D*_mu||max                {:.10g}\n  rho~_s|2   = ||D*_s||2        "
                     "           {:.10g}\n",
                     c.thresholds[0], c.thresholds[1], c.thresholds[2], c.thresholds[3]);
  out += fmt::format("{:>12} {:>12} {:>12} {:>12} {:>12}{}\n", "rho", "E_max", "E_max(Muon)", "E_2", "E_2(SignGD)",
                     a.solve ? fmt::format(" {:>12} {:>10} {:>12} {:>10}", "solver max", "gap", "solver 2", "gap") : "");
  for (const auto& r : c.rows)
    out += fmt::format("{:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g}{}\n", r.rho, r.e_max, r.e_max_muon, r.e_2,
                       r.e_2_sign,
                       a.solve ? fmt::format(" {:>12.6g} {:>10.2e} {:>12.6g} {:>10.2e}", r.e_max_solver, r.gap_max,
                                             r.e_2_solver, r.gap_2)
                               : "");
  return out;
}

nlohmann::json BudgetSummary::to_json() const {
  if (options.samples > 0) {
    nlohmann::json arr = nlohmann::json::array();
    for (const KSampleComparison& c : ksample)
      arr.push_back({{"optimizer", c.optimizer},   {"m", c.m},
                     {"n", c.n},                   {"k", c.k},
                     {"steps", c.steps},           {"residual", json_number(c.residual)},
                     {"norm_max", json_number(c.norm_max)}, {"min_norm_max", json_number(c.min_norm_max)},
                     {"norm_2", json_number(c.norm_2)},     {"min_norm_2", json_number(c.min_norm_2)},
                     {"dist_frobenius", json_number(c.dist_frobenius)}, {"converged_to", c.converged_to},
                     {"norm_optimal", c.norm_optimal}, {"verdict", c.verdict}});
    return {{"ksample", arr}};
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : curves.rows)
    rows.push_back({{"rho", r.rho},
                    {"e_max", json_number(r.e_max)},
                    {"e_2", json_number(r.e_2)},
                    {"e_max_muon", json_number(r.e_max_muon)},
                    {"e_2_sign", json_number(r.e_2_sign)},
                    {"e_max_solver", json_number(r.e_max_solver)},
                    {"e_2_solver", json_number(r.e_2_solver)},
                    {"gap_max", json_number(r.gap_max)},
                    {"gap_2", json_number(r.gap_2)}});
  return {{"z", z},
          {"r0", r0},
          {"digits", options.precision ? options.precision->digits() : 0u},
          {"half_r0_sq", curves.half_r0_sq},
          {"thresholds",
           {{"rho_max", curves.thresholds[0]},
            {"rho_2", curves.thresholds[1]},
            {"rho_muon_max", curves.thresholds[2]},
            {"rho_sign_2", curves.thresholds[3]}}},
          {"rows", rows}};
}

}  // namespace muonlab::theory
