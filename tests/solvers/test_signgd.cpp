// SignGD: W ← W − lr·sign(G) with sign(0) = 0; exact in rationals (Thm 3.1's setting).
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("signgd: one step is W - lr*sign(G), sign(0) = 0", "[solvers][signgd]", double, Real, Rational) {
  using S = TestType;
  TestPrecision<S> prec;
  Mat<S> w = Mat<S>::Zero(2, 3), g(2, 3);
  g << S(3), S(0), S(-1) / S(7), S(-2), S(1) / S(1000), S(0);
  Mat<S> expect(2, 3);
  const S lr = S(1) / S(4);
  expect << -lr, S(0), lr, lr, -lr, S(0);
  auto opt = make_optimizer<S>("signgd");
  opt->step(w, g, lr);
  CHECK(identical<S>(w, expect));
}

TEST_CASE("signgd in exact rationals: the toy run W_t = w_t sign(x)^T with eta_t = 1/(t+1), zero error",
          "[solvers][signgd][rational]") {
  // L(W) = ½‖Wx − y‖², ∇L = (Wx − y)xᵀ. From W_0 = 0 every SignGD step is a multiple of sign(r)sign(x)ᵀ, so
  // W_t = w_t sign(x)ᵀ with w_t ← w_t − η_t sign(w_t‖x‖1 − y) entry-wise (Thm 3.1 / Lemma D.1). Both sides are
  // computed in exact rationals, so they must agree exactly.
  VecQ x(3), y(2);
  x << Rational(2), Rational(-1), Rational(1, 2);
  y << Rational(1), Rational(-3, 4);
  const Rational x1 = spectral::norm_l1(x);
  const MatQ sx = spectral::sign(x).transpose();
  auto opt = make_optimizer<Rational>("signgd");
  auto eta = make_step_size<Rational>("power:lr=1,p=1");
  MatQ w = MatQ::Zero(2, 3);
  VecQ wv = VecQ::Zero(2);
  for (long t = 0; t < 40; ++t) {
    const MatQ g = (w * x - y) * x.transpose();
    opt->step(w, g, eta->at(t));
    for (Eigen::Index i = 0; i < 2; ++i) {
      const Rational r = wv(i) * x1 - y(i);
      wv(i) -= eta->at(t) * Rational(r > 0 ? 1 : (r < 0 ? -1 : 0));
    }
    REQUIRE(identical<Rational>(w, MatQ(wv * sx)));
  }
  // Lemma D.1: the residual w_t‖x‖1 − y tends to 0; after 40 steps it is below η_39·‖x‖1 = 3.5/40 per entry.
  const VecQ resid = wv * x1 - y;
  CHECK(spectral::norm_linf(resid) <= Rational(35, 400));
}
