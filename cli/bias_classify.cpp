// `muonlab bias --problem classify | batch1`: parsing lives in cmd_bias.cpp; the problem, the run and the references
// live in toy/classification.hpp and theory/margin_refs.hpp. This file only runs them and prints.
#include "cli/bias_classify.hpp"

#include "cli/cli_common.hpp"
#include "solvers/optimizer.hpp"
#include "solvers/step_size.hpp"
#include "spectral/scalar.hpp"
#include "theory/margin_refs.hpp"
#include "toy/classification.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>

namespace muonlab::cli {
namespace {

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }
// Gaps, distances and certificate widths are convergence quantities (~1e-2) or the spectral bracket (>= 1e-60): a
// double shows them; NaN (W = 0) becomes null.
nlohmann::json num(const Real& x) { return num(to_double(x)); }
double dbl(const Real& x) { return to_double(x); }

std::string label(const std::string& norm) {
  return norm == "max" ? "max-norm" : norm == "2" ? "spectral" : "Frobenius";
}

}  // namespace

int run_bias_classify(const ClassifyArgs& a) {
  const spectral::Precision precision(a.digits);
  auto scope = precision.scope();
  require_resolvable_tolerance("--tol", a.tol, to_double(ScalarTraits<Real>::epsilon()), a.digits);
  toy::Classification<Real> problem;
  std::string source;
  if (a.batch1_example) {
    problem = toy::batch_one_counterexample<Real>();
    source = "batch-1 example (x1=(3,1)->0, x2=(1,3)->1, x3=(10,1)->0)";
  } else if (!a.instance.empty()) {
    problem = toy::read_classification_file<Real>(a.instance);
    source = a.instance;
  } else {
    toy::ClassificationSpec spec;
    spec.classes = a.classes;
    spec.n = a.n;
    spec.samples = a.samples;
    spec.entries = toy::parse_entries(a.entries);
    spec.seed = a.seed;
    problem = toy::make_classification<Real>(spec);
    source = fmt::format("{}, seed {}", a.entries, a.seed);
  }
  problem.validate();
  const toy::BatchSpec batch = [&] {
    toy::BatchSpec b = toy::BatchSpec::parse(a.batch);
    b.seed = a.seed;
    return b;
  }();
  auto opt = solvers::make_optimizer<Real>(a.optimizer);
  auto sched = solvers::make_step_size<Real>(a.schedule);
  // The references first: InputError (exit 2) when the data are not separable.
  const std::vector<theory::MarginReference> refs =
      theory::margin_references(problem, theory::default_spectral_gap(precision));
  toy::RunOptions ro;
  ro.steps = a.steps;
  ro.records = a.records;
  if (a.steps >= 20000)
    ro.progress = [](long done, long total) {
      if (done % std::max(1L, total / 10) == 0) fmt::print(stderr, "bias: step {}/{}\n", done, total);
    };
  const toy::ClassificationRun<Real> run = toy::run_classification<Real>(
      problem, *opt, [&](long t) { return sched->at(t); }, batch, ro, MatR(), a.normalize);
  const std::vector<theory::MarginComparison> cmp = theory::compare_margins(problem, refs, run.final_w);
  const Real margin = problem.margin(run.final_w);
  // Verdict: the norms whose max-margin the normalized margin attains to --tol.
  std::vector<std::string> reached;
  std::size_t best = 0;
  for (std::size_t k = 0; k < cmp.size(); ++k) {
    if (cmp[k].defined && cmp[k].gap <= Real(a.tol)) reached.push_back(cmp[k].norm);
    if (cmp[k].defined && (!cmp[best].defined || cmp[k].gap < cmp[best].gap)) best = k;
  }
  std::string verdict;
  if (run.diverged) {
    verdict = "diverged";
  } else if (!(margin > Real(0))) {
    verdict = fmt::format("does not separate the data (margin {:.4g})", to_double(margin));
  } else if (reached.empty()) {
    verdict = fmt::format("none of them (closest: the {} max-margin, gap {:.3g})", label(cmp[best].norm),
                          dbl(cmp[best].gap));
  } else {
    verdict = "direction at the";
    for (std::size_t k = 0; k < reached.size(); ++k)
      verdict += (k ? (k + 1 == reached.size() ? " and " : ", ") : " ") + label(reached[k]);
    verdict += " max-margin";
  }
  if (!a.out.empty()) write_file_atomic(a.out, toy::margin_csv(run.rows));
  const toy::MarginRow& last = run.rows.back();
  if (a.json) {
    nlohmann::json j{{"optimizer", a.optimizer},
                     {"optimizer_name", opt->name()},
                     {"schedule", sched->name()},
                     {"batch", batch.name()},
                     {"normalize", a.normalize},
                     {"problem",
                      {{"kind", a.batch1_example ? "batch1" : "classify"},
                       {"classes", problem.classes},
                       {"n", problem.n()},
                       {"samples", problem.samples()},
                       {"source", source}}},
                     {"digits", a.digits},
                     {"steps", run.steps_done},
                     {"loss", num(last.loss)},
                     {"margin", num(to_double(margin))},
                     {"diverged", run.diverged},
                     {"tolerance", a.tol},
                     {"verdict", verdict},
                     {"reached", reached},
                     {"references", nlohmann::json::array()}};
    for (std::size_t k = 0; k < refs.size(); ++k)
      j["references"].push_back({{"norm", refs[k].norm},
                                 {"max_margin", num(to_double(refs[k].lower))},
                                 {"upper_bound", num(to_double(refs[k].upper))},
                                 {"certificate_gap", num(refs[k].rel_gap)},
                                 {"exact", refs[k].exact},
                                 {"method", refs[k].method},
                                 {"normalized_margin", num(cmp[k].normalized_margin)},
                                 {"gap", num(cmp[k].gap)},
                                 {"distance", num(cmp[k].distance)}});
    if (!a.out.empty()) j["trajectory"] = a.out;
    std::cout << j.dump(2) << '\n';
  } else {
    fmt::print("optimizer {}   schedule {}   batch {}{}\n", opt->name(), sched->name(), batch.name(),
               a.normalize ? "   (gradients normalized)" : "");
    fmt::print("problem classify K={} n={} N={} ({})   scalar mpfr ({} digits)\n", problem.classes, problem.n(),
               problem.samples(), source, a.digits);
    fmt::print("steps {}   loss {:.6g} -> {:.6g}   margin {:.6g}\n", run.steps_done, run.rows.front().loss, last.loss,
               to_double(margin));
    fmt::print("{:<10} {:>14} {:>14} {:>11} {:>11} {:>11}\n", "norm", "max-margin", "run", "gap", "distance",
               "cert. gap");
    for (std::size_t k = 0; k < refs.size(); ++k)
      fmt::print("{:<10} {:>14.8g} {:>14.8g} {:>11.3g} {:>11.3g} {:>11.2g}\n", label(refs[k].norm),
                 to_double(refs[k].lower), dbl(cmp[k].normalized_margin), dbl(cmp[k].gap), dbl(cmp[k].distance),
                 dbl(refs[k].rel_gap));
    fmt::print("(run = gamma(W_T)/|W_T| in that norm; gap = 1 - run/upper bound; distance: max norm to the LP's "
               "optimal face, spectral norm to the barrier's maximizer, Frobenius to W*_F)\n");
    for (const auto& r : refs) fmt::print("{:<10} {}\n", label(r.norm) + ":", r.method);
    fmt::print("verdict: {} (tolerance {:g})\n", verdict, a.tol);
    if (!a.out.empty()) fmt::print("trajectory: {}\n", a.out);
  }
  return kOk;
}

}  // namespace muonlab::cli
