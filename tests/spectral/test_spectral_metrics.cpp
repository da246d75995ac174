#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("stable rank and SVD entropy: definitions and extremes", "[metrics]") {
  // Equal singular values: srank = r, entropy = 1.
  CHECK(stable_rank(std::vector<double>{2, 2, 2}) == Approx(3.0));
  CHECK(svd_entropy(std::vector<double>{2, 2, 2}) == Approx(1.0));
  // Rank one: srank = 1, entropy = 0.
  CHECK(stable_rank(std::vector<double>{5, 0, 0}) == Approx(1.0));
  CHECK(svd_entropy(std::vector<double>{5, 0, 0}) == Approx(0.0).margin(1e-15));
  // A hand-computed case: σ = (2, 1): srank = 5/4, p = (4/5, 1/5), H = −(0.8 ln 0.8 + 0.2 ln 0.2)/ln 2.
  CHECK(stable_rank(std::vector<double>{2, 1}) == Approx(1.25));
  CHECK(svd_entropy(std::vector<double>{2, 1}) ==
        Approx(-(0.8 * std::log(0.8) + 0.2 * std::log(0.2)) / std::log(2.0)));
  // Zero matrix: undefined unless the paper's offset is used.
  CHECK_THROWS(stable_rank(std::vector<double>{0, 0}));
  CHECK(stable_rank(std::vector<double>{0, 0}, 1e-12) == 0.0);
  CHECK(svd_entropy(std::vector<double>{0, 0}, 1e-12) == 0.0);
}

TEST_CASE("stable rank in multiprecision agrees with the exact rational value", "[metrics][mpfr]") {
  PrecisionScope scope(60);
  std::vector<Real> s{Real(3), Real(2), Real(1)};
  // srank = (9 + 4 + 1)/9 = 14/9 exactly.
  CHECK(abs(stable_rank(s) - Real(14) / Real(9)) < Real("1e-58"));
}

TEST_CASE("stable rank and SVD entropy are computed from sigma_i/sigma_1: no overflow or underflow at any scale",
          "[metrics][scaling]") {
  // σ² overflows double from 1.4e154 and underflows below 1.5e-154 (issue 13: 1e160·I gave NaN, 1e-170·I a false
  // "zero matrix"). The ratios are exact here: every value below is a power of ten times (2, 1) or (1, 1).
  for (double s : {1e160, 1e300, 1e-170, 1e-300, 4e-320 /* subnormal */}) {
    INFO("scale " << s);
    CHECK(stable_rank(std::vector<double>{s, s}) == 2.0);
    CHECK(svd_entropy(std::vector<double>{s, s}) == Approx(1.0).epsilon(1e-15));
  }
  CHECK(stable_rank(std::vector<double>{2e200, 1e200}) == Approx(1.25).epsilon(1e-15));
  // The paper's offset is relative to σ_1² in the matrix's own scale: negligible for σ = 1e160, dominant for 1e-170.
  CHECK(stable_rank(std::vector<double>{1e160, 1e160}, 1e-12) == 2.0);
  CHECK(stable_rank(std::vector<double>{1e-170, 1e-170}, 1e-12) == 0.0);
  CHECK(svd_entropy(std::vector<double>{1e-170, 1e-170}, 1e-12) == 0.0);
  CHECK_THROWS_AS(stable_rank(std::vector<double>{std::nan(""), 1}), std::domain_error);
}
