// The Muon family's momentum buffer and the input it hands to the orthogonalizer (solvers/momentum.hpp), in exact
// rationals so every identity is checked with ==.
#include "solvers/momentum.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::solvers;

namespace {
MatQ mat(Rational a, Rational b, Rational c, Rational d) {
  MatQ m(2, 2);
  m << a, b, c, d;
  return m;
}
}  // namespace

TEST_CASE("momentum kinds: names round-trip, anything else is an InputError", "[solvers][momentum]") {
  for (MomentumKind k : {MomentumKind::none, MomentumKind::ema, MomentumKind::classical})
    CHECK(momentum_kind_from(momentum_name(k)) == k);
  CHECK_THROWS_WITH(momentum_kind_from("nesterov"), Catch::Contains("momentum must be none, ema or classical"));
}

TEST_CASE("ema_next: (1 - beta) x from zero, beta e + (1 - beta) x after", "[solvers][momentum]") {
  const Rational beta(9, 10);
  const MatQ x = mat(1, -2, 3, 0), e = mat(0, 4, -1, 2);
  CHECK(ema_next(beta, MatQ(), x) == MatQ(Rational(1, 10) * x));  // an empty average stands for 0
  CHECK(ema_next(beta, e, x) == MatQ(Rational(9, 10) * e + Rational(1, 10) * x));
  CHECK(ema_next(beta, e, x) == momentum_next(MomentumKind::ema, beta, e, x));  // the EMA buffer is this average
}

TEST_CASE("momentum_next: EMA and classical buffers from zero and from a state", "[solvers][momentum]") {
  const Rational beta(19, 20);
  const MatQ g = mat(1, -2, 3, 0), g2 = mat(0, 4, -1, 2);
  // The first step starts from B = 0 (an empty matrix stands for it).
  CHECK(momentum_next(MomentumKind::ema, beta, MatQ(), g) == MatQ(Rational(1, 20) * g));
  CHECK(momentum_next(MomentumKind::classical, beta, MatQ(), g) == g);
  CHECK(momentum_next(MomentumKind::none, beta, MatQ(), g).size() == 0);  // no buffer is kept
  const MatQ e1 = momentum_next(MomentumKind::ema, beta, MatQ(), g);
  const MatQ c1 = momentum_next(MomentumKind::classical, beta, MatQ(), g);
  const MatQ e2 = momentum_next(MomentumKind::ema, beta, e1, g2);
  const MatQ c2 = momentum_next(MomentumKind::classical, beta, c1, g2);
  CHECK(e2 == MatQ(beta * e1 + (1 - beta) * g2));
  CHECK(c2 == MatQ(beta * c1 + g2));
  // By induction B_ema = (1 − β)·B_classical, exactly.
  CHECK(e2 == MatQ((1 - beta) * c2));
}

TEST_CASE("momentum_input: plain, Nesterov, and none; EMA is (1 − β) times classical", "[solvers][momentum]") {
  const Rational beta(9, 10);
  const MatQ g = mat(2, 0, -1, 5), g2 = mat(1, 1, 1, -3);
  const MatQ be = momentum_next(MomentumKind::ema, beta, momentum_next(MomentumKind::ema, beta, MatQ(), g), g2);
  const MatQ bc =
      momentum_next(MomentumKind::classical, beta, momentum_next(MomentumKind::classical, beta, MatQ(), g), g2);
  CHECK(momentum_input(MomentumKind::ema, beta, false, g2, be) == be);
  CHECK(momentum_input(MomentumKind::ema, beta, true, g2, be) == MatQ((1 - beta) * g2 + beta * be));  // G.lerp(B, β)
  CHECK(momentum_input(MomentumKind::classical, beta, true, g2, bc) == MatQ(g2 + beta * bc));
  CHECK(momentum_input(MomentumKind::none, beta, true, g2, MatQ()) == g2);  // `nesterov` has no effect
  // The two forms hand the orthogonalizer proportional inputs, with or without Nesterov, so ortho(u) agrees.
  for (bool nesterov : {false, true})
    CHECK(momentum_input(MomentumKind::ema, beta, nesterov, g2, be) ==
          MatQ((1 - beta) * momentum_input(MomentumKind::classical, beta, nesterov, g2, bc)));
}
