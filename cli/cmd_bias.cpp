// muonlab bias: runs one optimizer on a toy problem and reports which candidate solution its iterates approach
// (REFERENCE §2, issue 3; k samples, issue 5). Parsing and dispatch only: the problem, the runner and the verdict
// live in toy/, the candidates in theory/closed_forms.hpp (one sample) and theory/ksample.hpp (k samples: the
// min-norm interpolants from the solvers, with their certificates), the optimizers and schedules in solvers/.
#include "cli/bias_classify.hpp"
#include "cli/commands.hpp"
#include "solvers/anchored_decay.hpp"
#include "solvers/optimizer.hpp"
#include "solvers/optimizer_base.hpp"
#include "solvers/step_size.hpp"
#include "spectral/errors.hpp"
#include "spectral/scalar.hpp"
#include "theory/closed_forms.hpp"
#include "theory/ksample.hpp"
#include "theory/weight_decay.hpp"
#include "toy/bias_verdict.hpp"
#include "toy/problem.hpp"
#include "toy/runner.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <memory>

namespace muonlab::cli {
namespace {

struct BiasArgs {
  std::string optimizer;
  std::string problem;  // empty: "ksample" when --samples > 1, else "single"
  std::string instance;
  std::string entries = "gaussian";
  long m = 4, n = 6, samples = 1, rank = 2;
  unsigned digits = 30;
  bool exact = false;
  long steps = 2000;
  std::string schedule;  // empty: power:lr=0.5,p=1 (regression), power:lr=0.1,p=0.5 (classification)
  std::uint64_t seed = 1;
  int records = 200;
  double tol = 1e-2;
  std::string out;
  bool json = false;
  // Issue 19: weight decay toward 0 or W0; classification.
  std::string decay_to = "zero";
  int classes = 3;
  std::string batch = "full";
  bool normalize = false;
};

std::string regression_schedule(const BiasArgs& a) { return a.schedule.empty() ? "power:lr=0.5,p=1" : a.schedule; }

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

template <class S>
int run_typed(const BiasArgs& a, const std::string& scalar_name) {
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
  std::shared_ptr<solvers::StepSize<S>> sched = solvers::make_step_size<S>(regression_schedule(a));
  const theory::DecayCenter center = theory::parse_decay_center(a.decay_to);
  // k samples: the min max-norm / spectral / Frobenius interpolants from the solvers (exit 2 on inconsistent data).
  const bool ksample = problem.samples() > 1;
  std::vector<theory::KSampleReference<S>> refs;
  if (ksample) refs = theory::ksample_references(problem);
  auto candidates = ksample ? theory::reference_candidates(refs) : theory::candidate_solutions(problem);
  // Issue 19: with decoupled decay the limits are the budget points (theory/weight_decay.hpp), for one sample.
  std::vector<theory::DecayPrediction> decay;
  const auto* base = dynamic_cast<const solvers::OptimizerBase<S>*>(opt.get());
  const bool has_decay = base && base->weight_decay() != S(0);
  if constexpr (std::is_same_v<S, Real>) {
    if (has_decay && !ksample) {
      const auto extra = theory::decay_candidates(problem, *opt, center, &decay);
      candidates.insert(candidates.end(), extra.begin(), extra.end());
    }
  }
  if (center == theory::DecayCenter::initial) {
    if (problem.kind != toy::ProblemKind::continuation)
      throw InputError("--decay-to w0 needs the continuation problem (a pretrained W0)");
    opt = std::make_unique<solvers::AnchoredDecay<S>>(std::move(opt), problem.p0);  // W ← W − ηλ(W − W0) − η·d
  }
  toy::RunOptions ro;
  ro.steps = a.steps;
  ro.records = a.records;
  if (a.steps >= 20000)
    ro.progress = [](long done, long total) {
      if (done % std::max(1L, total / 10) == 0) fmt::print(stderr, "bias: step {}/{}\n", done, total);
    };
  const toy::RunResult<S> r =
      toy::run_toy<S>(problem, *opt, [sched](long t) { return sched->at(t); }, candidates, ro);
  const toy::TrajectoryRow& last = r.rows.back();
  toy::BiasVerdict v = toy::judge_bias(r.candidates, last, r.diverged, a.tol);
  theory::KSampleLimit lim;
  if (ksample && !v.diverged) {
    lim = theory::compare_with_references(problem, refs, r.final_param, a.tol);
    v.text = lim.verdict;  // the same distances, plus which norms the limit minimizes
    v.converged_to = lim.converged_to;
  }
  if (!a.out.empty()) write_file_atomic(a.out, toy::trajectory_csv(r.candidates, r.rows));

  const double loss0 = r.rows.front().loss;
  if (a.json) {
    nlohmann::json j{{"optimizer", a.optimizer},
                     {"optimizer_name", opt->name()},
                     {"schedule", sched->name()},
                     {"robbins_monro", sched->satisfies_robbins_monro()},
                     {"problem",
                      {{"kind", toy::to_string(problem.kind)},
                       {"m", problem.m()},
                       {"n", problem.n()},
                       {"samples", problem.samples()},
                       {"source", a.instance.empty() ? "random" : a.instance},
                       {"entries", a.entries},
                       {"seed", a.seed}}},
                     {"scalar", scalar_name},
                     {"digits", a.exact ? 0u : a.digits},
                     {"steps", r.steps_done},
                     {"loss0", num(loss0)},
                     {"loss", num(last.loss)},
                     {"norm_max", num(last.norm_max)},
                     {"norm_2", num(last.norm_2)},
                     {"norm_F", num(last.norm_f)},
                     {"diverged", v.diverged},
                     {"tolerance", a.tol},
                     {"verdict", v.text},
                     {"converged_to", v.converged_to},
                     {"nearest", v.nearest},
                     {"candidates", nlohmann::json::array()}};
    for (std::size_t c = 0; c < r.candidates.size(); ++c) {
      nlohmann::json cj{{"name", r.candidates[c]},
                        {"label", toy::candidate_label(r.candidates[c])},
                        {"dist", num(last.dist[c])},
                        {"rel_dist", num(last.rel_dist[c])}};
      if (ksample) {
        const auto& ref = refs[c];
        cj["min_norm"] = num(to_double(ref.value));
        cj["lower_bound"] = num(to_double(ref.lower_bound));
        cj["certificate_gap"] = num(ref.certificate_gap);
        cj["feasibility"] = num(ref.feasibility);
        cj["exact"] = ref.exact;
        cj["method"] = ref.method;
        if (!lim.norms.empty()) {
          cj["limit_norm"] = num(lim.norms[c].limit_norm);
          cj["excess"] = num(lim.norms[c].excess);
          cj["projected_excess"] = num(lim.norms[c].projected_excess);
          cj["norm_optimal"] = lim.norms[c].norm_optimal;
        }
      }
      j["candidates"].push_back(cj);
    }
    if (ksample) {
      j["residual"] = num(lim.residual);
      j["norm_optimal"] = lim.norm_optimal;
    }
    if (!decay.empty()) {
      j["decay_to"] = a.decay_to;
      j["budgets"] = nlohmann::json::array();
      for (const auto& d : decay)
        j["budgets"].push_back({{"norm", d.norm},
                                {"radius", num(to_double(d.radius))},
                                {"threshold", num(to_double(d.threshold))},
                                {"exact_fit", d.exact_fit},
                                {"certified_value", num(to_double(d.value))},
                                {"solver_gap", num(to_double(d.gap))}});
    }
    if (!a.out.empty()) j["trajectory"] = a.out;
    std::cout << j.dump(2) << '\n';
  } else {
    fmt::print("optimizer {}   schedule {}{}\n", opt->name(), sched->name(),
               sched->satisfies_robbins_monro() ? "" : "  (not eta->0 & sum=inf)");
    fmt::print("problem {} {}x{}{} ({})   scalar {}{}\n", toy::to_string(problem.kind), problem.m(), problem.n(),
               problem.samples() > 1 ? fmt::format(", {} samples", problem.samples()) : std::string(),
               a.instance.empty() ? fmt::format("{}, seed {}", a.entries, a.seed) : a.instance, scalar_name,
               a.exact ? std::string() : fmt::format(" ({} digits)", a.digits));
    fmt::print("steps {}   loss {:.6g} -> {:.6g}\n", r.steps_done, loss0, last.loss);
    if (!ksample) {
      fmt::print("{:<8} {:>14} {:>14}\n", "solution", "distance", "relative");
      for (std::size_t c = 0; c < r.candidates.size(); ++c)
        fmt::print("{:<8} {:>14.6g} {:>14.6g}\n", toy::candidate_label(r.candidates[c]), last.dist[c],
                   last.rel_dist[c]);
    } else {
      fmt::print("interpolation residual |(W_T - W0) X - R0|max / |R0|max = {:.3g}\n", lim.residual);
      fmt::print("{:<8} {:>12} {:>12} {:>12} {:>12} {:>10} {:>10} {:>10}\n", "solution", "distance", "relative",
                 "min norm", "|W_T - W0|", "excess", "proj.exc.", "cert. gap");
      for (std::size_t c = 0; c < r.candidates.size(); ++c) {
        const bool have = c < lim.norms.size();
        fmt::print("{:<8} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>10.3g} {:>10.3g} {:>10.2g}\n",
                   toy::candidate_label(r.candidates[c]), last.dist[c], last.rel_dist[c], to_double(refs[c].value),
                   have ? lim.norms[c].limit_norm : NAN, have ? lim.norms[c].excess : NAN,
                   have ? lim.norms[c].projected_excess : NAN, refs[c].certificate_gap);
      }
      fmt::print("(norms of W - W0 in the candidate's own norm; excess = |W_T - W0|/min - 1; proj.exc. = the same "
                 "for the nearest interpolant of W X = Y; cert. gap = (min - certified lower bound)/min)\n");
      for (std::size_t c = 0; c < refs.size(); ++c)
        fmt::print("{:<8} {}\n", toy::candidate_label(r.candidates[c]) + ":", refs[c].method);
    }
    for (const auto& d : decay)
      fmt::print("{} budget s/lambda = {:.8g} (exact-fit threshold {:.8g}: {}), certified min loss {:.6g} (gap "
                 "{:.2g}), decay toward {}\n",
                 d.norm == "max" ? "max-norm" : "spectral", to_double(d.radius), to_double(d.threshold),
                 d.exact_fit ? "exact fit" : "constraint active", to_double(d.value), to_double(d.gap), a.decay_to);
    if (has_decay && ksample)
      fmt::print("(weight decay: the budget predictions are for one sample; none shown for k > 1)\n");
    if (has_decay && a.exact)
      fmt::print("(weight decay: the budget predictions are computed in MPFR; run without --exact to see them)\n");
    fmt::print("verdict: {} (relative tolerance {:g})\n", v.text, a.tol);
    if (!a.out.empty()) fmt::print("trajectory: {}\n", a.out);
  }
  return kOk;
}

int run(const BiasArgs& a) {
  if (a.problem == "classify" || a.problem == "batch1") {
    if (a.exact) throw InputError("--exact: the cross-entropy needs exp and log; use --digits");
    ClassifyArgs c;
    c.optimizer = a.optimizer;
    c.instance = a.instance;
    c.batch1_example = a.problem == "batch1";
    c.entries = a.entries;
    c.classes = a.classes;
    c.n = a.n;
    c.samples = a.samples > 1 ? a.samples : 8;
    c.digits = a.digits;
    c.steps = a.steps;
    if (!a.schedule.empty()) c.schedule = a.schedule;
    c.batch = a.batch;
    c.normalize = a.normalize;
    c.seed = a.seed;
    c.records = a.records;
    c.tol = a.tol;
    c.out = a.out;
    c.json = a.json;
    return run_bias_classify(c);
  }
  if (a.batch != "full" || a.normalize || a.classes != 3)
    throw InputError("--batch, --normalize and --classes apply to --problem classify | batch1");
  // --exact: the iterates are exact; MPFR at --digits is still used for the spectral norms (and the k-sample
  // min spectral-norm reference).
  PrecisionScope scope(a.digits);
  if (a.exact) return run_typed<Rational>(a, "rational");
  // Issue 6: a relative distance below what --digits resolves would be decided by rounding.
  require_resolvable_tolerance("--tol", a.tol, to_double(ScalarTraits<Real>::epsilon()), a.digits, "--exact");
  return run_typed<Real>(a, "mpfr");
}

std::string optimizer_list() {
  std::string s;
  for (const auto& [name, help] : solvers::optimizer_help()) s += "\n  " + name + ": " + help;
  return s;
}

}  // namespace

Command add_bias(CLI::App& app) {
  auto args = std::make_shared<BiasArgs>();
  CLI::App* sub = app.add_subcommand(
      "bias",
      "Runs one optimizer on a toy least-squares problem L = 1/2|W x - y|^2 (W0 = 0; or continuation from W0, "
      "the LoRA surrogate, k samples) and reports the distance of its iterates to the candidate solutions "
      "W*_max = y sign(x)^T/|x|_1 (min max-norm, SignGD's limit), W*_2 = y x^T/|x|_2^2 (min spectral norm, "
      "Muon's limit) and W*_F (min Frobenius norm), with a verdict: 'converged to X' when the relative distance "
      "|W_T - X|_F/|X - W0|_F is at most --tol, else 'none of them'. With --samples K > 1 (W X = Y, X n x K) the "
      "candidates are the min max-norm (exact rational simplex), min spectral-norm and min Frobenius interpolants "
      "found by the solvers, each with its optimality certificate, and the verdict also says which norms the limit "
      "minimizes.");
  sub->add_option("--optimizer", args->optimizer,
                  "Optimizer spec NAME[:key=value,...], e.g. signgd, adam:eps=0, muon, muon:ortho=pe5, "
                  "muon-ideal, adamuon, normuon, muonall, gd. Known:" + optimizer_list())
      ->required();
  sub->add_option("--problem", args->problem,
                  "single | continuation | lora | ksample (default single; ksample when --samples > 1) | classify "
                  "(separable K-class data, cross-entropy: the run's normalized margins against the certified "
                  "max-norm, spectral and Frobenius max-margin classifiers) | batch1 (this project's batch-size-1 "
                  "example, 3 points in R^2)");
  sub->add_option("--instance", args->instance,
                  "Read the instance from a file instead: sections [x] (one sample per row), [y] (one target per "
                  "row), optional [w0] (m rows) and [a] (LoRA factor, r rows); CSV or spaces; decimals or p/q");
  sub->add_option("--entries", args->entries, "Random entries: gaussian | integer (non-zero in [-3, 3])");
  sub->add_option("--m", args->m, "Rows of W (default 4)")->check(CLI::Range(1, 4096));
  sub->add_option("--n", args->n, "Columns of W (default 6)")->check(CLI::Range(1, 4096));
  sub->add_option("--samples", args->samples,
                  "Samples k (1 <= k <= n; default 1); k > 1 selects --problem ksample (W0 random, X n x k, Y m x k); "
                  "classify: the number of data points N (>= K; default 8)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--rank", args->rank, "LoRA rank r for --problem lora (default 2)")->check(CLI::Range(1, 4096));
  sub->add_option("--digits", args->digits, "MPFR working precision in decimal digits (default 30)")
      ->check(digits_validator());
  sub->add_flag("--exact", args->exact,
                "Exact rational arithmetic (field-only optimizers: signgd, gd; schedules with rational values)");
  sub->add_option("--steps", args->steps, "Steps T (default 2000)")->check(CLI::Range(0L, 100000000L));
  sub->add_option("--schedule", args->schedule,
                  "Step sizes: constant:lr=E | power:lr=E,p=P (E/(t+1)^P) | cosine:lr=E,steps=T,min=M | "
                  "linear:lr=E,steps=T,final=F,warmdown=W | a bare number (constant); default power:lr=0.5,p=1 "
                  "(classify, batch1: power:lr=0.1,p=0.5)");
  sub->add_option("--seed", args->seed, "Seed of the random instance (default 1)");
  sub->add_option("--records", args->records, "About this many log-spaced trajectory rows (default 200)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--tol", args->tol,
                  "Relative distance that counts as converged (default 1e-2); at least 100 x the unit roundoff of "
                  "--digits (exit 2 otherwise)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--out", args->out,
                  "Write the trajectory CSV here (atomically): step,lr,loss,norm_max,norm_2,norm_F,dist_<c>...,"
                  "rel_<c>... for the candidates c in max, 2, F");
  sub->add_option("--decay-to", args->decay_to,
                  "With an optimizer that has decoupled weight decay (wd > 0): zero (W <- W - lr*wd*W, default) or w0 "
                  "(W <- W - lr*wd*(W - W0), continuation only); the candidates then include the predicted limits "
                  "W*_max(wd), W*_2(wd) for the budgets s/wd (theory/weight_decay.hpp)");
  sub->add_option("--classes", args->classes, "classify: number of classes K (default 3)")->check(CLI::Range(2, 64));
  sub->add_option("--batch", args->batch,
                  "classify, batch1: full (default) | cyclic:B | random:B (B samples per step; without momentum "
                  "and B = 1 the bias can change)");
  sub->add_flag("--normalize", args->normalize,
                "classify, batch1: divide each gradient by its Frobenius norm (with gd: normalized GD)");
  sub->add_flag("--json", args->json, "Machine-readable output");
  return {sub, [args] { return run(*args); }};
}

}  // namespace muonlab::cli
