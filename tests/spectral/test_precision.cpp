// The precision value (spectral/precision.hpp): digits, bits, unit roundoff, named tolerances, the scope, and the
// formatting of values outside double's range.
#include "spectral/errors.hpp"
#include "spectral/precision.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("a precision knows its digits, bits and unit roundoff, independently of the thread's precision",
          "[precision]") {
  PrecisionScope outer(20);  // the ambient precision must not leak into the value
  for (unsigned d : {10u, 30u, 50u, 340u, 2000u}) {
    const Precision p(d);
    CHECK(p.digits() == d);
    CHECK(p.bits() >= static_cast<unsigned>(std::ceil(d * std::log2(10.0))));  // at least the requested digits
    const Real u = p.unit_roundoff();
    CHECK(u == ldexp(Real(1), 1 - static_cast<int>(p.bits())));
    CHECK(u > 0);  // never underflows: MPFR's exponent range, not double's
    auto scope = p.scope();
    CHECK(real_digits() == d);
    CHECK(u == ScalarTraits<Real>::epsilon());  // the same ε generic code sees inside the scope
  }
  CHECK(real_digits() == 20);  // the scopes restored the ambient precision
}

TEST_CASE("tolerance(n, C) is C·n·u with a named constant, for every scalar type", "[precision]") {
  const Precision p(500);
  const Real u = p.unit_roundoff();
  CHECK(p.tolerance(7, rounding::kSvd) == Real(100) * 7 * u);
  CHECK(p.tolerance(3, rounding::kSums) == Real(16) * 3 * u);
  CHECK(p.tolerance(0, rounding::kProducts) == 0);
  CHECK(p.tolerance(1, rounding::kProducts) < Real("1e-490"));  // far below double's range, still exact
  CHECK(p.tolerance_of<double>(2, rounding::kSteps) == 10.0 * 2 * std::numeric_limits<double>::epsilon());
  CHECK(p.tolerance_of<Rational>(5, rounding::kSvd) == 0);  // exact arithmetic: no rounding to allow
  CHECK_THROWS(p.tolerance(-1, rounding::kSums));
  for (const RoundingConstant& c : {rounding::kSums, rounding::kProducts, rounding::kSvd, rounding::kSteps}) {
    CHECK(c.value > 0);
    CHECK(std::string(c.covers).find(std::to_string(static_cast<int>(c.value))) != std::string::npos);
  }
}

TEST_CASE("precisions are built from validated digits and derived by plus/times, capped", "[precision]") {
  CHECK_THROWS_AS(Precision(9), InputError);
  CHECK_THROWS_AS(Precision(kMaxDigits + 1), InputError);
  CHECK(Precision(50).plus(10).digits() == 60);
  CHECK(Precision(50).times(2).digits() == 100);
  CHECK(Precision(kMaxDigits - 5).times(2).digits() == kMaxDigits);
  CHECK(Precision(50) == Precision(50));
  CHECK(Precision(50).describe().find("50 digits (u = 5.3e-51)") == 0);
}

TEST_CASE("to_scientific prints any MPFR magnitude without passing through double", "[precision][format]") {
  PrecisionScope scope(50);
  CHECK(to_scientific(Real("3.2e-2871"), 2) == "3.2e-2871");
  CHECK(to_scientific(Real("1e400"), 3) == "1.00e+400");
  CHECK(to_scientific(Real(0), 3) == "0.00e+00");
  CHECK(to_scientific(Real(-12345), 2) == "-1.2e+04");
  CHECK(to_scientific(std::numeric_limits<Real>::quiet_NaN()) == "nan");
  CHECK(to_scientific(std::numeric_limits<Real>::infinity()) == "inf");
}
