// theory::run_bias (theory/bias_command.hpp): the one-sample limits of SignGD and idealized Muon (Thm 3.1/3.2), the
// k-sample verdict coming from theory/ksample (not toy/bias_verdict), classification, and BiasOptions::validate().
#include "theory/bias_command.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace muonlab;
using namespace muonlab::theory;

namespace {
bool reached(const BiasSummary& s, const std::string& name) {
  const auto& c = s.regression.verdict.converged_to;
  return std::find(c.begin(), c.end(), name) != c.end();
}
}  // namespace

TEST_CASE("run_bias: exact SignGD reaches W*_max, idealized Muon W*_2", "[theory][bias][command]") {
  BiasOptions o;
  o.optimizer = "signgd";
  o.exact = true;
  o.entries = "integer";
  o.steps = 2000;
  const BiasSummary sign = run_bias(o);
  CHECK(sign.regression.scalar == "rational");
  CHECK(reached(sign, "max"));  // Thm 3.1
  CHECK(sign.to_json()["digits"] == 0);
  BiasOptions m;
  m.optimizer = "muon-ideal";
  m.out = "trajectory.csv";  // the summary carries the CSV; the caller writes it
  const BiasSummary muon = run_bias(m);
  CHECK(muon.regression.scalar == "mpfr");
  CHECK(reached(muon, "2"));  // Thm 3.2
  CHECK(muon.trajectory_csv.rfind("step,lr,loss,", 0) == 0);
  CHECK(muon.brief().find("verdict: converged to") != std::string::npos);
  CHECK(muon.brief().find("trajectory: trajectory.csv") != std::string::npos);
}

TEST_CASE("run_bias --samples K: the verdict is theory::ksample's", "[theory][bias][command][ksample]") {
  BiasOptions o;
  o.optimizer = "muon-ideal";
  o.samples = 2;
  o.m = 3;
  o.n = 4;
  o.steps = 300;
  const BiasSummary s = run_bias(o);
  REQUIRE(s.regression.ksample);
  REQUIRE(s.regression.references.size() == 3);
  CHECK(s.regression.verdict.text == s.regression.limit.verdict);
  CHECK(s.regression.verdict.converged_to == s.regression.limit.converged_to);
  CHECK(s.to_json().contains("residual"));
}

TEST_CASE("run_bias --problem batch1: the classification summary", "[theory][bias][command]") {
  BiasOptions o;
  o.optimizer = "gd";
  o.problem = "batch1";
  o.steps = 100;
  const BiasSummary s = run_bias(o);
  REQUIRE(s.classification);
  CHECK(s.classify.kind == "batch1");
  CHECK(s.classify.samples == 3);
  CHECK(s.classify.references.size() == 3);
  CHECK(s.to_json()["problem"]["kind"] == "batch1");
  CHECK(s.brief().find("problem classify K=2 n=2 N=3") != std::string::npos);
}

TEST_CASE("BiasOptions::validate names the problem", "[theory][bias][command]") {
  BiasOptions o;
  CHECK(o.validate() == "--optimizer is required");
  o.optimizer = "frobnicator";
  CHECK(o.validate().find("frobnicator") != std::string::npos);
  o.optimizer = "signgd";
  CHECK(o.validate().empty());
  o.batch = "cyclic:1";
  CHECK(o.validate() == "--batch, --normalize and --classes apply to --problem classify | batch1");
  o.problem = "classify";
  CHECK(o.validate().empty());
  o.exact = true;
  CHECK(o.validate() == "--exact: the cross-entropy needs exp and log; use --digits");
  BiasOptions t;
  t.optimizer = "signgd";
  t.precision = spectral::Precision(16);
  t.tol = 1e-40;
  CHECK(t.validate().rfind("--tol 1e-40 is below what 16 digits can resolve", 0) == 0);
  CHECK_THROWS_AS(run_bias(t), InputError);
  t.exact = true;  // exact arithmetic resolves any tolerance
  CHECK(t.validate().empty());
}
