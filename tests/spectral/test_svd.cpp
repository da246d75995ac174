// The SVD at the ends of the double range (spectral/svd.cpp, issue 13): LAPACK sees an exactly rescaled copy.
#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("singular_values_scaled: sigma = s * 2^exponent with s_1 in [1/2, sqrt(mn)) at any magnitude", "[svd]") {
  MatD base(2, 2);
  base << 3, 1, 1, 2;
  const VecD ref = singular_values(base);
  for (int k : {-1070, -1000, -600, -200, 0, 200, 600, 1000}) {
    INFO("2^" << k);
    const MatD g = base.unaryExpr([k](double x) { return std::ldexp(x, k); });
    const ScaledSingularValues sc = singular_values_scaled(g);
    REQUIRE(sc.s.size() == 2);
    CHECK(sc.s(0) >= 0.5);
    CHECK(sc.s(0) < 2.0);
    // The rescaled copy of 2^k·base is the rescaled copy of base: the same s, bit for bit.
    const ScaledSingularValues sb = singular_values_scaled(base);
    CHECK(sc.s == sb.s);
    CHECK(sc.exponent == sb.exponent + k);
    CHECK(std::ldexp(sc.s(1), sc.exponent - k) == Approx(ref(1)).epsilon(1e-14));
  }
  const ScaledSingularValues zero = singular_values_scaled(MatD::Zero(2, 3));
  CHECK(zero.exponent == 0);
  CHECK(zero.s.maxCoeff() == 0);
}

TEST_CASE("svd and ortho in double at 1e-300 and 1e300 agree with the unscaled matrix", "[svd][polar]") {
  MatD base(2, 3);
  base << 3, 1, 0, 1, 2, 1;
  const MatD q = ortho(base);
  const VecD s = singular_values(base);
  for (double c : {1e-300, 1e300}) {
    INFO("scale " << c);
    const MatD g = base * c;
    // ortho(cG) = ortho(G); σ(cG) = c·σ(G). Rounding: gesdd's backward error, a few ulps (16 covers it).
    CHECK(norm_max(MatD(ortho(g) - q)) <= 16 * std::numeric_limits<double>::epsilon());
    const VecD sg = singular_values(g);
    for (Eigen::Index i = 0; i < s.size(); ++i) CHECK(sg(i) / c == Approx(s(i)).epsilon(1e-14));
  }
  // Entries near DBL_MAX: σ_1 = 2e308 is not a double, yet the polar factor is (the rank-one path squares entries).
  const MatD big = MatD::Constant(2, 2, 1e308);
  CHECK(norm_max(MatD(ortho(big) - MatD::Constant(2, 2, 0.5))) <= 4 * std::numeric_limits<double>::epsilon());
}
