// Newton–Schulz (Keller NS5) vs its GEMM roofline and vs the exact polar factor by LAPACK gesdd, at n×n.
//
// FLOP count of one quintic step on a square n×n X: A = XXᵀ (2n³), A² (2n³), (bA + cA²)X (2n³), i.e. 3 GEMMs; five
// steps are 15 GEMMs. The roofline ratio is time(NS5) / (15 · time(GEMM n×n)). Run:
//   build/bench/bench_newton_schulz --benchmark_min_time=1
// (OPENBLAS_CORETYPE=SkylakeX speeds up GEMM on this CPU; the ratios are what we report.)
#include "spectral/spectral.hpp"

#include <benchmark/benchmark.h>

using namespace muonlab;
using namespace muonlab::spectral;

namespace {

template <class S>
Mat<S> input(Eigen::Index n) {
  Rng rng(1);
  return random_gaussian<S>(rng, n, n);
}

template <class S>
void BM_Gemm(benchmark::State& st) {
  const Eigen::Index n = st.range(0);
  const Mat<S> a = input<S>(n), b = input<S>(n);
  Mat<S> c(n, n);
  for (auto _ : st) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

template <class S>
void BM_NewtonSchulz5(benchmark::State& st) {
  const Eigen::Index n = st.range(0);
  const Mat<S> g = input<S>(n);
  const NsSchedule<S> sch = schedule_cast<S>(named_schedule("ns5"));
  for (auto _ : st) {
    Mat<S> x = newton_schulz(g, sch);
    benchmark::DoNotOptimize(x.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(15 * 2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

template <class S>
void BM_PolarGesdd(benchmark::State& st) {
  const Eigen::Index n = st.range(0);
  const Mat<S> g = input<S>(n);
  for (auto _ : st) {
    Mat<S> q = ortho(g);
    benchmark::DoNotOptimize(q.data());
  }
}

}  // namespace

BENCHMARK_TEMPLATE(BM_Gemm, double)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_NewtonSchulz5, double)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_PolarGesdd, double)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Gemm, float)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_NewtonSchulz5, float)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_PolarGesdd, float)->Arg(1024)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
