// Weight decay as a norm budget (theory/weight_decay.hpp): the prediction against hand values, the steady step norm of
// each optimizer, the effective radius, the candidates for `muonlab bias`, and bad input.
#include "solvers/optimizer.hpp"
#include "theory/weight_decay.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

namespace {
/// x = (1, 2, 2) (‖x‖1 = 5, ‖x‖2 = 3), y = (3, −1) (‖y‖∞ = 3, ‖y‖2 = √10), W0 = 0.
toy::Problem<Real> hand_problem() {
  toy::Problem<Real> p;
  p.x = MatR(3, 1);
  p.x << 1, 2, 2;
  p.y = MatR(2, 1);
  p.y << 3, -1;
  p.finalize();
  return p;
}
}  // namespace

TEST_CASE("predict_decay_limit: the max-norm budget clips W*_max row by row", "[theory][weight_decay]") {
  PrecisionScope scope(40);
  const toy::Problem<Real> p = hand_problem();
  // Row thresholds |y_i|/‖x‖1 = 3/5 and 1/5. Budget 2/5: row 0 saturates at ±2/5, row 1 fits exactly (−1/5).
  const DecayPrediction d = predict_decay_limit(p, "max", Real(2) / Real(5), DecayCenter::zero);
  CHECK(!d.exact_fit);
  CHECK(abs(d.threshold - Real(3) / Real(5)) <= Real("1e-38"));
  MatR expect(2, 3);
  expect << Real(2) / 5, Real(2) / 5, Real(2) / 5, Real(-1) / 5, Real(-1) / 5, Real(-1) / 5;
  // The solver's gap bounds the fitted vector to √(2·gap) (header); far below 1e-15 at 40 digits.
  CHECK(spectral::norm_max(MatR(d.point - expect)) <= Real("1e-15"));
  CHECK(spectral::norm_max(MatR(d.closed_form - expect)) <= Real("1e-38"));
  // Certified value: row 0 leaves 3 − 2 = 1, so ½·1².
  CHECK(abs(d.value - Real(1) / Real(2)) <= Real("1e-30"));
}

TEST_CASE("predict_decay_limit: the spectral budget shrinks W*_2 along its line", "[theory][weight_decay]") {
  PrecisionScope scope(40);
  const toy::Problem<Real> p = hand_problem();
  const Real thr = sqrt(Real(10)) / Real(3);  // ‖y‖2/‖x‖2
  const DecayPrediction below = predict_decay_limit(p, "2", thr / Real(2), DecayCenter::zero);
  const MatR w2 = p.y * p.x.transpose() / Real(9);  // W*_2 = y xᵀ/‖x‖²
  CHECK(!below.exact_fit);
  CHECK(spectral::norm_max(MatR(below.point - w2 / Real(2))) <= Real("1e-15"));
  CHECK(abs(spectral::norm_spectral(below.point) - thr / Real(2)) <= Real("1e-15"));
  const DecayPrediction above = predict_decay_limit(p, "2", thr * Real(2), DecayCenter::zero);
  CHECK(above.exact_fit);
  CHECK(spectral::norm_max(MatR(above.point - w2)) <= Real("1e-15"));
}

TEST_CASE("predict_decay_limit: decay toward W0 budgets the correction", "[theory][weight_decay]") {
  PrecisionScope scope(40);
  toy::Problem<Real> p = hand_problem();
  p.kind = toy::ProblemKind::continuation;
  p.w0 = MatR::Constant(2, 3, Real(1));
  p.finalize();
  // r0 = y − W0 x = (3 − 5, −1 − 5) = (−2, −6): the budget 1/5 saturates both rows (thresholds 2/5 and 6/5).
  const DecayPrediction d = predict_decay_limit(p, "max", Real(1) / Real(5), DecayCenter::initial);
  MatR expect = p.w0;
  expect.array() -= Real(1) / Real(5);  // W0 + clip(r0 sign(x)ᵀ/‖x‖1, 1/5) = W0 − 1/5
  CHECK(spectral::norm_max(MatR(d.point - expect)) <= Real("1e-15"));
  // Decay toward 0 budgets W itself: the target is y (W0 forgotten), so W0 plays no part.
  const DecayPrediction z = predict_decay_limit(p, "max", Real(1) / Real(5), DecayCenter::zero);
  CHECK(spectral::norm_max(z.point) <= Real(1) / Real(5) + Real("1e-30"));
}

