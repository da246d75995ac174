// Muon: momentum (EMA | classical | none, Nesterov), orthogonalizer (polar | Newton–Schulz), scaling.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("muon-ideal: one step is W - lr*ortho(G) (Thm 3.2's update)", "[solvers][muon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  const Mat<S> w0 = fixed_matrix<S>(4, 3, 11), g = fixed_matrix<S>(4, 3, 12);
  const S lr = S(1) / S(10);
  auto opt = make_optimizer<S>("muon-ideal");
  Mat<S> w = w0;
  opt->step(w, g, lr);
  // The optimizer calls spectral::ortho on the same input: identical arithmetic.
  CHECK(identical<S>(w, Mat<S>(w0 - lr * spectral::ortho(g))));
  CHECK(opt->state().size() == 1);  // only the step counter: no momentum buffer
}

TEMPLATE_TEST_CASE("muon (Keller): first two steps match the hand-written rule", "[solvers][muon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  const Eigen::Index m = 5, n = 3;  // tall: Keller scale √(5/3)
  const Mat<S> w0 = fixed_matrix<S>(m, n, 21), g1 = fixed_matrix<S>(m, n, 22), g2 = fixed_matrix<S>(m, n, 23);
  const S beta = S(95) / S(100), lr = S(2) / S(100);
  const auto ns = spectral::schedule_cast<S>(spectral::named_schedule("ns5"));
  using std::sqrt;
  const S scale = sqrt(S(5) / S(3));
  auto opt = make_optimizer<S>("muon");
  Mat<S> w = w0;
  opt->step(w, g1, lr);
  opt->step(w, g2, lr);
  // nanochat: buf.lerp_(g, 1−β); g.lerp_(buf, β); NS5; p.add_(·, −lr·√max(1, m/n))
  Mat<S> b = (S(1) - beta) * g1;
  Mat<S> expect = w0 - lr * scale * spectral::newton_schulz(Mat<S>((S(1) - beta) * g1 + beta * b), ns);
  b = beta * b + (S(1) - beta) * g2;
  expect -= lr * scale * spectral::newton_schulz(Mat<S>((S(1) - beta) * g2 + beta * b), ns);
  // NS5 has Lipschitz constant < 10 per step on its range, so roundings of size ε in u grow to at most ~1e5·ε.
  CHECK(max_diff<S>(w, expect) <= 1e5 * to_double(TestPrecision<S>::eps()));
}

TEMPLATE_TEST_CASE("muon: Keller scaling with the exact polar factor gives ||update||_2 = sqrt(max(1, m/n))",
                   "[solvers][muon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  for (auto [m, n] : {std::pair<long, long>{6, 2}, {2, 6}, {4, 4}}) {
    auto opt = make_optimizer<S>("muon:ortho=polar");
    const Mat<S> d = opt->peek_direction(fixed_matrix<S>(m, n, 31));
    const S expect = m > n ? S(sqrt(S(m) / S(n))) : S(1);
    // ortho(G) of a full-rank G has all singular values 1 up to the SVD's backward error (~10·max(m,n)·ε).
    CHECK(to_double(abs(spectral::norm_spectral(d) - expect)) <= 100 * to_double(TestPrecision<S>::eps()));
    const Vec<S> s = spectral::singular_values(d);
    CHECK(to_double(abs(s(s.size() - 1) - expect)) <= 100 * to_double(TestPrecision<S>::eps()));
  }
}

