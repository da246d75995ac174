// `muonlab bias --problem classify | batch1` (issue 19): one optimizer on separable multiclass data with
// cross-entropy, compared with the three certified max-margin references (theory/margin_refs.hpp). The problem and
// the run live in toy/classification.hpp.
// Tested by tests/theory/test_bias_command.cpp ("run_bias --problem batch1: the classification summary")
#include "theory/bias_command.hpp"

#include "solvers/optimizer.hpp"
#include "solvers/step_size.hpp"
#include "spectral/errors.hpp"
#include "theory/json_number.hpp"
#include "spectral/scalar.hpp"
#include "toy/classification.hpp"

#include <fmt/core.h>

#include <cmath>

namespace muonlab::theory {
namespace {

// Gaps, distances and certificate widths are convergence quantities (~1e-2) or the spectral bracket (>= 1e-60): a
// double shows them; NaN (W = 0) becomes null.
nlohmann::json num(const Real& x) { return json_number(to_double(x)); }
double dbl(const Real& x) { return to_double(x); }

std::string label(const std::string& norm) {
  return norm == "max" ? "max-norm" : norm == "2" ? "spectral" : "Frobenius";
}

}  // namespace

BiasSummary run_bias_classification(const BiasOptions& a) {
  if (const std::string e = a.validate(); !e.empty()) throw InputError(e);
  BiasSummary s;
  s.options = a;
  s.classification = true;
  BiasClassification& c = s.classify;
  const bool batch1 = a.problem == "batch1";
  auto scope = a.precision.scope();
  toy::Classification<Real> problem;
  if (batch1) {
    problem = toy::batch_one_counterexample<Real>();
    c.source = "batch-1 example (x1=(3,1)->0, x2=(1,3)->1, x3=(10,1)->0)";
  } else if (!a.instance.empty()) {
    problem = toy::read_classification_file<Real>(a.instance);
    c.source = a.instance;
  } else {
    toy::ClassificationSpec spec;
    spec.classes = a.classes;
    spec.n = a.n;
    spec.samples = a.samples > 1 ? a.samples : 8;  // N data points; --samples' default 1 means the default 8
    spec.entries = toy::parse_entries(a.entries);
    spec.seed = a.seed;
    problem = toy::make_classification<Real>(spec);
    c.source = fmt::format("{}, seed {}", a.entries, a.seed);
  }
  problem.validate();
  toy::BatchSpec batch = toy::BatchSpec::parse(a.batch);
  batch.seed = a.seed;
  auto opt = solvers::make_optimizer<Real>(a.optimizer);
  auto sched = solvers::make_step_size<Real>(a.schedule.empty() ? "power:lr=0.1,p=0.5" : a.schedule);
  // The references first: InputError (exit 2) when the data are not separable.
  c.references = margin_references(problem, default_spectral_gap(a.precision));
  toy::RunOptions ro = bias_run_options(a);
  const toy::ClassificationRun<Real> run = toy::run_classification<Real>(
      problem, *opt, [&](long t) { return sched->at(t); }, batch, ro, MatR(), a.normalize);
  c.comparisons = compare_margins(problem, c.references, run.final_w);
  const Real margin = problem.margin(run.final_w);
  // Verdict: the norms whose max-margin the normalized margin attains to --tol.
  const auto& cmp = c.comparisons;
  std::size_t best = 0;
  for (std::size_t k = 0; k < cmp.size(); ++k) {
    if (cmp[k].defined && cmp[k].gap <= Real(a.tol)) c.reached.push_back(cmp[k].norm);
    if (cmp[k].defined && (!cmp[best].defined || cmp[k].gap < cmp[best].gap)) best = k;
  }
  if (run.diverged) {
    c.verdict = "diverged";
  } else if (!(margin > Real(0))) {
    c.verdict = fmt::format("does not separate the data (margin {:.4g})", to_double(margin));
  } else if (c.reached.empty()) {
    c.verdict = fmt::format("none of them (closest: the {} max-margin, gap {:.3g})", label(cmp[best].norm),
                            dbl(cmp[best].gap));
  } else {
    c.verdict = "direction at the";
    for (std::size_t k = 0; k < c.reached.size(); ++k)
      c.verdict += (k ? (k + 1 == c.reached.size() ? " and " : ", ") : " ") + label(c.reached[k]);
    c.verdict += " max-margin";
  }
  if (!a.out.empty()) s.trajectory_csv = toy::margin_csv(run.rows);
  c.optimizer_name = opt->name();
  c.schedule_name = sched->name();
  c.batch_name = batch.name();
  c.kind = batch1 ? "batch1" : "classify";
  c.classes = problem.classes;
  c.n = problem.n();
  c.samples = problem.samples();
  c.steps_done = run.steps_done;
  c.loss0 = run.rows.front().loss;
  c.loss = run.rows.back().loss;
  c.margin = to_double(margin);
  c.diverged = run.diverged;
  return s;
}

std::string brief_classification(const BiasSummary& s) {
  const BiasOptions& a = s.options;
  const BiasClassification& c = s.classify;
  const auto& refs = c.references;
  const auto& cmp = c.comparisons;
  std::string out;
  out += fmt::format("optimizer {}   schedule {}   batch {}{}\n", c.optimizer_name, c.schedule_name, c.batch_name,
                     a.normalize ? "   (gradients normalized)" : "");
  out += fmt::format("problem classify K={} n={} N={} ({})   scalar mpfr ({} digits)\n", c.classes, c.n, c.samples,
                     c.source, a.precision.digits());
  out += fmt::format("steps {}   loss {:.6g} -> {:.6g}   margin {:.6g}\n", c.steps_done, c.loss0, c.loss, c.margin);
  out += fmt::format("{:<10} {:>14} {:>14} {:>11} {:>11} {:>11}\n", "norm", "max-margin", "run", "gap", "distance",
                     "cert. gap");
  for (std::size_t k = 0; k < refs.size(); ++k)
    out += fmt::format("{:<10} {:>14.8g} {:>14.8g} {:>11.3g} {:>11.3g} {:>11.2g}\n", label(refs[k].norm),
                       to_double(refs[k].lower), dbl(cmp[k].normalized_margin), dbl(cmp[k].gap),
                       dbl(cmp[k].distance), dbl(refs[k].rel_gap));
  out += "(run = gamma(W_T)/|W_T| in that norm; gap = 1 - run/upper bound; distance: max norm to the LP's optimal "
         "face, spectral norm to the barrier's maximizer, Frobenius to W*_F)\n";
  for (const auto& r : refs) out += fmt::format("{:<10} {}\n", label(r.norm) + ":", r.method);
  out += fmt::format("verdict: {} (tolerance {:g})\n", c.verdict, a.tol);
  if (!a.out.empty()) out += fmt::format("trajectory: {}\n", a.out);
  return out;
}

nlohmann::json json_classification(const BiasSummary& s) {
  const BiasOptions& a = s.options;
  const BiasClassification& c = s.classify;
  const auto& refs = c.references;
  const auto& cmp = c.comparisons;
  nlohmann::json j{{"optimizer", a.optimizer},
                   {"optimizer_name", c.optimizer_name},
                   {"schedule", c.schedule_name},
                   {"batch", c.batch_name},
                   {"normalize", a.normalize},
                   {"problem",
                    {{"kind", c.kind}, {"classes", c.classes}, {"n", c.n}, {"samples", c.samples}, {"source", c.source}}},
                   {"digits", a.precision.digits()},
                   {"steps", c.steps_done},
                   {"loss", json_number(c.loss)},
                   {"margin", json_number(c.margin)},
                   {"diverged", c.diverged},
                   {"tolerance", a.tol},
                   {"verdict", c.verdict},
                   {"reached", c.reached},
                   {"references", nlohmann::json::array()}};
  for (std::size_t k = 0; k < refs.size(); ++k)
    j["references"].push_back({{"norm", refs[k].norm},
                               {"max_margin", json_number(to_double(refs[k].lower))},
                               {"upper_bound", json_number(to_double(refs[k].upper))},
                               {"certificate_gap", num(refs[k].rel_gap)},
                               {"exact", refs[k].exact},
                               {"method", refs[k].method},
                               {"normalized_margin", num(cmp[k].normalized_margin)},
                               {"gap", num(cmp[k].gap)},
                               {"distance", num(cmp[k].distance)}});
  if (!a.out.empty()) j["trajectory"] = a.out;
  return j;
}

}  // namespace muonlab::theory
