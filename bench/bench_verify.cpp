// Wall time of `muonlab verify` (every registered claim, default trials) at 50, 500 and 2000 digits (issue 13;
// results in bench/README.md and the README's verify section).
//   BM_Verify/D   run_claim on the whole registry at D digits, as `muonlab verify --digits D` does (without printing);
//                 fails (SkipWithError) unless every claim holds. Wall time is the measure (UseRealTime): the run is
//                 single-threaded, so on a quiet machine wall ≈ CPU.
// Any digits: `build/bench/bench_verify --benchmark_filter=BM_Verify/300` takes no arguments beyond the filter, so
// other precisions are timed with the CLI (`time build/muonlab verify --digits D`).
#include "theory/registry.hpp"

#include <benchmark/benchmark.h>

#include <string>

using namespace muonlab;

namespace {

void BM_Verify(benchmark::State& state) {
  theory::ClaimSettings s;
  s.precision = spectral::Precision(static_cast<unsigned>(state.range(0)));
  const auto claims = theory::select_claims({});
  int held = 0;
  for (auto _ : state) {
    held = 0;
    std::string failed;
    for (const theory::Claim* c : claims) {
      const theory::ClaimResult r = theory::run_claim(*c, s);
      if (r.holds()) ++held;
      else failed += (failed.empty() ? "" : ", ") + r.id + " (" + theory::to_string(r.verdict) + ")";
    }
    if (!failed.empty()) state.SkipWithError(("claims did not hold: " + failed).c_str());
    benchmark::DoNotOptimize(held);
  }
  state.counters["claims"] = static_cast<double>(claims.size());
  state.counters["held"] = held;
  state.counters["digits"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_Verify)->Arg(50)->Arg(500)->Arg(2000)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
