// Matrix and vector norms (spectral/norms.hpp): exact in rationals where the norm is rational, and the scaled
// Frobenius norm that neither overflows nor underflows in double.
#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("norms on a known matrix", "[norms]") {
  MatQ a(2, 3);
  a << Rational(1), Rational(-4), Rational(0), Rational(2, 3), Rational(0), Rational(-1, 2);
  CHECK(norm_max(a) == Rational(4));
  CHECK(norm_l1(a) == Rational(1) + 4 + Rational(2, 3) + Rational(1, 2));
  CHECK(norm_l0(a) == 4);
  CHECK(norm_frobenius_sq(a) == Rational(1) + 16 + Rational(4, 9) + Rational(1, 4));
  MatD d(2, 2);
  d << 3, 0, 0, 4;
  CHECK(norm_spectral(d) == Approx(4.0));
  CHECK(norm_frobenius(d) == Approx(5.0));
  CHECK(sign(d)(0, 1) == 0.0);
}

TEST_CASE("vector norms: l0, l1, l2, linf; sign(0) = 0", "[norms]") {
  VecQ v(4);
  v << Rational(-3, 2), 0, Rational(1, 3), 2;
  CHECK(norm_l0(v) == 3);
  CHECK(norm_l1(v) == Rational(3, 2) + Rational(1, 3) + 2);
  CHECK(norm_linf(v) == 2);
  CHECK(norm_l2_sq(v) == Rational(9, 4) + Rational(1, 9) + 4);
  CHECK(sign(v) == (VecQ(4) << -1, 0, 1, 1).finished());
  VecD z = VecD::Zero(3);
  CHECK(norm_l2(z) == 0);  // the scaled form must not divide 0 by 0
  CHECK(norm_max(z) == 0);
}

TEST_CASE("the Frobenius norm is scaled: exact powers of two survive at both ends of double's range", "[norms]") {
  // Entries 3·2^k and 4·2^k: the norm is 5·2^k exactly; squaring 3·2^600 overflows and 3·2^-600 underflows, so an
  // unscaled sum of squares would give inf or 0. The scaled form divides by the max entry first (exact for powers of
  // two), so the only rounding is in sqrt(1 + 9/16)·4: within one ulp of 5·2^k.
  for (int k : {-600, -1, 0, 1, 600}) {
    INFO("k = " << k);
    MatD a(1, 2);
    a << std::ldexp(3.0, k), std::ldexp(-4.0, k);
    const double want = std::ldexp(5.0, k);
    CHECK(std::abs(norm_frobenius(a) - want) <= std::numeric_limits<double>::epsilon() * want);
    CHECK(norm_frobenius_sq(MatQ((MatQ(1, 2) << 3, -4).finished())) == 25);
  }
  // denorm_min alone: 0 is wrong, the norm is the entry's magnitude.
  MatD tiny(1, 1);
  tiny << -std::numeric_limits<double>::denorm_min();
  CHECK(norm_frobenius(tiny) == std::numeric_limits<double>::denorm_min());
}
