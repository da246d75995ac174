// Decay toward an anchor (solvers/anchored_decay.hpp): the rule W ← W − lr·wd·(W − W0) − lr·d, exactly in rationals.
#include "solvers/anchored_decay.hpp"
#include "solvers/optimizer.hpp"

#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::solvers;

TEST_CASE("AnchoredDecay: decays toward W0, not toward 0", "[solvers][decay]") {
  MatQ w0(2, 2), g(2, 2);
  w0 << 1, -2, 3, 4;
  g << 1, -1, 0, 2;
  AnchoredDecay<Rational> opt(make_optimizer<Rational>("signgd:wd=1/2"), w0);
  MatQ w = w0;
  w(0, 0) += 1;  // start one unit away from the anchor in one entry
  const Rational lr(1, 4);
  MatQ expect = w - lr * Rational(1, 2) * (w - w0) - lr * spectral::sign(g);
  opt.step(w, g, lr);
  CHECK(w == expect);  // exact in rationals
  // With the anchor at 0 it is the wrapped optimizer itself.
  AnchoredDecay<Rational> zero(make_optimizer<Rational>("signgd:wd=1/2"), MatQ::Zero(2, 2));
  auto plain = make_optimizer<Rational>("signgd:wd=1/2");
  MatQ a = w, b = w;
  zero.step(a, g, lr);
  plain->step(b, g, lr);
  CHECK(a == b);
  // Shape mismatch with the anchor, and no optimizer, are InputErrors.
  MatQ wrong(3, 2);
  wrong.setZero();
  CHECK_THROWS_AS(opt.step(wrong, MatQ::Zero(3, 2), lr), InputError);
  CHECK_THROWS_AS(AnchoredDecay<Rational>(nullptr, w0), InputError);
  CHECK(opt.name() == "signgd(wd=1/2)[decay to W0]");
}
