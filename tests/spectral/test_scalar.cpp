// The number types and their boundary helpers (spectral/scalar.hpp): the thread's MPFR precision and its scope,
// the traits generic code reads, exact/correctly rounded parsing, and printing.
#include "spectral/errors.hpp"
#include "spectral/scalar.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

using namespace muonlab;

TEST_CASE("set_real_digits accepts [kMinDigits, kMaxDigits] and PrecisionScope restores the previous precision",
          "[scalar][precision]") {
  PrecisionScope outer(25);
  CHECK(real_digits() == 25);
  {
    PrecisionScope inner(80);
    CHECK(real_digits() == 80);
    CHECK(ScalarTraits<Real>::digits() == 80);
  }
  CHECK(real_digits() == 25);
  CHECK_THROWS_AS(set_real_digits(kMinDigits - 1), InputError);
  CHECK_THROWS_AS(set_real_digits(kMaxDigits + 1), InputError);
  CHECK_THROWS_WITH(set_real_digits(3), Catch::Contains("outside the supported range [10, 100000]"));
  CHECK(real_digits() == 25);  // a rejected request leaves the precision alone
}

TEST_CASE("ScalarTraits: exactness, names and the unit roundoff of the current precision", "[scalar]") {
  CHECK(ScalarTraits<double>::epsilon() == std::numeric_limits<double>::epsilon());
  CHECK(ScalarTraits<float>::epsilon() == std::numeric_limits<float>::epsilon());
  CHECK_FALSE(ScalarTraits<double>::is_exact);
  CHECK(ScalarTraits<Rational>::is_exact);
  CHECK(ScalarTraits<Rational>::epsilon() == 0);
  CHECK(ScalarTraits<Rational>::digits() == 0);
  CHECK(std::string(ScalarTraits<Real>::name) == "mpfr");
  // MPFR's epsilon is 2^(1-bits) with bits >= digits·log2(10): at 30 digits it lies in (1e-31, 1e-29]; doubling the
  // digits squares it up to a factor 2^(±2) from rounding the bit counts up.
  PrecisionScope scope(30);
  const Real e30 = ScalarTraits<Real>::epsilon();
  CHECK(e30 <= Real("1e-29"));
  CHECK(e30 > Real("1e-31"));
  {
    PrecisionScope wide(60);
    const Real e60 = ScalarTraits<Real>::epsilon();
    CHECK(e60 < e30 * e30 * 8);
    CHECK(e60 > e30 * e30 / 8);
  }
}

TEST_CASE("parse_scalar<Rational> is exact for decimals, exponents and p/q", "[scalar][parse]") {
  CHECK(parse_scalar<Rational>("0.1") == Rational(1, 10));
  CHECK(parse_scalar<Rational>("-2.5e-3") == Rational(-1, 400));
  CHECK(parse_scalar<Rational>("+1E2") == Rational(100));
  CHECK(parse_scalar<Rational>(" 3/6 ") == Rational(1, 2));
  CHECK(parse_scalar<Rational>("-4/-8") == Rational(1, 2));
  CHECK(parse_scalar<Rational>("025") == Rational(25));  // leading zeros are decimal, not octal
  CHECK(parse_scalar<Rational>("0") == 0);
  CHECK(parse_scalar<Rational>(".5") == Rational(1, 2));
  // Far outside double's range, still exact.
  CHECK(parse_scalar<Rational>("1e-400") * parse_scalar<Rational>("1e400") == 1);
}

TEST_CASE("parse_scalar: anything that is not a finite number is an InputError", "[scalar][parse][errors]") {
  for (const char* bad : {"", " ", "abc", "1.2.3", "1e", "e5", "nan", "inf", "-inf", "1e+", "0x10", "1,5", "--1",
                          "1e1234567890"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(parse_scalar<Rational>(bad), InputError);
    CHECK_THROWS_AS(parse_scalar<double>(bad), InputError);
    PrecisionScope scope(30);
    CHECK_THROWS_AS(parse_scalar<Real>(bad), InputError);
  }
  CHECK_THROWS_WITH(parse_scalar<Rational>("1/0"), Catch::Contains("zero denominator"));
  CHECK_THROWS_WITH(parse_scalar<Rational>("1.5/2"), Catch::Contains("p/q needs integers"));
  CHECK_THROWS_WITH(parse_scalar<double>("1e400"), Catch::Contains("overflows double"));
  CHECK_THROWS_WITH(parse_scalar<double>("1/1e0"), Catch::Contains("p/q needs integers"));
}

TEST_CASE("parse_scalar<double> and <Real> round correctly, p/q through the exact value", "[scalar][parse]") {
  CHECK(parse_scalar<double>("0.1") == 0.1);  // strtod is correctly rounded, as is the compiler's literal
  // p/q goes through the exact rational: within one ulp of the correctly rounded double (the conversion may truncate).
  CHECK(std::abs(parse_scalar<double>("1/3") - 1.0 / 3.0) <= std::numeric_limits<double>::epsilon() / 3);
  CHECK(parse_scalar<double>("-1e-300") == -1e-300);
  PrecisionScope scope(50);
  // A correctly rounded 1/10 is within half an ulp: |x − 1/10| ≤ ε/2 · 1/10 with ε the unit roundoff.
  const Real tenth = parse_scalar<Real>("0.1");
  const Rational err = abs(Rational(tenth) - Rational(1, 10));
  CHECK(err <= Rational(ScalarTraits<Real>::epsilon()) / 20);
  CHECK(Rational(tenth) != Rational(1, 10));  // 1/10 is not a binary fraction: rounding did happen
  CHECK(abs(parse_scalar<Real>("1/3") * 3 - 1) <= ScalarTraits<Real>::epsilon() * 2);  // two roundings
  // MPFR's exponent range reaches far beyond double's.
  CHECK(is_finite(parse_scalar<Real>("1e400")));
  CHECK(parse_scalar<Real>("1e400") > Real("1e399"));
}

TEST_CASE("is_finite, to_double and to_string at the boundaries", "[scalar][format]") {
  CHECK(is_finite(1.0));
  CHECK_FALSE(is_finite(std::numeric_limits<double>::infinity()));
  CHECK_FALSE(is_finite(std::nan("")));
  CHECK(is_finite(Rational(7, 3)));
  PrecisionScope scope(40);
  CHECK_FALSE(is_finite(Real(std::numeric_limits<double>::infinity())));
  CHECK(to_double(Rational(1, 4)) == 0.25);
  CHECK(to_double(Real("0.5")) == 0.5);
  CHECK(to_string(Rational(2, 6)) == "1/3");        // exact p/q when all digits are asked for
  CHECK(to_string(Rational(1, 3), 5) == "0.33333");  // rounded to the digits asked for
  CHECK(to_string(0.5) == "0.5");
  CHECK(to_string(1.0 / 3.0, 3) == "0.333");
  // All digits of the working precision: 40 significant digits of 1/3.
  CHECK(to_string(Real(1) / 3) == "0." + std::string(40, '3'));
  CHECK(to_string(Real(2) / 3, 4) == "0.6667");
}
