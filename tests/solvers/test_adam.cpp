// Adam / AdamW as PyTorch computes them, at double and MPFR precision.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("adam: two steps match the hand-written bias-corrected rule", "[solvers][adam]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  const Mat<S> w0 = fixed_matrix<S>(3, 2, 1), g1 = fixed_matrix<S>(3, 2, 2), g2 = fixed_matrix<S>(3, 2, 3);
  const S b1 = S(9) / S(10), b2 = S(999) / S(1000), eps = S(1) / S(100000000), wd = S(1) / S(100);
  const S lr = S(1) / S(1000);
  auto opt = make_optimizer<S>("adamw");  // PyTorch AdamW defaults: 0.9, 0.999, 1e-8, wd 0.01
  Mat<S> w = w0;
  opt->step(w, g1, lr);
  opt->step(w, g2, lr);
  Mat<S> expect = w0, m = Mat<S>::Zero(3, 2), v = Mat<S>::Zero(3, 2);
  const Mat<S>* gs[] = {&g1, &g2};
  for (int t = 1; t <= 2; ++t) {
    const Mat<S>& g = *gs[t - 1];
    m = b1 * m + (S(1) - b1) * g;
    v = b2 * v + (S(1) - b2) * Mat<S>(g.cwiseProduct(g));
    const S bc1 = S(1) - (t == 1 ? b1 : b1 * b1), bc2 = S(1) - (t == 1 ? b2 : b2 * b2);
    expect *= S(1) - lr * wd;
    for (Eigen::Index j = 0; j < 2; ++j)
      for (Eigen::Index i = 0; i < 3; ++i) expect(i, j) -= lr * (m(i, j) / bc1) / (sqrt(v(i, j) / bc2) + eps);
  }
  // Same operations in the same order up to the order of the bias-correction divisions: a few roundings of
  // relative size ε on O(1) quantities, times lr.
  CHECK(max_diff<S>(w, expect) <= 64 * to_double(TestPrecision<S>::eps()));
  const auto st = opt->state();
  CHECK(st.count("m") == 1);
  CHECK(max_diff<S>(st.at("m"), m) <= 8 * to_double(TestPrecision<S>::eps()));
  CHECK(to_double(st.at("step")(0, 0)) == 2.0);
}

TEMPLATE_TEST_CASE("adam with beta1 = beta2 = 0 and eps = 0 is SignGD, exactly", "[solvers][adam]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  // m = g, v = g², bias corrections are 1, and √(fl(g²)) = |g| exactly in binary floating point (no under- or
  // overflow here), so m/√v = ±1 exactly; entries with g = 0 give 0/0 := 0 = sign(0).
  auto adam = make_optimizer<S>("adam:beta1=0,beta2=0,eps=0");
  auto sgd = make_optimizer<S>("signgd");
  Mat<S> wa = fixed_matrix<S>(4, 3, 7), ws = wa;
  for (std::uint64_t k = 0; k < 5; ++k) {
    Mat<S> g = fixed_matrix<S>(4, 3, 100 + k);
    g(k % 4, k % 3) = S(0);
    const S lr = S(1) / S(static_cast<long>(k + 1));
    adam->step(wa, g, lr);
    sgd->step(ws, g, lr);
    REQUIRE(identical<S>(wa, ws));
  }
}

TEST_CASE("adam: eps = 0 with an all-zero gradient entry moves it by 0, not NaN", "[solvers][adam]") {
  auto adam = make_optimizer<double>("adam:eps=0");
  MatD w = MatD::Ones(2, 2), g(2, 2);
  g << 1.0, 0.0, -2.0, 0.0;
  for (int t = 0; t < 3; ++t) adam->step(w, g, 0.1);
  CHECK(all_finite(w));
  CHECK(w(0, 1) == 1.0);
  CHECK(w(1, 1) == 1.0);
  // A constant gradient: m̂ = g, v̂ = g², so each step is lr·sign(g) exactly as with SignGD.
  CHECK(w(0, 0) == Approx(1.0 - 0.3).epsilon(1e-14));
  CHECK(w(1, 0) == Approx(1.0 + 0.3).epsilon(1e-14));
}

TEST_CASE("adam: hyper-parameters that round out of range at the working precision are rejected",
          "[solvers][adam][guards]") {
  // 1 − 1e-20 rounds to 1 in double, which would make 1 − β2^t = 0.
  CHECK_THROWS_WITH(make_optimizer<double>("adam:beta2=0.99999999999999999999"),
                    Catch::Contains("rounds to 1") && Catch::Contains("--digits"));
  {
    PrecisionScope scope(50);
    CHECK_NOTHROW(make_optimizer<Real>("adam:beta2=0.99999999999999999999"));
  }
  // 1e-400 underflows to 0 in double.
  CHECK_THROWS_WITH(make_optimizer<double>("adam:eps=1e-400"), Catch::Contains("rounds to 0"));
  CHECK_NOTHROW(make_optimizer<double>("adam:eps=0"));
  CHECK_THROWS_WITH(make_optimizer<double>("adam:beta1=1"), Catch::Contains("must be [0, 1)"));
  CHECK_THROWS_WITH(make_optimizer<double>("adam:eps=-1e-8"), Catch::Contains("must be >= 0"));
  CHECK_THROWS_WITH(make_optimizer<double>("adam:beta1=abc"), Catch::Contains("not a number"));
}
