// toy/bias_verdict: which candidate a run's last recorded row reached, and the labels the tables print.
#include "toy/bias_verdict.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

using namespace muonlab;

TEST_CASE("judge_bias: converged, coinciding candidates, none, diverged", "[toy][verdict]") {
  toy::TrajectoryRow row;
  row.loss = 1e-6;
  row.rel_dist = {0.5, 1e-4, 1e-4};
  row.dist = row.rel_dist;
  auto v = toy::judge_bias({"max", "2", "F"}, row, false, 1e-2);
  CHECK(v.text == "converged to W*_2 = W*_F");
  CHECK(v.converged_to == std::vector<std::string>{"2", "F"});
  row.rel_dist = {0.3, 0.2, 0.2};
  v = toy::judge_bias({"max", "2", "F"}, row, false, 1e-2);
  CHECK(v.converged_to.empty());
  CHECK(v.nearest == "2");
  CHECK(v.text.rfind("none of them", 0) == 0);
  CHECK(toy::judge_bias({"max"}, row, true, 1e-2).text == "diverged");
}

TEST_CASE("judge_bias: the tolerance is inclusive, the nearest is the first smallest, non-finite loss diverges",
          "[toy][verdict]") {
  toy::TrajectoryRow row;
  row.loss = 0.5;
  row.rel_dist = {0.01, 0.02};
  row.dist = row.rel_dist;
  auto v = toy::judge_bias({"max", "2"}, row, false, 0.01);  // ‖P_T − P*‖ ≤ tol·‖P* − P0‖: equality counts
  CHECK(v.converged_to == std::vector<std::string>{"max"});
  CHECK(v.text == "converged to W*_max");
  CHECK_FALSE(v.diverged);
  row.rel_dist = {0.25, 0.25};
  v = toy::judge_bias({"max", "2"}, row, false, 0.01);
  CHECK(v.nearest == "max");  // ties keep the first candidate
  CHECK(v.nearest_rel == 0.25);
  CHECK(v.text == "none of them (nearest: W*_max at relative distance 0.25)");
  row.loss = std::numeric_limits<double>::infinity();  // a run that overflowed without being flagged
  v = toy::judge_bias({"max", "2"}, row, false, 0.01);
  CHECK(v.diverged);
  CHECK(v.text == "diverged");
  CHECK(v.converged_to.empty());
  row.loss = 0.5;
  CHECK(toy::judge_bias({}, row, false, 0.01).text == "no candidates");
  // More candidates than recorded distances: only the recorded ones are judged.
  row.rel_dist = {0.001};
  v = toy::judge_bias({"max", "2", "F"}, row, false, 0.01);
  CHECK(v.converged_to == std::vector<std::string>{"max"});
}

TEST_CASE("candidate_label: the reference names print as W*_..., others as given", "[toy][verdict]") {
  CHECK(toy::candidate_label("max") == "W*_max");
  CHECK(toy::candidate_label("2") == "W*_2");
  CHECK(toy::candidate_label("F") == "W*_F");
  CHECK(toy::candidate_label("max_wd") == "W*_max(wd)");  // the weight-decay budget candidates (issue 19)
  CHECK(toy::candidate_label("2_wd") == "W*_2(wd)");
  CHECK(toy::candidate_label("ksample") == "ksample");
  CHECK(toy::candidate_label("") == "");
}
