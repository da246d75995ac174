// Newton–Schulz: schedules act on singular values as their scalar polynomials.
#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("the cubic schedule (1.5, -0.5) converges to the polar factor", "[ns][mpfr]") {
  PrecisionScope scope(50);
  Rng rng(11);
  // Singular values spread over [1e-2, 1]·scale so convergence needs the full schedule: the cubic maps
  // σ ↦ σ(3 − σ²)/2; from 1e-2/‖G‖F it takes ~log1.5(100·√n) ≈ 14 steps to reach the quadratic regime, then
  // squares the error each step, so 40 steps reach 1e-50.
  const Eigen::Index m = 6, n = 4;
  const MatR u = random_orthogonal<Real>(rng, m).leftCols(n), v = random_orthogonal<Real>(rng, n);
  VecR s(n);
  s << Real(1), Real("0.3"), Real("0.05"), Real("0.01");
  const MatR g = u * s.asDiagonal() * v.transpose();
  NsSchedule<Real> sch = schedule_cast<Real>(named_schedule("cubic", 40));
  sch.eps = 0;
  const MatR x = newton_schulz(g, sch);
  CHECK(norm_max(MatR(x - ortho(g))) < Real("1e-45"));
}

TEST_CASE("Keller NS5 maps singular values by its scalar polynomial: NS(U S V^T) = U p(S) V^T", "[ns][mpfr]") {
  PrecisionScope scope(40);
  const NsSchedule<Real> sch = schedule_cast<Real>(named_schedule("ns5"));
  for (auto [m, n] : {std::pair<long, long>{5, 3}, {3, 5}, {4, 4}}) {
    Rng rng(5, static_cast<std::uint64_t>(m * 10 + n));
    const Eigen::Index k = std::min(m, n);
    const MatR u = random_orthogonal<Real>(rng, m).leftCols(k), v = random_orthogonal<Real>(rng, n).leftCols(k);
    VecR s(k);
    for (Eigen::Index i = 0; i < k; ++i) s(i) = Real(rng.uniform(0.01, 2.0));
    const MatR g = u * s.asDiagonal() * v.transpose();
    const Real scale = ns_normalizer(sch, norm_frobenius(g));
    VecR ps(k);
    for (Eigen::Index i = 0; i < k; ++i) ps(i) = ns_scalar_map(sch, Real(s(i) / scale));
    const MatR expect = u * ps.asDiagonal() * v.transpose();
    // Both sides are exact functions of G evaluated with O(steps·n) roundings of size 1e-40, amplified by the
    // polynomial's Lipschitz constant (< 10 per step on [0, 1.2]): 1e-40·10⁵·n ≪ 1e-30.
    CHECK(norm_max(MatR(newton_schulz(g, sch) - expect)) < Real("1e-30"));
  }
}

TEST_CASE("Keller NS5 in double: singular values land in its known band (0.68, 1.13)", "[ns][double]") {
  Rng rng(9);
  const MatD g = random_gaussian<double>(rng, 64, 32);
  const MatD x = newton_schulz(g, schedule_cast<double>(named_schedule("ns5")));
  const VecD s = singular_values(x);
  CHECK(s.maxCoeff() < 1.2);
  CHECK(s.minCoeff() > 0.6);
}
