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
  // The solvers' values are certified by duality gaps at the rounding level, C·n·u with u = 2^(1-bits): from 30 to
  // 60 digits u shrinks by 10^-30 up to the rounding of the bit counts (a factor 2^(±2)); the tolerance must follow,
  // and the measured error must stay below it.
  const ClaimResult lo = run_claim_by_id("prop-d5", 30, 1), hi = run_claim_by_id("prop-d5", 60, 1);
  REQUIRE(lo.verdict == Verdict::holds);
  REQUIRE(hi.verdict == Verdict::holds);
  auto scope = spectral::Precision(60).scope();
  const Real ratio = hi.measured.tolerance / lo.measured.tolerance;
  INFO(spectral::to_scientific(lo.measured.tolerance) << " -> " << spectral::to_scientific(hi.measured.tolerance));
  CHECK(lo.measured.tolerance > 0);
  CHECK(ratio < Real("1e-29"));
  CHECK(ratio > Real("1e-31"));
}