TEMPLATE_TEST_CASE("muon: EMA and classical momentum give the same orthogonalized update", "[solvers][muon]",
                   double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  // B_ema = (1−β)·B_classical and u_ema = (1−β)·u_classical (solvers/momentum.hpp), so ortho(u) agrees up to
  // rounding, and NS(u) up to the normalization ε: NS sees u_c/(‖u_c‖F + ε/(1−β)) instead of
  // u_c/(‖u_c‖F + ε), a relative change of the scale of at most 20·ε/‖u_c‖F with ε = 1e-7. A change of scale by
  // δ moves each singular value of the output by at most δ·∏|p'| ≤ δ·a⁵ < δ·500 (a = 3.4445 bounds |p'| on
  // NS5's range), so the updates agree to 20·1e-7·1e3/‖u_c‖F (‖u_c‖F ≳ ‖g‖F for these random gradients).
  const Eigen::Index m = 4, n = 6;
  for (bool nesterov : {true, false}) {
    const std::string nes = nesterov ? "1" : "0";
    auto ep = make_optimizer<S>("muon:ortho=polar,momentum=ema,nesterov=" + nes);
    auto cp = make_optimizer<S>("muon:ortho=polar,momentum=classical,nesterov=" + nes);
    auto en = make_optimizer<S>("muon:momentum=ema,nesterov=" + nes);
    auto cn = make_optimizer<S>("muon:momentum=classical,nesterov=" + nes);
    Mat<S> w1 = Mat<S>::Zero(m, n), w2 = w1, w3 = w1, w4 = w1;
    for (std::uint64_t t = 0; t < 6; ++t) {
      const Mat<S> g = fixed_matrix<S>(m, n, 40 + t);
      const double unorm = to_double(spectral::norm_frobenius(g));  // ‖u‖F is of the order of ‖g‖F
      const Mat<S> dp_e = ep->peek_direction(g), dp_c = cp->peek_direction(g);
      // Polar: same matrix up to a scalar factor, SVD backward error ~ 100·max(m,n)·ε with conditioning of G.
      CHECK(max_diff<S>(dp_e, dp_c) <= 1e4 * to_double(TestPrecision<S>::eps()));
      const Mat<S> dn_e = en->peek_direction(g), dn_c = cn->peek_direction(g);
      const double bound = 20 * 1e-7 * 1e3 / unorm + 1e6 * to_double(TestPrecision<S>::eps());
      CHECK(max_diff<S>(dn_e, dn_c) <= bound);
      CHECK(max_diff<S>(dn_e, dn_c) > 0.0);  // the ε term is really there
      ep->step(w1, g, S(1)), cp->step(w2, g, S(1)), en->step(w3, g, S(1)), cn->step(w4, g, S(1));
    }
  }
}

TEMPLATE_TEST_CASE("muon-moonlight: scale 0.2*sqrt(max(m,n)) and weight decay 0.1", "[solvers][muon]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  const Mat<S> w0 = fixed_matrix<S>(3, 5, 51), g = fixed_matrix<S>(3, 5, 52);
  const S lr = S(1) / S(10);
  auto opt = make_optimizer<S>("muon-moonlight:ortho=polar");
  Mat<S> w = w0;
  opt->step(w, g, lr);
  // First step, classical momentum + Nesterov: B = g, u = g + βg; ortho(u) = ortho(g).
  const Mat<S> expect =
      w0 * (S(1) - lr * S(1) / S(10)) - lr * S(2) / S(10) * S(sqrt(S(5))) * spectral::ortho(g);
  CHECK(max_diff<S>(w, expect) <= 1e4 * to_double(TestPrecision<S>::eps()));
}

TEST_CASE("muon: options on the orthogonalizer", "[solvers][muon]") {
  const MatD g = fixed_matrix<double>(3, 4, 61);
  // ns_steps repeats the Keller quintic; more steps of NS5 stay in its band (0.68, 1.13) — 5 and 10 steps differ.
  auto five = make_optimizer<double>("muon:momentum=none,scaling=none");
  auto ten = make_optimizer<double>("muon:momentum=none,scaling=none,ns_steps=10");
  CHECK(max_diff<double>(five->peek_direction(g), ten->peek_direction(g)) > 1e-6);
  // cubic with many steps and no ε converges to the polar factor.
  auto cubic = make_optimizer<double>("muon:momentum=none,scaling=none,ortho=cubic,ns_steps=60,ns_eps=0");
  auto polar = make_optimizer<double>("muon-ideal");
  CHECK(max_diff<double>(cubic->peek_direction(g), polar->peek_direction(g)) < 1e-10);
  CHECK_THROWS_WITH(make_optimizer<double>("muon:ortho=polar,ns_steps=3"), Catch::Contains("exact"));
  CHECK_THROWS_WITH(make_optimizer<double>("muon:ortho=pe5,ns_steps=3"), Catch::Contains("fixed table"));
  CHECK_THROWS_WITH(make_optimizer<double>("muon:ortho=nope"), Catch::Contains("unknown coefficient schedule"));
  CHECK_THROWS_WITH(make_optimizer<double>("muon:scaling=big"), Catch::Contains("keller|moonlight|none"));
  CHECK_NOTHROW(make_optimizer<double>("muon:ortho=pe5"));
  CHECK_NOTHROW(make_optimizer<double>("muon:ortho=pe-paper"));
}
