// Benchmarks of the toy layer (issue 3; results in bench/README.md):
//   BM_VerifyToyClaims     `muonlab verify` on the issue-3 claims at 50 digits, default trials (target < 30 s).
//   BM_SignGdToyRun/T      T steps of SignGD on a 16×32 single-sample instance at 100 digits, through
//                          solvers::make_optimizer and toy::run_toy (the peer is bench/peers/toy_mpmath.py:
//                          the same loop in mpmath; target ≥ 20× faster per step).
#include "solvers/optimizer.hpp"
#include "spectral/scalar.hpp"
#include "theory/closed_forms.hpp"
#include "theory/registry.hpp"
#include "toy/runner.hpp"

#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace muonlab;

namespace {

const std::vector<std::string> kToyClaims = {"lemma-d1",       "thm-3.1",          "thm-3.2",       "prop-d4",
                                             "cor-d7",         "bias-gd",          "bias-adam-eps0", "bias-adam",
                                             "bias-muon",      "bias-muon-pe5",    "bias-adam-eps",  "bias-adamuon",
                                             "bias-normuon",   "bias-muonall"};

void BM_VerifyToyClaims(benchmark::State& state) {
  theory::ClaimSettings s;
  s.precision = spectral::Precision(50);
  std::vector<std::string> ids;
  for (const auto& c : theory::all_claims())
    for (const auto& id : kToyClaims)
      if (c->id() == id) ids.push_back(id);
  for (auto _ : state) {
    int holds = 0;
    for (const theory::Claim* c : theory::select_claims(ids))
      holds += theory::run_claim(*c, s).holds() ? 1 : 0;
    if (holds != static_cast<int>(ids.size())) state.SkipWithError("a toy claim did not hold");
    benchmark::DoNotOptimize(holds);
  }
  state.counters["claims"] = static_cast<double>(ids.size());
}
BENCHMARK(BM_VerifyToyClaims)->Unit(benchmark::kSecond)->Iterations(1);

void BM_SignGdToyRun(benchmark::State& state) {
  const long steps = state.range(0);
  PrecisionScope scope(100);
  toy::ProblemSpec spec;
  spec.m = 16;
  spec.n = 32;
  const toy::Problem<Real> p = toy::make_problem<Real>(spec);
  const auto candidates = theory::candidate_solutions(p);
  toy::RunOptions ro;
  ro.steps = steps;
  ro.records = 20;
  ro.spectral_norm = false;  // the peer computes no SVDs either
  const Real eta0("0.1");
  double loss = 0;
  for (auto _ : state) {
    auto opt = solvers::make_optimizer<Real>("signgd");
    const auto r = toy::run_toy<Real>(p, *opt, [&](long t) { return Real(eta0 / (t + 1)); }, candidates, ro);
    loss = r.rows.back().loss;
    benchmark::DoNotOptimize(loss);
  }
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["final_loss"] = loss;
  state.counters["s_per_step"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_SignGdToyRun)->Arg(1000)->Arg(100000)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
