// toy/runner: trajectories, recording and divergence (the verdict: test_bias_verdict.cpp).
#include "toy/runner.hpp"

#include "solvers/optimizer.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace muonlab;

namespace {
toy::Problem<Rational> small_problem() {
  toy::Problem<Rational> p;
  p.x = MatQ(3, 1);
  p.x << 1, -2, 3;
  p.y = MatQ(2, 1);
  p.y << 2, -1;
  p.finalize();
  return p;
}
}  // namespace

TEST_CASE("record_steps: step 0, the last step, log-spaced in between", "[toy][runner]") {
  const auto s = toy::record_steps(1000, 10);
  REQUIRE(s.front() == 0);
  REQUIRE(s.back() == 1000);
  CHECK(std::is_sorted(s.begin(), s.end()));
  CHECK(s.size() >= 8);
  CHECK(s.size() <= 13);
  CHECK(toy::record_steps(0, 10) == std::vector<long>{0});
}

TEST_CASE("runner: exact SignGD trajectory through make_optimizer", "[toy][runner]") {
  const auto p = small_problem();
  // W*_max = y sign(x)ᵀ/‖x‖1 with ‖x‖1 = 6, computed by hand.
  MatQ wmax(2, 3);
  wmax << Rational(1, 3), Rational(-1, 3), Rational(1, 3), Rational(-1, 6), Rational(1, 6), Rational(-1, 6);
  auto opt = solvers::make_optimizer<Rational>("signgd");
  toy::RunOptions ro;
  ro.steps = 60;
  ro.records = 5;
  long calls = 0;
  const auto r = toy::run_toy<Rational>(
      p, *opt, [&](long t) { ++calls; return Rational(1, 2) / Rational(t + 1); }, {{"max", wmax}}, ro);
  CHECK(calls == 60);
  CHECK(r.steps_done == 60);
  CHECK_FALSE(r.diverged);
  REQUIRE(r.rows.front().step == 0);
  CHECK(r.rows.front().loss == Approx(2.5));              // ½‖y‖² = ½(4 + 1)
  CHECK(r.rows.front().rel_dist[0] == Approx(1.0));       // from P0 = 0 the distance is the whole move
  CHECK(r.rows.back().step == 60);
  // Lemma D.1 band: ‖W_T − W*_max‖max ≤ η_{T−1} = 1/120 exactly; so ‖·‖F ≤ √6/120.
  const Rational err = spectral::norm_max(MatQ(r.final_param - wmax));
  CHECK(err <= Rational(1, 120));
  CHECK(r.rows.back().dist[0] <= std::sqrt(6.0) / 120 + 1e-15);
  CHECK(r.rows.back().lr == Approx(1.0 / 120));
  // Thm 3.1 invariant: every column is ±(the first), exactly.
  CHECK(r.final_param.col(1) == -r.final_param.col(0));
  CHECK(r.final_param.col(2) == r.final_param.col(0));
  const std::string csv = toy::trajectory_csv(r.candidates, r.rows);
  std::istringstream in(csv);
  std::string header;
  std::getline(in, header);
  CHECK(header == "step,lr,loss,norm_max,norm_2,norm_F,dist_max,rel_max");
  long lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  CHECK(lines == static_cast<long>(r.rows.size()));
}

TEST_CASE("runner: divergence is reported, not propagated as NaN", "[toy][runner]") {
  toy::Problem<double> p;
  p.x = MatD::Constant(4, 1, 10.0);
  p.y = MatD::Ones(2, 1);
  p.finalize();
  auto opt = solvers::make_optimizer<double>("gd");
  toy::RunOptions ro;
  ro.steps = 2000;
  // GD with η‖x‖² = 400 ≫ 2 multiplies the residual by |1 − 400| each step: overflow within ~120 steps.
  const auto r = toy::run_toy<double>(p, *opt, [](long) { return 1.0; }, {}, ro);
  CHECK(r.diverged);
  CHECK(r.steps_done < 2000);
}

TEST_CASE("runner: bad arguments", "[toy][runner][errors]") {
  const auto p = small_problem();
  auto opt = solvers::make_optimizer<Rational>("signgd");
  toy::RunOptions ro;
  ro.steps = -1;
  CHECK_THROWS_AS(toy::run_toy<Rational>(p, *opt, [](long) { return Rational(1); }, {}, ro), InputError);
  ro.steps = 1;
  CHECK_THROWS_AS(toy::run_toy<Rational>(p, *opt, [](long) { return Rational(1); }, {{"bad", MatQ::Zero(3, 3)}}, ro),
                  InputError);
}
