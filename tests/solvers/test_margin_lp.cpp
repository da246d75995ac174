// The max-norm max-margin LP (solvers/margin_lp.hpp): exact optimum and certificate on hand-checked data, the
// optimal-face distance, and bad input.
#include "solvers/margin.hpp"
#include "solvers/margin_lp.hpp"

#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::solvers;

namespace {
/// x1 = (3, 1) → 0, x2 = (1, 3) → 1 (two classes): by hand, W = [1 −1; −1 1] has ‖W‖max = 1 and margin 4 on both
/// points; the LP dual certifies that no W with ‖W‖max ≤ 1 does better.
MatQ two_points() {
  MatQ x(2, 2);
  x << 3, 1, 1, 3;
  return x;
}
}  // namespace

TEST_CASE("max_norm_margin: exact optimum and LP-dual certificate", "[solvers][margin]") {
  const MaxNormMargin<Rational> r = max_norm_margin<Rational>(two_points(), {0, 1}, 2);
  CHECK(r.margin == Rational(4));
  CHECK(r.upper == Rational(4));  // ‖Σ μ_p A_p‖_1 with μ from the LP dual: the certificate closes exactly
  CHECK(r.gap() == Rational(0));
  CHECK(spectral::norm_max(r.w) == Rational(1));
  CHECK(margin_of<Rational>(r.w, two_points(), {0, 1}, 2) == Rational(4));
  // μ is a point of the simplex.
  CHECK(r.mu.sum() == Rational(1));
  CHECK(r.mu.minCoeff() >= Rational(0));
}

TEST_CASE("max_norm_margin: the certificate bounds every classifier", "[solvers][margin]") {
  // Three classes in the plane, integer data; the exact optimum is bracketed by any W (below) and the dual (above).
  MatQ x(2, 4);
  x << 2, -1, -1, 3, 1, 2, -2, 1;
  const std::vector<int> labels{0, 1, 2, 0};
  const MaxNormMargin<Rational> r = max_norm_margin<Rational>(x, labels, 3);
  CHECK(r.upper == r.margin);
  for (int k = 0; k < 20; ++k) {
    MatQ w(3, 2);
    for (Eigen::Index j = 0; j < w.size(); ++j) w(j % 3, j / 3) = Rational((k * 7 + j * 3) % 5 - 2);
    if (spectral::norm_max(w) == Rational(0)) continue;
    CHECK(margin_of<Rational>(w, x, labels, 3) / spectral::norm_max(w) <= r.upper);  // weak duality, exactly
  }
  // The same problem in double agrees to rounding (simplex threshold 64·(rows+cols)·ε).
  const MaxNormMargin<double> d = max_norm_margin<double>(mat_cast<double>(x), labels, 3);
  CHECK(std::abs(d.margin - to_double(r.margin)) <= 1e-12);
}

TEST_CASE("max_norm_face_distance: zero on the face, the max-norm offset off it", "[solvers][margin]") {
  const MaxNormMargin<Rational> r = max_norm_margin<Rational>(two_points(), {0, 1}, 2);
  CHECK(max_norm_face_distance<Rational>(two_points(), {0, 1}, 2, r.margin, r.w) == Rational(0));
  // The optimum is unique here (W = [1 −1; −1 1]): moving one entry by 1/2 puts V at max-norm distance 1/2.
  MatQ v = r.w;
  v(0, 0) -= Rational(1, 2);
  CHECK(max_norm_face_distance<Rational>(two_points(), {0, 1}, 2, r.margin, v) == Rational(1, 2));
}

TEST_CASE("max_norm_margin: bad input is an InputError", "[solvers][margin]") {
  MatQ x(1, 2);
  x << 1, 1;  // identical points with different labels: not separable
  CHECK_THROWS_AS(max_norm_margin<Rational>(x, {0, 1}, 2), InputError);
  CHECK_THROWS_AS(max_norm_margin<Rational>(two_points(), {0, 2}, 2), InputError);  // label out of range
  CHECK_THROWS_AS(max_norm_margin<Rational>(two_points(), {0}, 2), InputError);     // one label for two samples
  CHECK_THROWS_AS(max_norm_margin<Rational>(two_points(), {0, 1}, 1), InputError);  // one class
  MatD bad(2, 2);
  bad << 1, std::nan(""), 0, 1;
  CHECK_THROWS_AS(max_norm_margin<double>(bad, {0, 1}, 2), InputError);
}
