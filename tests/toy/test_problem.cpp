// toy/problem: instances, the reduced form, loss and gradient, and the instance file format.
#include "toy/problem.hpp"

#include "spectral/errors.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using muonlab::testing::TempFile;

TEST_CASE("random instances are reproducible and have the promised entries", "[toy][problem]") {
  toy::ProblemSpec spec;
  spec.m = 3;
  spec.n = 5;
  spec.entries = toy::Entries::integer;
  const auto a = toy::make_problem<Rational>(spec);
  const auto b = toy::make_problem<Rational>(spec);
  CHECK(a.x == b.x);
  CHECK(a.y == b.y);
  REQUIRE(a.x.rows() == 5);
  REQUIRE(a.y.rows() == 3);
  for (Eigen::Index i = 0; i < a.x.rows(); ++i) {
    CHECK(a.x(i, 0) != 0);  // integer entries are non-zero, so Adam with eps = 0 never sees 0/0
    CHECK(abs(a.x(i, 0)) <= 3);
  }
  spec.seed = 2;
  CHECK(toy::make_problem<Rational>(spec).x != a.x);
  // Gaussian instances are drawn in double, so the same instance at every precision.
  spec.entries = toy::Entries::gaussian;
  const auto d = toy::make_problem<double>(spec);
  PrecisionScope scope(40);
  const auto r = toy::make_problem<Real>(spec);
  CHECK(mat_cast<double>(r.x) == d.x);
}

TEST_CASE("the reduced form: gradient and loss of each problem kind, exactly", "[toy][problem]") {
  for (auto kind : {toy::ProblemKind::single_sample, toy::ProblemKind::continuation, toy::ProblemKind::lora,
                    toy::ProblemKind::k_sample}) {
    toy::ProblemSpec spec;
    spec.kind = kind;
    spec.m = 3;
    spec.n = 4;
    spec.samples = kind == toy::ProblemKind::k_sample ? 2 : 1;
    spec.entries = toy::Entries::integer;
    spec.seed = 7;
    const auto p = toy::make_problem<Rational>(spec);
    INFO(toy::to_string(kind));
    MatQ param(p.p0.rows(), p.p0.cols());
    for (Eigen::Index j = 0; j < param.cols(); ++j)
      for (Eigen::Index i = 0; i < param.rows(); ++i) param(i, j) = Rational(static_cast<long>(i + 2 * j) - 3, 5);
    // The loss in the paper's form, L = ½‖W X − Y‖², with W the full weight.
    const MatQ resid = p.weight(param) * p.x - p.y;
    const Rational expected = resid.squaredNorm() / 2;
    CHECK(p.loss(param) == expected);
    MatQ g;
    p.gradient(param, g);
    // ∇_W L = (W X − Y) Xᵀ; under LoRA ∇_B L = ∇_W L · Aᵀ.
    const MatQ gw = resid * p.x.transpose();
    CHECK(g == (kind == toy::ProblemKind::lora ? MatQ(gw * p.a.transpose()) : gw));
    CHECK(p.loss(p.p0) == p.r0.squaredNorm() / 2);
  }
}

TEST_CASE("bad specs and instances are InputErrors", "[toy][problem][errors]") {
  toy::ProblemSpec spec;
  spec.samples = 2;  // only the ksample problem takes several samples
  CHECK_THROWS_AS(toy::make_problem<double>(spec), InputError);
  spec.kind = toy::ProblemKind::k_sample;
  spec.samples = 7;  // more samples than n = 6
  CHECK_THROWS_AS(toy::make_problem<double>(spec), InputError);
  spec = toy::ProblemSpec();
  spec.m = 0;
  CHECK_THROWS_AS(toy::make_problem<double>(spec), InputError);
  CHECK_THROWS_AS(toy::parse_problem_kind("quadratic"), InputError);
  CHECK_THROWS_AS(toy::parse_entries("uniform"), InputError);
  toy::Problem<double> p;
  p.x = MatD::Zero(3, 1);
  p.y = MatD::Ones(2, 1);
  CHECK_THROWS_AS(p.finalize(), InputError);  // x = 0
}

TEST_CASE("instance files: sections, kinds, and clear errors", "[toy][problem][io]") {
  {
    TempFile f("# a single sample\n[x]\n1, -2, 1/2\n[y]\n3 4\n");
    const auto p = toy::read_problem_file<Rational>(f.path());
    CHECK(p.kind == toy::ProblemKind::single_sample);
    REQUIRE(p.x.rows() == 3);
    CHECK(p.x(2, 0) == Rational(1, 2));
    CHECK(p.y(1, 0) == 4);
  }
  {
    TempFile f("[x]\n1 0\n0 1\n[y]\n1\n2\n");
    CHECK(toy::read_problem_file<double>(f.path()).kind == toy::ProblemKind::k_sample);
  }
  {
    TempFile f("[x]\n1 2\n[y]\n1\n[w0]\n1 1\n");
    const auto p = toy::read_problem_file<Rational>(f.path());
    CHECK(p.kind == toy::ProblemKind::continuation);
    CHECK(p.r0(0, 0) == 1 - 3);  // r0 = b − W0 z
  }
  {
    TempFile f("[x]\n1 2\n[y]\n1\n[a]\n1 1\n");
    const auto p = toy::read_problem_file<Rational>(f.path());
    CHECK(p.kind == toy::ProblemKind::lora);
    CHECK(p.u(0, 0) == 3);  // u = A z
  }
  for (const char* bad : {"[x]\n1 2\n", "[x]\n1 2\n[y]\n1\n[y]\n2\n", "1 2\n[x]\n1\n[y]\n1\n",
                          "[x]\n1 2\n[y]\n1\n[z]\n1\n", "[x]\n1 2\n[y]\n1\n[w0]\n1 2 3\n", "[x]\n1 nan\n[y]\n1\n",
                          "[x]\n1 2\n1\n[y]\n1\n", "[x]\n1 2\n3 4\n[y]\n1\n", "[x]\n0 0\n[y]\n1\n"}) {
    TempFile f(bad);
    INFO(bad);
    CHECK_THROWS_AS(toy::read_problem_file<double>(f.path()), InputError);
  }
  CHECK_THROWS_AS(toy::read_problem_file<double>("/nonexistent/instance.txt"), InputError);
}
