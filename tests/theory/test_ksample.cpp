// The k-sample references (min max-norm / spectral / Frobenius interpolants with certificates) and the comparison
// of a limit with them (theory/ksample.hpp).
#include "theory/ksample.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace muonlab;
using namespace muonlab::theory;

namespace {
toy::ProblemSpec ksample_spec(long m, long n, long k, std::uint64_t seed) {
  toy::ProblemSpec spec;
  spec.kind = toy::ProblemKind::k_sample;
  spec.m = m, spec.n = n, spec.samples = k, spec.seed = seed;
  return spec;
}
}  // namespace

TEST_CASE("k-sample references interpolate and carry their certificates", "[theory][ksample]") {
  PrecisionScope scope(40);
  const toy::Problem<Real> p = toy::make_problem<Real>(ksample_spec(3, 5, 2, 4));
  const auto refs = ksample_references(p);
  REQUIRE(refs.size() == 3);
  CHECK(refs[0].candidate.name == "max");
  CHECK(refs[1].candidate.name == "2");
  CHECK(refs[2].candidate.name == "F");
  // The LP and the Frobenius solution are exact rationals: zero certificate gap and zero residual, exactly.
  CHECK(refs[0].exact);
  CHECK(refs[0].certificate_gap == 0.0);
  CHECK(refs[2].certificate_gap == 0.0);
  // Converted back to 40 digits the exact solutions interpolate to rounding (sums of n products: 1e-36 ~ 1e4 ε).
  for (const auto& r : refs) {
    const MatR res = (r.candidate.p - p.p0) * p.u - p.r0;
    CHECK(to_double(Real(spectral::norm_max(res) / spectral::norm_max(p.r0))) < 1e-36);
  }
  // Spectral: ‖W_F‖2 equals the dual bound ‖Y L^{-T}‖2 to rounding (two SVDs at 40 digits: 1e-35 ~ 1e5 ε).
  CHECK(refs[1].certificate_gap < 1e-35);
  // The three minima are ordered as norms of the same family allow: the LP's max norm is at most W_F's, W_F's
  // spectral norm at most the LP solution's.
  const MatR dmax = refs[0].candidate.p - p.p0, dF = refs[2].candidate.p - p.p0;
  CHECK(refs[0].value <= spectral::norm_max(dF));
  CHECK(refs[1].value <= spectral::norm_spectral(dmax) * Real(1 + 1e-30));
  CHECK(refs[2].value <= spectral::norm_frobenius(dmax));
}

TEST_CASE("comparison: the verdict names the reached reference and the minimized norms", "[theory][ksample]") {
  PrecisionScope scope(30);
  const toy::Problem<Real> p = toy::make_problem<Real>(ksample_spec(3, 5, 2, 2));
  const auto refs = ksample_references(p);
  // A limit at W_F is W*_2 = W*_F (both references are the same matrix) and minimizes the spectral and
  // Frobenius norms, not the max norm (generic data: the LP's minimum is strictly smaller).
  const KSampleLimit f = compare_with_references(p, refs, refs[2].candidate.p, 1e-2);
  CHECK(f.verdict == "converged to W*_2 = W*_F");
  CHECK(f.residual < 1e-25);
  CHECK(f.norm_optimal == std::vector<std::string>{"2", "F"});
  CHECK(f.norms[0].excess > 1e-2);
  // A limit at the LP solution.
  const KSampleLimit x = compare_with_references(p, refs, refs[0].candidate.p, 1e-2);
  CHECK(x.converged_to == std::vector<std::string>{"max"});
  CHECK(x.norms[0].norm_optimal);
  CHECK(x.norms[0].rel_dist == 0.0);
  // Halfway between: interpolates (the constraints are linear) but minimizes nothing and reaches nothing.
  const MatR mid = (refs[0].candidate.p + refs[2].candidate.p) / Real(2);
  const KSampleLimit h = compare_with_references(p, refs, mid, 1e-2);
  CHECK(h.converged_to.empty());
  CHECK(h.verdict.rfind("none of them", 0) == 0);
  // A non-finite limit is "diverged".
  MatR bad = mid;
  bad(0, 0) = Real(std::numeric_limits<double>::infinity());
  CHECK(compare_with_references(p, refs, bad, 1e-2).verdict == "diverged");
}

TEST_CASE("k-sample references: inconsistent, dependent and trivial data are input errors", "[theory][ksample]") {
  // k = 3 > n = 2 generic samples: W X = Y has no solution (the LP is infeasible).
  toy::Problem<Rational> p;
  p.kind = toy::ProblemKind::k_sample;
  p.x = MatQ(2, 3);
  p.x << 1, 0, 1, 0, 1, 1;
  p.y = MatQ(1, 3);
  p.y << 1, 1, 3;  // the third sample would need y = 2
  p.finalize();
  CHECK_THROWS_AS(ksample_references(p), InputError);
  // Consistent (y = 2) but dependent: the LP is fine, the spectral/Frobenius solvers need independent samples.
  p.y(0, 2) = 2;
  p.finalize();
  CHECK_THROWS_AS(ksample_references(p), InputError);
  // R0 = 0: W0 already fits.
  p.y.setZero();
  p.finalize();
  CHECK_THROWS_AS(ksample_references(p), InputError);
}
