// The budget and LoRA claims (theory/claims_budget.cpp: Prop D.5, Cor D.6, Prop D.8 and the sharp constants of the
// D.8 inflation factors) are registered in order and hold at one trial; their tolerances come from the working
// precision, not from a fixed number.
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace muonlab;
using namespace muonlab::theory;
using namespace muonlab::testing;

namespace {
const std::vector<std::string> kBudgetIds = {"prop-d5", "cor-d6", "prop-d8", "lora-sharpness-f1",
                                             "lora-sharpness-f2"};
}  // namespace

TEST_CASE("add_budget_claims registers Prop D.5, Cor D.6, Prop D.8 and the two sharpness claims",
          "[theory][claims][budget]") {
  ClaimList list;
  add_budget_claims(list);
  REQUIRE(list.size() == kBudgetIds.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    CHECK(list[i]->id() == kBudgetIds[i]);
    CHECK(!list[i]->statement().empty());
    CHECK(list[i]->default_trials() >= 1);
  }
  CHECK_THAT(list[0]->statement(), Catch::StartsWith("Prop D.5"));
}

TEST_CASE("the budget claims hold at 30 digits, one trial each", "[theory][claims][budget]") {
  for (const std::string& id : kBudgetIds) {
    const ClaimResult r = check_claim_holds(id, 30, 1);
    INFO(describe(r));
    CHECK(!r.measured.quantity.empty());
    CHECK(r.measured.max_error <= r.measured.tolerance);
  }
}

TEST_CASE("prop-d5's tolerance is a rounding bound: 30 more digits shrink it by about 1e-30",
          "[theory][claims][budget][precision]") {
  // The solvers' values are certified by duality gaps at the rounding level, C·n·u with u = 2^(1-bits): the
  // tolerance must follow the precision, and the measured error stay below it (the claim holds).
  check_tolerance_follows_precision("prop-d5");
}
