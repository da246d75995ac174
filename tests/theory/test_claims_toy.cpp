// The issue-3 claims hold on their default instances (at reduced trials), and their checks can fail.
#include "theory/claims_toy_checks.hpp"
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;
using namespace muonlab::testing;

TEST_CASE("the toy claims are registered with their ids", "[theory][claims][toy]") {
  for (const char* id : {"lemma-d1", "thm-3.1", "thm-3.2", "prop-d4", "cor-d7"}) {
    INFO(id);
    CHECK_NOTHROW(select_claims({id}));
  }
}

TEST_CASE("the paper's toy claims hold", "[theory][claims][toy]") {
  for (const char* id : {"lemma-d1", "thm-3.1", "thm-3.2", "prop-d4", "cor-d7"}) {
    check_claim_holds(id, 30, 3);
  }
  // The exact claims are exact: zero error, zero tolerance.
  for (const char* id : {"lemma-d1", "thm-3.1"}) {
    const ClaimResult r = run_claim_by_id(id, 30, 3);
    CHECK(r.measured.exact);
    CHECK(r.measured.max_error == 0);
    CHECK(r.measured.tolerance == 0);
  }
}

TEST_CASE("the checks detect the wrong optimizer and the wrong candidate", "[theory][claims][toy]") {
  const spectral::Precision precision(30);
  auto scope = precision.scope();
  toy::ProblemSpec spec;
  spec.m = 3;
  spec.n = 4;
  const auto p = toy::make_problem<Real>(spec);
  spectral::Rng rng(1);
  // SignGD does not stay on the line c·y xᵀ (|x| is not constant): the Thm 3.2 check must say so.
  const MuonRunCheck wrong = check_muon_run(p, "signgd", 200, rng, precision);
  CHECK(wrong.invariant_error > 1e3 * wrong.invariant_tol);
  const MuonRunCheck right = check_muon_run(p, "muon-ideal", 200, rng, precision);
  CHECK(right.invariant_error <= right.invariant_tol);
  CHECK(right.limit_excess <= right.limit_tol);
  // The Thm 3.1 check on SignGD itself holds exactly, and separates W*_max from W*_2 by many bands.
  spec.entries = toy::Entries::integer;
  const auto q = toy::make_problem<Rational>(spec);
  const auto c = check_signgd_run(q, 150, precision);
  CHECK(c.invariant_error == 0);
  CHECK(c.limit_excess == 0);
  CHECK(c.gap_over_band > 10);
  const auto mc = check_min_max_norm<Rational>(q, rng, precision);
  CHECK(mc.violation == 0);
  CHECK(mc.perturbations > 10);
}
