// GD: W ← W(1 − lr·wd) − lr·G, exact in rationals.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("gd: one step is W - lr*G (plus decoupled weight decay)", "[solvers][gd]", double, Real, Rational) {
  using S = TestType;
  TestPrecision<S> prec;
  Mat<S> w(2, 3), g(2, 3);
  w << S(1), S(-2), S(3), S(0), S(5), S(-1);
  g << S(1) / S(2), S(0), S(-3), S(2), S(-1) / S(4), S(7);
  const Mat<S> g0 = g;
  const S lr = S(1) / S(8);
  {
    auto opt = make_optimizer<S>("gd");
    Mat<S> w1 = w;
    opt->step(w1, g, lr);
    // Every entry is a dyadic rational with few bits: exact in every type.
    CHECK(identical<S>(w1, Mat<S>(w - lr * g)));
    CHECK(identical<S>(g, g0));  // the gradient is not modified
    CHECK(identical<S>(opt->peek_direction(g), g));
  }
  {
    auto opt = make_optimizer<S>("gd:wd=1/2");
    Mat<S> w1 = w;
    opt->step(w1, g, lr);
    const S decay = S(1) - lr / S(2);
    CHECK(identical<S>(w1, Mat<S>(w * decay - lr * g)));
    CHECK(opt->name() == "gd(wd=1/2)");
  }
}

TEST_CASE("gd: guards on shapes, non-finite gradients and step sizes", "[solvers][gd]") {
  auto opt = make_optimizer<double>("gd");
  MatD w = MatD::Zero(2, 2), g = MatD::Ones(2, 3);
  CHECK_THROWS_WITH(opt->step(w, g, 0.1), Catch::Contains("gradient is 2x3 but the parameter is 2x2"));
  g = MatD::Ones(2, 2);
  g(1, 0) = std::nan("");
  CHECK_THROWS_AS(opt->step(w, g, 0.1), InputError);
  CHECK_THROWS_WITH(opt->peek_direction(g), Catch::Contains("non-finite entry at (1, 0)"));
  g(1, 0) = 1.0;
  CHECK_THROWS_WITH(opt->step(w, g, -0.1), Catch::Contains("step size"));
  CHECK_THROWS_AS(opt->step(w, g, std::numeric_limits<double>::infinity()), InputError);
  CHECK(w.isZero());  // nothing was applied by the failed calls
}
