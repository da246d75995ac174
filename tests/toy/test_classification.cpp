// Separable classification (toy/classification.hpp): loss and gradient against finite differences and hand values,
// the tiny-loss regime, random instances, batching, the runner's normalized margins, the file format, bad input.
#include "solvers/optimizer.hpp"
#include "toy/classification.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace muonlab;
using namespace muonlab::toy;

TEST_CASE("classification: loss and gradient", "[toy][classification]") {
  PrecisionScope scope(40);
  const Classification<Real> p = batch_one_counterexample<Real>();
  // At W = 0 every class has probability 1/2: ℓ_i = log 2.
  CHECK(abs(p.loss(MatR::Zero(2, 2)) - log(Real(2))) <= Real("1e-38"));
  // The gradient against central differences (step h = 1e-12: truncation O(h²) = 1e-24, rounding 1e-40/h).
  MatR w(2, 2);
  w << Real("0.3"), Real("-0.7"), Real("0.2"), Real("0.5");
  MatR g;
  p.gradient(w, g);
  const Real h("1e-12");
  for (Eigen::Index j = 0; j < w.size(); ++j) {
    MatR a = w, b = w;
    a(j % 2, j / 2) += h;
    b(j % 2, j / 2) -= h;
    const Real fd = (p.loss(a) - p.loss(b)) / (Real(2) * h);
    CHECK(abs(fd - g(j % 2, j / 2)) <= Real("1e-20"));
  }
  // Each column of the gradient sums to zero over the classes (softmax − e_c sums to 0).
  CHECK(abs(g.col(0).sum()) <= Real("1e-38"));
  // A batch gradient is the mean over its samples.
  MatR g0, g1, g2;
  p.gradient(w, g0, {0});
  p.gradient(w, g1, {1});
  p.gradient(w, g2, {2});
  CHECK(spectral::norm_max(MatR(g - (g0 + g1 + g2) / Real(3))) <= Real("1e-38"));
}

TEST_CASE("classification: well-separated samples keep a consistent gradient and a positive loss", "[toy][classification]") {
  // With logit gaps of ~1000 the other probabilities are ~e^-1000, far below the unit roundoff: softmax − e_c must
  // still sum to zero (p_c − 1 would round to 0 and leave a non-zero column sum) and the loss must stay > 0.
  PrecisionScope scope(30);
  const Classification<Real> p = batch_one_counterexample<Real>();
  MatR w(2, 2);
  w << Real(200), Real(-200), Real(-200), Real(200);  // margins 800–3600
  MatR g;
  p.gradient(w, g);
  CHECK(g.col(0).sum() == Real(0));
  CHECK(g.col(1).sum() == Real(0));
  CHECK(spectral::norm_max(g) > Real(0));
  const Real l = p.loss(w);
  CHECK(l > Real(0));
  CHECK(l < Real("1e-300"));
}

TEST_CASE("classification: random instances are separable and reproducible", "[toy][classification]") {
  ClassificationSpec spec;
  spec.classes = 3;
  spec.n = 4;
  spec.samples = 9;
  spec.entries = Entries::integer;
  const Classification<double> a = make_classification<double>(spec), b = make_classification<double>(spec);
  CHECK(a.x == b.x);
  CHECK(a.labels == b.labels);
  for (int k = 0; k < 3; ++k) CHECK(std::count(a.labels.begin(), a.labels.end(), k) >= 1);
  for (Eigen::Index j = 0; j < a.x.size(); ++j) {
    const double v = a.x(j % 4, j / 4);
    CHECK((v != 0 && std::abs(v) <= 3 && v == std::round(v)));
  }
  spec.classes = 1;
  CHECK_THROWS_AS(make_classification<double>(spec), InputError);
  spec.classes = 5;
  spec.samples = 3;  // fewer samples than classes
  CHECK_THROWS_AS(make_classification<double>(spec), InputError);
}

TEST_CASE("classification: the runner records normalized margins", "[toy][classification]") {
  PrecisionScope scope(30);
  const Classification<Real> p = batch_one_counterexample<Real>();
  auto opt = solvers::make_optimizer<Real>("signgd");
  RunOptions ro;
  ro.steps = 50;
  ro.records = 5;
  const auto run = run_classification<Real>(p, *opt, [](long) { return Real("0.1"); }, BatchSpec{}, ro);
  REQUIRE(run.rows.size() >= 2);
  CHECK(run.rows.front().step == 0);
  CHECK(run.rows.back().step == 50);
  const MarginRow& last = run.rows.back();
  CHECK(last.margin > 0);  // full-batch SignGD separates these points
  CHECK(std::abs(last.nmargin_max - last.margin / last.norm_max) <= 1e-12 * std::abs(last.nmargin_max));
  CHECK(std::isnan(run.rows.front().nmargin_2));  // W = 0
  // Batch size 1 in cyclic order visits the samples 0, 1, 2, 0, ...: after one epoch of SignSGD the iterate is
  // Σ_i η (2e_c − 1) sign(x_i)ᵀ (margin.hpp; the claim margin-batch1).
  auto opt1 = solvers::make_optimizer<Real>("signgd");
  ro.steps = 3;
  BatchSpec b;
  b.order = BatchSpec::Order::cyclic;
  b.size = 1;
  const auto one = run_classification<Real>(p, *opt1, [](long) { return Real(1); }, b, ro);
  MatR expect(2, 2);
  expect << 1, 1, -1, -1;  // (+1 −1 +1)·(1, 1) in row 0, the negative in row 1
  CHECK(one.final_w == expect);
  CHECK(margin_csv(run.rows).rfind("step,lr,loss,margin,norm_max,norm_2,norm_F,nmargin_max,nmargin_2,nmargin_F\n", 0) == 0);
}

TEST_CASE("classification: batch specs and files", "[toy][classification]") {
  CHECK(BatchSpec::parse("full").order == BatchSpec::Order::full);
  CHECK(BatchSpec::parse("cyclic:2").size == 2);
  CHECK(BatchSpec::parse("random:1").order == BatchSpec::Order::random);
  for (const char* bad : {"cyclic", "cyclic:0", "random:x", "minibatch:2", "cyclic:2x"})
    CHECK_THROWS_AS(BatchSpec::parse(bad), InputError);
  const std::string path = "/tmp/muonlab_test_classification_" + std::to_string(::getpid()) + ".txt";
  std::ofstream(path) << "# two classes\n[x]\n3 1\n1 3\n10 1\n[labels]\n0\n1\n0\n";
  const Classification<double> f = read_classification_file<double>(path);
  CHECK(f.classes == 2);
  CHECK(f.samples() == 3);
  CHECK(f.x(0, 2) == 10);
  std::ofstream(path) << "[x]\n1 2\n[labels]\n0.5\n";
  CHECK_THROWS_AS(read_classification_file<double>(path), InputError);
  std::ofstream(path) << "[x]\n1 2\n3 4\n[labels]\n0\n";
  CHECK_THROWS_AS(read_classification_file<double>(path), InputError);
  std::remove(path.c_str());
  // Running with a batch larger than the data is an InputError.
  const Classification<double> p = batch_one_counterexample<double>();
  auto opt = solvers::make_optimizer<double>("gd");
  BatchSpec b;
  b.order = BatchSpec::Order::random;
  b.size = 4;
  RunOptions ro;
  ro.steps = 1;
  CHECK_THROWS_AS(run_classification<double>(p, *opt, [](long) { return 0.1; }, b, ro), InputError);
}
