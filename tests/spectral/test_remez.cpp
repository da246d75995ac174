// The Remez exchange for the odd minimax approximation of 1 on [l, u] (spectral/remez.hpp).
#include "spectral/certify.hpp"
#include "spectral/errors.hpp"
#include "spectral/precision.hpp"
#include "spectral/remez.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("degree 3: the Remez exchange equals the closed form", "[remez][mpfr]") {
  PrecisionScope scope(50);
  for (const char* lo : {"0.001", "0.1", "0.5", "0.9"}) {
    const Real l(lo), u = Real(1);
    const OddMinimax<Real> r = minimax_odd(l, u, 3);
    const OddMinimax<Real> c = minimax_odd_cubic_closed_form(l, u);
    INFO("l = " << lo);
    REQUIRE(r.converged);
    // Why 1e-45: both are exact up to rounding at 50 digits; the 3×3 node system has condition < 1e3 here, and
    // the exchange stops when E changes by < 64 ulps, so coefficients agree to ~1e-46.
    CHECK(abs(r.coeffs[0] - c.coeffs[0]) / abs(c.coeffs[0]) < Real("1e-45"));
    CHECK(abs(r.coeffs[1] - c.coeffs[1]) / abs(c.coeffs[1]) < Real("1e-45"));
    CHECK(abs(r.error - c.error) / c.error < Real("1e-45"));
  }
}

TEST_CASE("degree 5 on [1e-3, 1]: the optimum equioscillates and its error is certified", "[remez][mpfr][arb]") {
  PrecisionScope scope(50);
  const Real l("0.001"), u(1);
  const OddMinimax<Real> r = minimax_odd(l, u, 5);
  REQUIRE(r.converged);
  REQUIRE(r.nodes.size() == 4);
  // Alternation p(x_i) = 1 − (−1)^i E at the four nodes, to the working precision.
  for (std::size_t i = 0; i < 4; ++i) {
    const Real sign = (i % 2 == 0) ? Real(-1) : Real(1);
    CHECK(abs(odd_poly_eval(r.coeffs, r.nodes[i]) - (1 + sign * r.error)) < Real("1e-45"));
  }
  // The Chebyshev alternation theorem: a levelled error that is also the maximum is optimal; the maximum of
  // |p − 1| over [l, u], enclosed rigorously by Arb, must be E (up to the Remez stopping tolerance 64 ulps).
  CertifyOptions co;
  co.digits = 50;
  const ImageCertificate cert = certify_image({{r.coeffs[0], r.coeffs[1], r.coeffs[2]}}, l, u, co);
  REQUIRE(cert.status == CertStatus::certified);
  CHECK(cert.max_error.lo <= r.error * (1 + Real("1e-40")));
  CHECK(cert.max_error.hi >= r.error * (1 - Real("1e-40")));
  // A known value: E ≈ 0.99153 for l = 1e-3 (the quintic cannot do much on so wide a range).
  CHECK(to_double(r.error) == Approx(0.99153).epsilon(1e-4));
}

TEST_CASE("double and MPFR Remez agree where the node system is well conditioned", "[remez][double]") {
  PrecisionScope scope(40);
  const double l = 0.02, u = 1.0;
  const OddMinimax<double> d = minimax_odd(l, u, 5);
  const OddMinimax<Real> r = minimax_odd(Real(l), Real(u), 5);
  // Why 1e-12: the node condition number is ~1.5e2 (reported by the solver), so float64 keeps ≥ 13 digits.
  REQUIRE(to_double(r.node_condition) < 1e3);
  for (std::size_t j = 0; j < 3; ++j)
    CHECK(std::abs(d.coeffs[j] - to_double(r.coeffs[j])) <= 1e-12 * std::abs(to_double(r.coeffs[j])));
}

TEST_CASE("general odd degree: higher degree, smaller error, k + 2 alternation points", "[remez][mpfr]") {
  PrecisionScope scope(40);
  const Real l("0.05"), u(1);
  Real prev = 2;
  for (int degree : {1, 3, 5, 7, 9, 11}) {
    const OddMinimax<Real> r = minimax_odd(l, u, degree);
    INFO("degree " << degree);
    REQUIRE(r.converged);
    CHECK(r.nodes.size() == static_cast<std::size_t>(degree / 2 + 2));
    CHECK(r.error < prev);
    prev = r.error;
    for (std::size_t i = 0; i < r.nodes.size(); ++i) {
      const Real sign = (i % 2 == 0) ? Real(-1) : Real(1);
      CHECK(abs(odd_poly_eval(r.coeffs, r.nodes[i]) - (1 + sign * r.error)) < Real("1e-30"));
    }
  }
  // Degree 1 in closed form: p(x) = 2x/(l+u), error (u−l)/(u+l).
  const OddMinimax<Real> one = minimax_odd(l, u, 1);
  CHECK(abs(one.error - (u - l) / (u + l)) < Real("1e-35"));
}

TEST_CASE("minimax: bad intervals and degrees are InputError", "[remez][errors]") {
  CHECK_THROWS_AS(minimax_odd(0.0, 1.0, 5), InputError);
  CHECK_THROWS_AS(minimax_odd(-0.1, 1.0, 5), InputError);
  CHECK_THROWS_AS(minimax_odd(0.5, 0.5, 5), InputError);
  CHECK_THROWS_AS(minimax_odd(0.6, 0.5, 5), InputError);
  CHECK_THROWS_AS(minimax_odd(0.1, 1.0, 4), InputError);
  CHECK_THROWS_AS(minimax_odd(0.1, 1.0, 0), InputError);
  CHECK_THROWS_AS(minimax_odd_cubic_closed_form(0.0, 1.0), InputError);
}

TEST_CASE("Remez at 300-2000 digits is accurate to the precision: no floor near 1e-237", "[remez][mpfr][precision]") {
  // Issue 13: on the interval of the paper setting's third step the exchange's root finder ended in 400 bisections
  // (2^-400 ≈ 4e-121), a node was off by ~1e-119 and the coefficients by its square, at any precision above ~240
  // digits. The same interval (the same binary endpoints) designed 20 digits higher must agree to the lower
  // precision's accuracy: the node system is well conditioned here (condition ~1e2), so ~1e3·u.
  for (unsigned digits : {300u, 1000u}) {
    const Precision p(digits), ref = p.plus(20);
    auto scope = p.scope();
    const Real lo("0.0393274672208824386462910318366486993575"), hi("1.96637336104412193231455159183243496787");
    const OddMinimax<Real> a = minimax_odd(lo, hi, 5);
    OddMinimax<Real> b;
    {
      auto more = ref.scope();
      b = minimax_odd(Real(lo), Real(hi), 5);
    }
    INFO(digits << " digits, condition " << to_scientific(a.node_condition));
    for (std::size_t j = 0; j < a.coeffs.size(); ++j) {
      const Real rel = abs(a.coeffs[j] - b.coeffs[j]) / abs(b.coeffs[j]);
      INFO("coefficient " << j << ": " << to_scientific(rel));
      CHECK(rel <= p.tolerance(1, rounding::kProducts) * a.node_condition);
    }
  }
}
