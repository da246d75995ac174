// Integer powers by repeated squaring (solvers/ipow.hpp), used by the bias corrections 1 − β^t and the schedules.
#include "solvers/ipow.hpp"
#include "spectral/scalar.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace muonlab;
using muonlab::solvers::ipow;

TEST_CASE("ipow is exact in rationals and integers, x^0 = 1", "[solvers][ipow]") {
  CHECK(ipow(Rational(9, 10), 0) == 1);
  CHECK(ipow(Rational(0), 0) == 1);  // the convention the bias correction 1 − β^0 relies on
  CHECK(ipow(Rational(9, 10), 1) == Rational(9, 10));
  CHECK(ipow(Rational(9, 10), 3) == Rational(729, 1000));
  CHECK(ipow(Rational(-2, 3), 5) == Rational(-32, 243));
  using boost::multiprecision::mpz_int;
  CHECK(ipow(Rational(999, 1000), 1000) == Rational(pow(mpz_int(999), 1000), pow(mpz_int(1000), 1000)));  // exact
  CHECK(ipow(3L, 13) == 1594323L);
  CHECK(ipow(Rational(5), -1) == 1);  // non-positive k: the empty product
}

TEST_CASE("ipow in floating types: the rounding error of repeated squaring stays below 2k·u", "[solvers][ipow]") {
  // Squaring x^(2^j) with relative error e_j gives e_(j+1) ≤ 2·e_j + u, so x^(2^j) carries ≤ (2^j − 1)·u and the
  // product of the selected powers ≤ (k − 1 + 2·log2 k)·u < 2k·u; std::pow (the reference) adds ≤ 1 ulp.
  const double u = std::numeric_limits<double>::epsilon();
  const double p = ipow(0.999, 1000), ref = std::pow(0.999, 1000);
  CHECK(std::abs(p - ref) <= (2 * 1000 + 1) * u * ref);
  CHECK(ipow(2.0, 1023) == std::ldexp(1.0, 1023));  // powers of two are exact
  CHECK(ipow(0.5, 1074) == std::numeric_limits<double>::denorm_min());
  PrecisionScope scope(50);
  // (1 + 1e-20)^(1e5) = 1 + 1e-15 + C(1e5, 2)·1e-40 + O(1.7e-46): the second-order term 4.99995e-31 must be there,
  // to within the rounding bound 2k·u ≈ 2e5 · 1e-49 = 2e-44 plus the third-order term.
  const Real e = ipow(Real(1) + Real("1e-20"), 100000);
  CHECK(abs(e - (Real(1) + Real("1e-15")) - Real("4.99995e-31")) < Real("1e-43"));
}
