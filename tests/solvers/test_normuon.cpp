// NorMuon: NS(u) normalized per row by an EMA of its mean square, Frobenius norm restored, Keller scale.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("normuon: first step matches the hand-written rule", "[solvers][normuon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  const Eigen::Index m = 6, n = 3;  // tall: Keller scale √2
  const Mat<S> g = fixed_matrix<S>(m, n, 110);
  const S beta = S(95) / S(100), beta2 = S(95) / S(100), eps = S(1) / S(10000000000LL);
  const auto ns = spectral::schedule_cast<S>(spectral::named_schedule("ns5"));
  const Mat<S> b = (S(1) - beta) * g;
  const Mat<S> o = spectral::newton_schulz(Mat<S>((S(1) - beta) * g + beta * b), ns);
  Mat<S> d(m, n);
  for (Eigen::Index i = 0; i < m; ++i) {
    const S nu = (S(1) - beta2) * spectral::norm_frobenius_sq(o.row(i)) / S(n);
    for (Eigen::Index j = 0; j < n; ++j) d(i, j) = o(i, j) / (sqrt(nu) + eps);
  }
  d *= spectral::norm_frobenius(o) / (spectral::norm_frobenius(d) + eps);
  d *= sqrt(S(2));
  auto opt = make_optimizer<S>("normuon");
  CHECK(max_diff<S>(opt->peek_direction(g), d) <= 100 * to_double(TestPrecision<S>::eps()));
}

TEMPLATE_TEST_CASE("normuon: on the first step every row has the same norm and the total norm is kept",
                   "[solvers][normuon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  // ν_i = (1−β2)·‖O_i‖²/n, so row i of Ô has norm ‖O_i‖/(√ν_i + ε) = √(n/(1−β2)) up to ε/√ν_i: all rows equal.
  // Tall, so the rows of the polar factor do not already have equal norms (a wide one has orthonormal rows).
  const Eigen::Index m = 5, n = 3;
  auto opt = make_optimizer<S>("normuon:ortho=polar");
  const Mat<S> g = fixed_matrix<S>(m, n, 120);
  const Mat<S> d = opt->peek_direction(g);
  const S r0 = spectral::norm_frobenius(d.row(0));
  for (Eigen::Index i = 1; i < m; ++i)
    CHECK(to_double(abs(spectral::norm_frobenius(d.row(i)) - r0)) <= 1e-8);  // ε/√ν ≈ 1e-10/0.1 relative
  const Mat<S> o = spectral::ortho(g);
  CHECK(max_diff<S>(o, Mat<S>(o.rowwise().normalized())) > 1e-2);  // the normalization had work to do
  // ‖Ô‖F = ‖O‖F = √min(m,n) for the exact polar factor of a full-rank G, times the Keller scale √(5/3): √5.
  CHECK(to_double(abs(spectral::norm_frobenius(d) - sqrt(S(5)))) <= 1e-8);
}
