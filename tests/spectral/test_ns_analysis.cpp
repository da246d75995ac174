// Newton–Schulz step analysis (spectral/ns_analysis.hpp).
#include "spectral/errors.hpp"
#include "spectral/ns_analysis.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("Keller NS5: fixed points, critical points and the band (0.6818, 1.1344)", "[ns][analysis]") {
  PrecisionScope scope(40);
  const NsAnalysis an = analyze_schedule(schedule_cast<Real>(named_schedule("ns5")), 40);
  REQUIRE(an.distinct.size() == 1);
  const NsStepAnalysis& s = an.distinct[0];
  CHECK(s.uses.size() == 5);
  REQUIRE(s.fixed_points.size() == 2);
  REQUIRE(s.critical_points.size() == 2);
  // Roots from the quadratic in x²: residuals at the working precision (coefficients O(1), so 1e-35 is ample).
  for (const Real& x : s.fixed_points) CHECK(abs(s.step(x) - x) < Real("1e-35"));
  for (const Real& x : s.critical_points) {
    const Real y = x * x;
    CHECK(abs(s.step.a + 3 * s.step.b * y + 5 * s.step.c * y * y) < Real("1e-35"));
  }
  // Both fixed points repel (NS5 never converges; it oscillates in a band).
  for (const Real& d : s.fixed_point_slopes) CHECK(abs(d) > 1);
  REQUIRE(s.has_band);
  CHECK(s.band_certified == 1);
  // The band is [p(c₂), p(p(c₂))]: the value at the local minimum, and its image.
  const Real lo = s.critical_values[1];
  CHECK(abs(s.band_lo - lo) < Real("1e-15"));
  CHECK(abs(s.band_hi - s.step(lo)) < Real("1e-15"));
  CHECK(to_double(s.band_lo) == Approx(0.68183).margin(1e-5));
  CHECK(to_double(s.band_hi) == Approx(1.13436).margin(1e-5));
  CHECK(to_double(an.growth_at_zero) == Approx(484.876).epsilon(1e-5));  // 3.4445⁵
  REQUIRE(s.has_divergence);
  CHECK(to_double(s.divergence_threshold) == Approx(1.26373).margin(1e-5));
  REQUIRE(s.has_recapture);
  CHECK(s.recapture_limit > s.band_hi);
  CHECK(s.recapture_limit < s.divergence_threshold);
  CHECK(abs(s.step(s.recapture_limit) - s.band_hi) < Real("1e-30"));
}

TEST_CASE("the cubic (3x - x^3)/2: superattracting 1, divergence beyond sqrt 5", "[ns][analysis]") {
  PrecisionScope scope(30);
  const NsAnalysis an = analyze_schedule(schedule_cast<Real>(named_schedule("cubic", 3)), 30);
  const NsStepAnalysis& s = an.distinct.at(0);
  REQUIRE(s.fixed_points.size() == 1);
  CHECK(abs(s.fixed_points[0] - 1) < Real("1e-25"));
  CHECK(abs(s.fixed_point_slopes[0]) < Real("1e-25"));
  REQUIRE(s.has_divergence);
  // |p(x)| = x beyond the fixed point: p(x) = −x at x² = 5.
  CHECK(abs(s.divergence_threshold - sqrt(Real(5))) < Real("1e-25"));
  CHECK(to_double(an.growth_at_zero) == Approx(3.375));
}

TEST_CASE("positive_even_quartic_roots", "[ns][analysis]") {
  PrecisionScope scope(30);
  // (x² − 1)(x² − 4) = x⁴ − 5x² + 4
  auto r = positive_even_quartic_roots(Real(1), Real(-5), Real(4));
  REQUIRE(r.size() == 2);
  CHECK(abs(r[0] - 1) < Real("1e-25"));
  CHECK(abs(r[1] - 2) < Real("1e-25"));
  CHECK(positive_even_quartic_roots(Real(1), Real(0), Real(1)).empty());
  auto lin = positive_even_quartic_roots(Real(0), Real(2), Real(-8));  // 2x² − 8
  REQUIRE(lin.size() == 1);
  CHECK(abs(lin[0] - 2) < Real("1e-25"));
}

TEST_CASE("ns analysis: bad input", "[ns][analysis][errors]") {
  NsSchedule<Real> empty;
  CHECK_THROWS_AS(analyze_schedule(empty, 30), InputError);
  CHECK_THROWS_AS(analyze_schedule(schedule_cast<Real>(named_schedule("ns5")), 10), InputError);
}
