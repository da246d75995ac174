// theory::run_budget (theory/budget_command.hpp): the curves on a hand-computed instance, the CSV, the k-sample
// mode, and BudgetOptions::validate().
#include "theory/budget_command.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("run_budget: thresholds of a given z, r0 and the grid through them", "[theory][budget][command]") {
  BudgetOptions o;
  o.z = "1,-2,3";
  o.r0 = "2,-1";
  o.points = 5;
  const BudgetSummary s = run_budget(o);
  // Prop D.5: rho*_max = ||r0||inf/||z||1 = 2/6; Cor D.6: rho*_2 = ||r0||2/||z||2 = sqrt(5/14).
  REQUIRE(s.curves.thresholds.size() == 4);
  CHECK(s.curves.thresholds[0] == Approx(1.0 / 3).epsilon(1e-15));
  CHECK(s.curves.thresholds[1] == Approx(std::sqrt(5.0 / 14)).epsilon(1e-15));
  // 5 grid points plus the 4 thresholds (all distinct here).
  CHECK(s.curves.rows.size() == 9);
  CHECK(s.to_json()["rows"].size() == 9);
  const std::string csv = s.curves_csv();
  CHECK(csv.rfind("rho,e_max,e_2,", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 10);
  CHECK(s.brief().rfind("Prop D.5 / Cor D.6 budgets (m=2, n=3, double):\n", 0) == 0);
}

TEST_CASE("run_budget --samples: one comparison per optimizer spec", "[theory][budget][command]") {
  BudgetOptions o;
  o.samples = 2;
  o.m = 2;
  o.n = 3;
  o.steps = 200;
  o.optimizers = "signgd;muon-ideal";
  const BudgetSummary s = run_budget(o);
  REQUIRE(s.ksample.size() == 2);
  CHECK(s.ksample[0].k == 2);
  CHECK(s.to_json()["ksample"].size() == 2);
}

TEST_CASE("BudgetOptions::validate names the problem", "[theory][budget][command]") {
  BudgetOptions o;
  CHECK(o.validate().empty());
  o.z = "1,2";
  CHECK(o.validate() == "give both --z and --r0, or neither (a random instance)");
  CHECK_THROWS_AS(run_budget(o), InputError);
  BudgetOptions k;
  k.samples = 5;
  k.n = 4;
  CHECK(k.validate() == "--samples must be <= --n (with k > n generic samples W X = Y has no solution)");
  BudgetOptions names;
  names.samples = 2;
  names.optimizers = "signgd,frobnicator";
  CHECK(names.validate().find("frobnicator") != std::string::npos);
  names.optimizers = "adam:eps=0,beta1=0.9;muon-ideal";  // ';' separates specs that contain commas
  CHECK(names.validate().empty());
}