TEST_CASE("steady_step_norm and effective_radius", "[theory][weight_decay]") {
  PrecisionScope scope(40);
  const toy::Problem<Real> p = hand_problem();
  MatR g;
  p.gradient(p.p0, g);
  CHECK(steady_step_norm(*solvers::make_optimizer<Real>("signgd"), g, "max") == Real(1));
  CHECK(abs(steady_step_norm(*solvers::make_optimizer<Real>("muon-ideal"), g, "2") - Real(1)) <= Real("1e-38"));
  CHECK(abs(steady_step_norm(*solvers::make_optimizer<Real>("adam:eps=0"), g, "max") - Real(1)) <= Real("1e-38"));
  // NS5 on a rank-one input: φ(1) = 0.69644 (five Keller quintic steps from 1, up to NS's ε = 1e-7), scale 1 (m ≤ n).
  double residual = 1;
  const Real s = steady_step_norm(*solvers::make_optimizer<Real>("muon"), g, "2", &residual);
  CHECK(abs(s - Real("0.6964364094697522")) <= Real("1e-6"));
  CHECK(residual < 1e-30);
  // λ = 2: budget s/λ, with s taken at the gradient of the predicted point; s depends on ‖G‖ only through NS's
  // ε = 1e-7, so it moves by less than 1e-6 relative from the value at W0.
  const Real rho = effective_radius(*solvers::make_optimizer<Real>("muon:wd=2"), p, "2", Real(2), DecayCenter::zero);
  CHECK(abs(rho - s / Real(2)) <= Real("1e-6") * s);
  CHECK(abs(rho - s / Real(2)) > Real(0));  // ... but it does move: the fixed point is not the first guess
  CHECK(weight_decay_of(*solvers::make_optimizer<Real>("muon-moonlight")) == Real(1) / Real(10));
  CHECK(weight_decay_of(*solvers::make_optimizer<Real>("signgd")) == Real(0));
}

TEST_CASE("decay_candidates and bad input", "[theory][weight_decay]") {
  PrecisionScope scope(30);
  const toy::Problem<Real> p = hand_problem();
  std::vector<DecayPrediction> info;
  const auto c = decay_candidates(p, *solvers::make_optimizer<Real>("signgd:wd=5"), DecayCenter::zero, &info);
  REQUIRE(c.size() == 2);
  CHECK(c[0].name == "max_wd");
  CHECK(c[1].name == "2_wd");
  CHECK(abs(info[0].radius - Real(1) / Real(5)) <= Real("1e-28"));
  CHECK_THROWS_AS(decay_candidates(p, *solvers::make_optimizer<Real>("signgd"), DecayCenter::zero), InputError);
  CHECK_THROWS_AS(predict_decay_limit(p, "F", Real(1), DecayCenter::zero), InputError);
  CHECK_THROWS_AS(predict_decay_limit(p, "max", Real(0), DecayCenter::zero), InputError);
  CHECK_THROWS_AS(parse_decay_center("one"), InputError);
  CHECK(parse_decay_center("w0") == DecayCenter::initial);
}

TEST_CASE("the prediction separates the optimizers: Muon with decay reaches the spectral point, not the max-norm one",
          "[theory][weight_decay]") {
  PrecisionScope scope(30);
  const toy::Problem<Real> p = hand_problem();
  const Real lambda(2);  // budget 1/2 < ‖y‖2/‖x‖2 = 1.054 and < 3/5: both constraints active
  auto opt = solvers::make_optimizer<Real>("muon-ideal:wd=2");
  MatR w = p.p0, g;
  for (int t = 0; t < 200; ++t) {  // constant η = 1/(5λ): geometric contraction (1 − 1/5)^t ≈ 4e-20 at t = 200
    p.gradient(w, g);
    opt->step(w, g, Real(1) / (Real(5) * lambda));
  }
  const DecayPrediction two = predict_decay_limit(p, "2", Real(1) / lambda, DecayCenter::zero);
  const DecayPrediction mx = predict_decay_limit(p, "max", Real(1) / lambda, DecayCenter::zero);
  CHECK(spectral::norm_frobenius(MatR(w - two.point)) <= Real("1e-15"));
  CHECK(spectral::norm_frobenius(MatR(w - mx.point)) >= Real("0.1"));
}
