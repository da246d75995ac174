// Benchmarks of the Polar Express layer (issue 4 targets: design of 10 iterations at 50 digits < 1 s;
// certification of one schedule < 10 s). Results in bench/README.md.
#include "spectral/certify.hpp"
#include "spectral/ns_analysis.hpp"
#include "spectral/polar_express.hpp"

#include <benchmark/benchmark.h>

using namespace muonlab;
using namespace muonlab::spectral;

namespace {

PeDesignOptions<Real> paper_setting() {
  PeDesignOptions<Real> o;
  o.lower = Real(1) / 1000;
  o.iterations = 10;
  o.safety = Real(1) / 100;
  o.cushion = Real(2) / 100;
  return o;
}

// The paper's setting (l = 1e-3, 10 iterations, safety 1e-2, cushion 0.02) designed at D digits.
void BM_PeDesign10(benchmark::State& state) {
  PrecisionScope scope(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(pe_design(paper_setting()));
}
BENCHMARK(BM_PeDesign10)->Arg(50)->Arg(200)->Arg(1000)->Unit(benchmark::kMillisecond);

// The same design in float64 (what the reference Python code does).
void BM_PeDesign10Double(benchmark::State& state) {
  PeDesignOptions<double> o;
  o.lower = 1e-3;
  o.iterations = 10;
  o.safety = 1e-2;
  o.cushion = 0.02;
  for (auto _ : state) benchmark::DoNotOptimize(pe_design(o));
}
BENCHMARK(BM_PeDesign10Double)->Unit(benchmark::kMicrosecond);

// Certification of the paper-setting schedule on [1e-3, 1] with D-digit balls.
void BM_PeCertify10(benchmark::State& state) {
  PrecisionScope scope(60);
  const auto sch = pe_design(paper_setting()).schedule();
  CertifyOptions co;
  co.digits = static_cast<unsigned>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(certify_image(sch.steps, Real(1) / 1000, Real(1), co));
}
BENCHMARK(BM_PeCertify10)->Arg(50)->Arg(1000)->Unit(benchmark::kMillisecond);

// The independent subdivision enclosure of Keller's NS5 on [1e-3, 1] to width 1e-6 (the tests' cross-check).
void BM_SubdivisionNs5(benchmark::State& state) {
  PrecisionScope scope(30);
  const auto steps = schedule_cast<Real>(named_schedule("ns5")).steps;
  for (auto _ : state)
    benchmark::DoNotOptimize(enclose_image_by_subdivision(steps, Real(1) / 1000, Real(1), Real("1e-6"), 30));
}
BENCHMARK(BM_SubdivisionNs5)->Unit(benchmark::kMillisecond);

// Both published tables reproduced at 50 digits (design, float64 rerun, certification per entry).
void BM_PeReproduceTables(benchmark::State& state) {
  PrecisionScope scope(50);
  for (auto _ : state)
    for (const auto& t : pe_published_tables()) benchmark::DoNotOptimize(pe_reproduce_table(t));
}
BENCHMARK(BM_PeReproduceTables)->Unit(benchmark::kMillisecond);

// The Newton–Schulz analysis of NS5 (roots, band, certification) at 40 digits.
void BM_NsAnalysisNs5(benchmark::State& state) {
  PrecisionScope scope(40);
  const auto sch = schedule_cast<Real>(named_schedule("ns5"));
  for (auto _ : state) benchmark::DoNotOptimize(analyze_schedule(sch, 40));
}
BENCHMARK(BM_NsAnalysisNs5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
