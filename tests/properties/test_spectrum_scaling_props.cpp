// Property test of the spectrum statistics at any scale (issue 13): stable rank and SVD entropy of G and of 2^k·G
// agree for every k in [−1000, 1000] for which 2^k·G is exactly representable in double (no entry overflows, and no
// entry loses bits to the subnormal range), on every shape of props.hpp. Multiplying by 2^k is exact, so the scaled
// matrix is the same matrix up to the exponent, and spectrum_report (spectral/spectrum_report.cpp) computes both
// statistics from the ratios σ_i/σ_1 of an exactly rescaled copy: the two results must agree to the rounding of the
// statistics themselves, in fact bit for bit (the rescaled copies are identical).
#include "tests/properties/props.hpp"

#include "spectral/spectrum_report.hpp"

#include <cmath>
#include <optional>

using namespace muonlab;
using namespace muonlab::props;

namespace {

/// 2^k·G when every entry stays exact and normal-or-zero (so no bit is lost), else nothing.
std::optional<MatD> scaled_exactly(const MatD& g, int k) {
  MatD out(g.rows(), g.cols());
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = 0; i < g.rows(); ++i) {
      const double x = g(i, j), y = std::ldexp(x, k);
      if (x != 0 && (!std::isfinite(y) || std::fabs(y) < std::numeric_limits<double>::min() ||
                     std::ldexp(y, -k) != x))
        return std::nullopt;
      out(i, j) = y;
    }
  return out;
}

}  // namespace

TEST_CASE("stable rank and SVD entropy are invariant under scaling by 2^k", "[properties][spectrum][scaling]") {
  check_property("2^k G has the statistics of G, k in [-1000, 1000]", 200, [] {
    const Case c = pick_case(6, 0);
    const int k = *rc::gen::inRange(-1000, 1001);
    const MatD g = build_matrix<double>(c);
    const std::optional<MatD> gk = scaled_exactly(g, k);
    RC_PRE(gk.has_value());  // only where 2^k·G is representable
    const spectral::SpectrumReport a = spectral::spectrum_report(g, {}), b = spectral::spectrum_report(*gk, {});
    RC_ASSERT(a.rank == b.rank);
    RC_ASSERT(a.stable_rank == b.stable_rank);  // both empty (undefined: zero matrix) or the same digits
    RC_ASSERT(a.svd_entropy == b.svd_entropy);
    if (c.kind != ShapeKind::zero) RC_ASSERT(!b.stable_rank.empty());  // defined at every representable scale
  });
}

TEST_CASE("the statistics stay defined at the ends of the double range", "[properties][spectrum][scaling]") {
  // Directed cases the random draw reaches rarely: the largest k with a representable 2^k·G for a matrix with an
  // entry of 1, and entries whose squares overflow (1e160) or underflow (1e-170): stable rank 2, entropy 1.
  for (double s : {1e160, 1e-170, 1e-300, 1e300, std::ldexp(1.0, 1023), std::ldexp(1.0, -1022)}) {
    MatD g = MatD::Identity(2, 2) * s;
    const spectral::SpectrumReport r = spectral::spectrum_report(g, {});
    INFO("scale " << s);
    CHECK(r.rank == 2);
    CHECK(r.stable_rank == "2");
    CHECK(r.svd_entropy == "1");
  }
}
