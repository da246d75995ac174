// Certified images of intervals under composed quintics (spectral/certify.hpp).
#include "spectral/certify.hpp"
#include "spectral/errors.hpp"
#include "spectral/newton_schulz.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace muonlab;
using namespace muonlab::spectral;

namespace {
std::vector<NsStep<Real>> steps_of(const std::string& name) { return schedule_cast<Real>(named_schedule(name)).steps; }
}  // namespace

TEST_CASE("certify: the identity step maps [1/4, 1/2] onto itself, exactly enclosed", "[certify][arb]") {
  PrecisionScope scope(40);
  const ImageCertificate c = certify_image({{Real(1), Real(0), Real(0)}}, Real("0.25"), Real("0.5"));
  REQUIRE(c.status == CertStatus::certified);
  // Dyadic endpoints and coefficients: every ball is exact, so outer = inner = [1/4, 1/2].
  CHECK(c.outer.lo == Real("0.25"));
  CHECK(c.outer.hi == Real("0.5"));
  CHECK(c.inner.lo == Real("0.25"));
  CHECK(c.inner.hi == Real("0.5"));
  CHECK(c.max_error.lo == Real("0.75"));
  CHECK(c.derivative_at_zero.lo == 1);
  CHECK(c.derivative_at_zero.hi == 1);
}

TEST_CASE("certify NS5 on [1e-3, 1]: every sampled value is inside, the bounds are tight", "[certify][arb][mpfr]") {
  PrecisionScope scope(40);
  const auto steps = steps_of("ns5");
  CertifyOptions co;
  co.digits = 40;
  const ImageCertificate c = certify_image(steps, Real("0.001"), Real(1), co);
  REQUIRE(c.status == CertStatus::certified);
  REQUIRE(c.stage_outer.size() == 5);
  Real smin = 10, smax = -10;
  for (int i = 0; i <= 4000; ++i) {
    const Real x = Real("0.001") + (Real(1) - Real("0.001")) * i / 4000;
    Real y = x;
    for (const auto& s : steps) y = s(y);
    smin = std::min(smin, y);
    smax = std::max(smax, y);
    // The sample itself is rounded at 40 digits (five steps, relative error ≲ 1e-38), the bounds are rigorous.
    CHECK(y >= c.outer.lo - Real("1e-35"));
    CHECK(y <= c.outer.hi + Real("1e-35"));
  }
  // The certified ends are within the rounding of 40-digit balls of each other (outer vs inner).
  CHECK(c.max_value.hi - c.max_value.lo < Real("1e-30"));
  CHECK(c.min_value.hi - c.min_value.lo < Real("1e-30"));
  // The grid gets within its resolution of the extremes (|φ'| ≤ 500 on [1e-3, 1], spacing 2.5e-4: a grid point
  // is within ~(spacing/2)²·|φ''|/2 of an interior maximum and within spacing·|φ'| of an end minimum).
  CHECK(to_double(Real(c.max_value.lo - smax)) < 1e-2);
  CHECK(to_double(Real(smin - c.min_value.hi)) < 0.2);
  // Known: NS5 maps [1e-3, 1] into about [0.4705, 1.2024] (p(1e-3) after five steps, and the top of the band).
  CHECK(to_double(c.outer.lo) == Approx(0.4705).margin(1e-3));
  CHECK(to_double(c.outer.hi) == Approx(1.2024).margin(1e-3));
  // φ'(0) = 3.4445⁵ for the binary64 value of 3.4445, exactly: a 53-bit number to the fifth power has ≤ 265
  // bits, so at 100 digits (332 bits) the product is exact and must lie in the ball.
  {
    PrecisionScope exact(100);
    const Real a(3.4445);
    const Real a5 = a * a * a * a * a;
    CHECK(a5 >= c.derivative_at_zero.lo);
    CHECK(a5 <= c.derivative_at_zero.hi);
  }
}

TEST_CASE("certify agrees with the independent subdivision enclosure", "[certify][arb]") {
  PrecisionScope scope(30);
  for (const char* name : {"ns5", "pe5"}) {
    const auto steps = steps_of(name);
    CertifyOptions co;
    co.digits = 30;
    const ImageCertificate c = certify_image(steps, Real("0.001"), Real(1), co);
    REQUIRE(c.status == CertStatus::certified);
    const CertInterval sub = enclose_image_by_subdivision(steps, Real("0.001"), Real(1), Real("1e-6"), 30);
    INFO(name << ": exact [" << c.outer.lo << ", " << c.outer.hi << "], subdivision [" << sub.lo << ", " << sub.hi << "]");
    // Both are rigorous: the subdivision's outer enclosure contains the certified inner one, and (by the branch
    // and bound's stopping rule) exceeds it by at most the target width plus rounding.
    CHECK(sub.lo <= c.inner.lo);
    CHECK(sub.hi >= c.inner.hi);
    CHECK(c.inner.lo - sub.lo < Real("2e-6"));
    CHECK(sub.hi - c.inner.hi < Real("2e-6"));
  }
}

TEST_CASE("certify: a shortfall is a returned status, and the enclosure still holds", "[certify][arb]") {
  PrecisionScope scope(20);
  CertifyOptions co;
  co.digits = 15;
  co.rel_tol = 1e-40;  // cannot be decided with 15-digit balls
  const ImageCertificate c = certify_image(steps_of("pe5"), Real("0.001"), Real(1), co);
  CHECK(c.status == CertStatus::undecided);
  CHECK(!c.message.empty());
  CertifyOptions fine;
  fine.digits = 40;
  const ImageCertificate f = certify_image(steps_of("pe5"), Real("0.001"), Real(1), fine);
  REQUIRE(f.status == CertStatus::certified);
  CHECK(c.outer.lo <= f.inner.lo);
  CHECK(c.outer.hi >= f.inner.hi);
}

TEST_CASE("certify_maps_into is three-valued", "[certify][arb]") {
  PrecisionScope scope(30);
  const NsStep<Real> p{Real(3.4445), Real(-4.7750), Real(2.0315)};
  CHECK(certify_maps_into(p, Real("0.68"), Real("1.14"), Real("0.68"), Real("1.14"), 30) == 1);
  // p(0.5545…) ≈ 1.2024 > 1.14: certainly not.
  CHECK(certify_maps_into(p, Real("0.5"), Real("1.14"), Real("0.5"), Real("1.14"), 30) == 0);
}

TEST_CASE("certify: invalid input is InputError", "[certify][errors]") {
  PrecisionScope scope(30);
  CHECK_THROWS_AS(certify_image({}, Real("0.1"), Real(1)), InputError);
  CHECK_THROWS_AS(certify_image(steps_of("ns5"), Real("0.5"), Real("0.5")), InputError);
  CHECK_THROWS_AS(certify_image(steps_of("ns5"), Real("-0.1"), Real(1)), InputError);
}
