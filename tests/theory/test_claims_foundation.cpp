// The foundation claim (theory/claims_foundation.cpp): the polar factor computed at the working precision is
// orthogonal on its range, reproduces G with a PSD factor, and its tolerance is a rounding bound of that precision.
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;
using namespace muonlab::testing;

TEST_CASE("add_foundation_claims registers polar-factor", "[theory][claims][foundation]") {
  ClaimList list;
  add_foundation_claims(list);
  REQUIRE(list.size() == 1);
  CHECK(list[0]->id() == "polar-factor");
  CHECK(list[0]->default_trials() == 6);
}

TEST_CASE("polar-factor holds at 30 and 200 digits", "[theory][claims][foundation]") {
  for (unsigned digits : {30u, 200u}) {
    const ClaimResult r = check_claim_holds("polar-factor", digits, 2);
    INFO(describe(r));
    CHECK(r.measured.tolerance > 0);
    CHECK(r.measured.max_error <= r.measured.tolerance);
  }
}

TEST_CASE("polar-factor's tolerance is C·n·u·κ: 30 more digits shrink it by about 1e-30",
          "[theory][claims][foundation][precision]") {
  // The same seed gives the same instances at both precisions, so n and κ agree and the ratio of the tolerances is
  // the ratio of the unit roundoffs.
  check_tolerance_follows_precision("polar-factor");
}
