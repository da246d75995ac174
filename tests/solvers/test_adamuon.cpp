// AdaMuon: NS(sign(u)), element-wise second moment on O, RMS aligned to 0.2.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("adamuon: every update has RMS exactly 0.2 (up to rounding)", "[solvers][adamuon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  for (auto [m, n] : {std::pair<long, long>{4, 6}, {5, 2}}) {
    auto opt = make_optimizer<S>("adamuon");
    Mat<S> w = Mat<S>::Zero(m, n);
    for (std::uint64_t t = 0; t < 4; ++t) {
      const Mat<S> g = fixed_matrix<S>(m, n, 70 + t);
      const Mat<S> d = opt->peek_direction(g);
      // RMS(Ô) = ‖Ô‖F/√(mn) = 0.2 by construction; the rescaling is a handful of roundings.
      const S rms = spectral::norm_frobenius(d) / sqrt(S(m * n));
      CHECK(to_double(abs(rms - S(2) / S(10))) <= 16 * to_double(TestPrecision<S>::eps()));
      opt->step(w, g, S(1) / S(100));
    }
  }
}

TEMPLATE_TEST_CASE("adamuon: first step matches the hand-written rule", "[solvers][adamuon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  const Eigen::Index m = 3, n = 4;
  const Mat<S> g = fixed_matrix<S>(m, n, 80);
  const S beta = S(95) / S(100), eps = S(1) / S(100000000);
  const auto ns = spectral::schedule_cast<S>(spectral::named_schedule("ns5"));
  // B = (1−β)g, u = (1−β)g + βB; O = NS(sign u); v = (1−β)O²; Ô = O/(√v + ε); Ô·0.2·√(mn)/‖Ô‖F
  const Mat<S> b = (S(1) - beta) * g;
  const Mat<S> u = (S(1) - beta) * g + beta * b;
  const Mat<S> o = spectral::newton_schulz(spectral::sign(u), ns);
  Mat<S> d(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) d(i, j) = o(i, j) / (sqrt((S(1) - beta) * o(i, j) * o(i, j)) + eps);
  d *= S(2) / S(10) * sqrt(S(m * n)) / spectral::norm_frobenius(d);
  auto opt = make_optimizer<S>("adamuon");
  // Same operations; the only difference is rounding order in the O² product, a few ε relative.
  CHECK(max_diff<S>(opt->peek_direction(g), d) <= 100 * to_double(TestPrecision<S>::eps()));
  // On the first step √v = √(1−β)|O|, so Ô is sign(O)/√(1−β) up to ε: after RMS alignment every entry is ±0.2.
  CHECK(max_diff<S>(Mat<S>(d.cwiseAbs()), Mat<S>::Constant(m, n, S(2) / S(10))) <= 1e-6);
}

TEMPLATE_TEST_CASE("adamuon: the sign stabilization makes the first step invariant to entry-wise positive scaling",
                   "[solvers][adamuon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  // sign(D ⊙ u) = sign(u) for D > 0, and the first-step momentum is a positive multiple of g: same update.
  const Mat<S> g = fixed_matrix<S>(4, 4, 90);
  Mat<S> scaled = g;
  for (Eigen::Index j = 0; j < 4; ++j)
    for (Eigen::Index i = 0; i < 4; ++i) scaled(i, j) *= S(static_cast<long>(1 + i + 3 * j));
  auto a = make_optimizer<S>("adamuon");
  CHECK(identical<S>(a->peek_direction(g), a->peek_direction(scaled)));
  auto b = make_optimizer<S>("adamuon:sign=0");
  CHECK(max_diff<S>(b->peek_direction(g), b->peek_direction(scaled)) > 1e-3);
}

TEST_CASE("adamuon: a zero gradient gives a zero update, not 0/0", "[solvers][adamuon]") {
  auto opt = make_optimizer<double>("adamuon");
  MatD w = MatD::Ones(3, 2);
  opt->step(w, MatD::Zero(3, 2), 0.1);
  CHECK(w == MatD::Ones(3, 2));
}
