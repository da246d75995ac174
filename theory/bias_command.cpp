#include "theory/bias_command.hpp"

#include "solvers/anchored_decay.hpp"
#include "solvers/registry.hpp"
#include "solvers/optimizer.hpp"
#include "solvers/optimizer_base.hpp"
#include "solvers/step_size.hpp"
#include "spectral/errors.hpp"
#include "theory/json_number.hpp"
#include "spectral/resolvable_tolerance.hpp"
#include "spectral/scalar.hpp"
#include "theory/closed_forms.hpp"
#include "toy/problem.hpp"

#include <fmt/core.h>

#include <cmath>
#include <memory>

namespace muonlab::theory {
namespace {

template <class S>
BiasRegression run_regression(const BiasOptions& a, std::string& trajectory_csv) {
  BiasRegression out;
  toy::Problem<S> problem;
  if (!a.instance.empty()) {
    problem = toy::read_problem_file<S>(a.instance);
  } else {
    toy::ProblemSpec spec;
    spec.kind = toy::parse_problem_kind(!a.problem.empty() ? a.problem : a.samples > 1 ? "ksample" : "single");
    spec.m = a.m;
    spec.n = a.n;
    spec.samples = a.samples;
    spec.rank = a.rank;
    spec.entries = toy::parse_entries(a.entries);
    spec.seed = a.seed;
    problem = toy::make_problem<S>(spec);
  }
  std::unique_ptr<solvers::Optimizer<S>> opt = solvers::make_optimizer<S>(a.optimizer);
  std::shared_ptr<solvers::StepSize<S>> sched =
      solvers::make_step_size<S>(a.schedule.empty() ? "power:lr=0.5,p=1" : a.schedule);
  const DecayCenter center = parse_decay_center(a.decay_to);
  // k samples: the min max-norm / spectral / Frobenius interpolants from the solvers (exit 2 on inconsistent data).
  out.ksample = problem.samples() > 1;
  std::vector<KSampleReference<S>> refs;
  if (out.ksample) refs = ksample_references(problem);
  auto candidates = out.ksample ? reference_candidates(refs) : candidate_solutions(problem);
  // Issue 19: with decoupled decay the limits are the budget points (theory/weight_decay.hpp), for one sample.
  const auto* base = dynamic_cast<const solvers::OptimizerBase<S>*>(opt.get());
  out.has_decay = base && base->weight_decay() != S(0);
  if constexpr (std::is_same_v<S, Real>) {
    if (out.has_decay && !out.ksample) {
      const auto extra = decay_candidates(problem, *opt, center, &out.decay);
      candidates.insert(candidates.end(), extra.begin(), extra.end());
    }
  }
  if (center == DecayCenter::initial) {
    if (problem.kind != toy::ProblemKind::continuation)
      throw InputError("--decay-to w0 needs the continuation problem (a pretrained W0)");
    opt = std::make_unique<solvers::AnchoredDecay<S>>(std::move(opt), problem.p0);  // W ← W − ηλ(W − W0) − η·d
  }
  toy::RunOptions ro = bias_run_options(a);
  const toy::RunResult<S> r = toy::run_toy<S>(problem, *opt, [sched](long t) { return sched->at(t); }, candidates, ro);
  out.last = r.rows.back();
  if (!a.out.empty()) trajectory_csv = toy::trajectory_csv(r.candidates, r.rows);
  out.verdict = toy::judge_bias(r.candidates, out.last, r.diverged, a.tol);
  if (out.ksample && !out.verdict.diverged) {
    // theory/ksample's verdict replaces toy/bias_verdict's: the same distances, plus which norms the limit minimizes.
    out.limit = compare_with_references(problem, refs, r.final_param, a.tol);
    out.verdict.text = out.limit.verdict;
    out.verdict.converged_to = out.limit.converged_to;
  }
  for (const auto& ref : refs)
    out.references.push_back(
        {ref.method, ref.exact, to_double(ref.value), to_double(ref.lower_bound), ref.certificate_gap, ref.feasibility});
  out.optimizer_name = opt->name();
  out.schedule_name = sched->name();
  out.robbins_monro = sched->satisfies_robbins_monro();
  out.kind = toy::to_string(problem.kind);
  out.m = problem.m();
  out.n = problem.n();
  out.samples = problem.samples();
  out.scalar = std::is_same_v<S, Rational> ? "rational" : "mpfr";
  out.steps_done = r.steps_done;
  out.loss0 = r.rows.front().loss;
  out.candidates = r.candidates;
  return out;
}

}  // namespace

std::string BiasOptions::validate() const {
  try {
    if (optimizer.empty()) return "--optimizer is required";
    if (classification()) {
      if (exact) return "--exact: the cross-entropy needs exp and log; use --digits";
    } else {
      if (batch != "full" || normalize || classes != 3)
        return "--batch, --normalize and --classes apply to --problem classify | batch1";
      if (!problem.empty()) toy::parse_problem_kind(problem);
    }
    // Issue 6: a relative distance below what the precision resolves would be decided by rounding.
    if (!exact) {
      auto scope = precision.scope();
      spectral::require_resolvable_tolerance("--tol", tol, to_double(ScalarTraits<Real>::epsilon()),
                                             precision.digits(), classification() ? "" : "--exact");
    }
    solvers::optimizer_entry(optimizer.substr(0, optimizer.find(':')));  // the typed id: a registry entry
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

toy::RunOptions bias_run_options(const BiasOptions& a) {
  toy::RunOptions ro;
  ro.steps = a.steps;
  ro.records = a.records;
  if (a.steps >= 20000)
    ro.progress = [](long done, long total) {
      if (done % std::max(1L, total / 10) == 0) fmt::print(stderr, "bias: step {}/{}\n", done, total);
    };
  return ro;
}

BiasSummary run_bias(const BiasOptions& a) {
  if (const std::string e = a.validate(); !e.empty()) throw InputError(e);
  if (a.classification()) return run_bias_classification(a);
  BiasSummary s;
  s.options = a;
  // --exact: the iterates are exact; MPFR at the precision is still used for the spectral norms (and the k-sample
  // min spectral-norm reference).
  auto scope = a.precision.scope();
  s.regression = a.exact ? run_regression<Rational>(a, s.trajectory_csv) : run_regression<Real>(a, s.trajectory_csv);
  return s;
}

std::string BiasSummary::brief() const {
  if (classification) return brief_classification(*this);
  const BiasOptions& a = options;
  const BiasRegression& g = regression;
  const toy::TrajectoryRow& last = g.last;
  std::string out;
  out += fmt::format("optimizer {}   schedule {}{}\n", g.optimizer_name, g.schedule_name,
                     g.robbins_monro ? "" : "  (not eta->0 & sum=inf)");
  out += fmt::format("problem {} {}x{}{} ({})   scalar {}{}\n", g.kind, g.m, g.n,
                     g.samples > 1 ? fmt::format(", {} samples", g.samples) : std::string(),
                     a.instance.empty() ? fmt::format("{}, seed {}", a.entries, a.seed) : a.instance, g.scalar,
                     a.exact ? std::string() : fmt::format(" ({} digits)", a.precision.digits()));
  out += fmt::format("steps {}   loss {:.6g} -> {:.6g}\n", g.steps_done, g.loss0, last.loss);
  if (!g.ksample) {
    out += fmt::format("{:<8} {:>14} {:>14}\n", "solution", "distance", "relative");
    for (std::size_t c = 0; c < g.candidates.size(); ++c)
      out += fmt::format("{:<8} {:>14.6g} {:>14.6g}\n", toy::candidate_label(g.candidates[c]), last.dist[c],
                         last.rel_dist[c]);
  } else {
    const KSampleLimit& lim = g.limit;
    out += fmt::format("interpolation residual |(W_T - W0) X - R0|max / |R0|max = {:.3g}\n", lim.residual);
    out += fmt::format("{:<8} {:>12} {:>12} {:>12} {:>12} {:>10} {:>10} {:>10}\n", "solution", "distance",
                       "relative", "min norm", "|W_T - W0|", "excess", "proj.exc.", "cert. gap");
    for (std::size_t c = 0; c < g.candidates.size(); ++c) {
      const bool have = c < lim.norms.size();
      out += fmt::format("{:<8} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>10.3g} {:>10.3g} {:>10.2g}\n",
                         toy::candidate_label(g.candidates[c]), last.dist[c], last.rel_dist[c],
                         g.references[c].value, have ? lim.norms[c].limit_norm : NAN,
                         have ? lim.norms[c].excess : NAN, have ? lim.norms[c].projected_excess : NAN,
                         g.references[c].certificate_gap);
    }
    out += "(norms of W - W0 in the candidate's own norm; excess = |W_T - W0|/min - 1; proj.exc. = the same for the "
           "nearest interpolant of W X = Y; cert. gap = (min - certified lower bound)/min)\n";
    for (std::size_t c = 0; c < g.references.size(); ++c)
      out += fmt::format("{:<8} {}\n", toy::candidate_label(g.candidates[c]) + ":", g.references[c].method);
  }
  for (const auto& d : g.decay)
    out += fmt::format("{} budget s/lambda = {:.8g} (exact-fit threshold {:.8g}: {}), certified min loss {:.6g} (gap "
                       "{:.2g}), decay toward {}\n",
                       d.norm == "max" ? "max-norm" : "spectral", to_double(d.radius), to_double(d.threshold),
                       d.exact_fit ? "exact fit" : "constraint active", to_double(d.value), to_double(d.gap),
                       a.decay_to);
  if (g.has_decay && g.ksample)
    out += "(weight decay: the budget predictions are for one sample; none shown for k > 1)\n";
  if (g.has_decay && a.exact)
    out += "(weight decay: the budget predictions are computed in MPFR; run without --exact to see them)\n";
  out += fmt::format("verdict: {} (relative tolerance {:g})\n", g.verdict.text, a.tol);
  if (!a.out.empty()) out += fmt::format("trajectory: {}\n", a.out);
  return out;
}

nlohmann::json BiasSummary::to_json() const {
  if (classification) return json_classification(*this);
  const BiasOptions& a = options;
  const BiasRegression& g = regression;
  const toy::TrajectoryRow& last = g.last;
  const toy::BiasVerdict& v = g.verdict;
  nlohmann::json j{{"optimizer", a.optimizer},
                   {"optimizer_name", g.optimizer_name},
                   {"schedule", g.schedule_name},
                   {"robbins_monro", g.robbins_monro},
                   {"problem",
                    {{"kind", g.kind},
                     {"m", g.m},
                     {"n", g.n},
                     {"samples", g.samples},
                     {"source", a.instance.empty() ? "random" : a.instance},
                     {"entries", a.entries},
                     {"seed", a.seed}}},
                   {"scalar", g.scalar},
                   {"digits", a.exact ? 0u : a.precision.digits()},
                   {"steps", g.steps_done},
                   {"loss0", json_number(g.loss0)},
                   {"loss", json_number(last.loss)},
                   {"norm_max", json_number(last.norm_max)},
                   {"norm_2", json_number(last.norm_2)},
                   {"norm_F", json_number(last.norm_f)},
                   {"diverged", v.diverged},
                   {"tolerance", a.tol},
                   {"verdict", v.text},
                   {"converged_to", v.converged_to},
                   {"nearest", v.nearest},
                   {"candidates", nlohmann::json::array()}};
  const KSampleLimit& lim = g.limit;
  for (std::size_t c = 0; c < g.candidates.size(); ++c) {
    nlohmann::json cj{{"name", g.candidates[c]},
                      {"label", toy::candidate_label(g.candidates[c])},
                      {"dist", json_number(last.dist[c])},
                      {"rel_dist", json_number(last.rel_dist[c])}};
    if (g.ksample) {
      const BiasReference& ref = g.references[c];
      cj["min_norm"] = json_number(ref.value);
      cj["lower_bound"] = json_number(ref.lower_bound);
      cj["certificate_gap"] = json_number(ref.certificate_gap);
      cj["feasibility"] = json_number(ref.feasibility);
      cj["exact"] = ref.exact;
      cj["method"] = ref.method;
      if (!lim.norms.empty()) {
        cj["limit_norm"] = json_number(lim.norms[c].limit_norm);
        cj["excess"] = json_number(lim.norms[c].excess);
        cj["projected_excess"] = json_number(lim.norms[c].projected_excess);
        cj["norm_optimal"] = lim.norms[c].norm_optimal;
      }
    }
    j["candidates"].push_back(cj);
  }
  if (g.ksample) {
    j["residual"] = json_number(lim.residual);
    j["norm_optimal"] = lim.norm_optimal;
  }
  if (!g.decay.empty()) {
    j["decay_to"] = a.decay_to;
    j["budgets"] = nlohmann::json::array();
    for (const auto& d : g.decay)
      j["budgets"].push_back({{"norm", d.norm},
                              {"radius", json_number(to_double(d.radius))},
                              {"threshold", json_number(to_double(d.threshold))},
                              {"exact_fit", d.exact_fit},
                              {"certified_value", json_number(to_double(d.value))},
                              {"solver_gap", json_number(to_double(d.gap))}});
  }
  if (!a.out.empty()) j["trajectory"] = a.out;
  return j;
}

}  // namespace muonlab::theory
