// The Polar Express claims (theory/claims_polar_express.cpp): the published tables are reproduced, the paper's
// setting is stable in the precision and certified, and Newton-Schulz maps singular values by its polynomial into
// the certified image.
#include "theory/registry.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace muonlab;
using namespace muonlab::theory;

namespace {
const std::vector<std::string> kPeIds = {"pe-tables", "pe-paper-setting", "ns-spectral-map"};
}  // namespace

TEST_CASE("add_polar_express_claims registers pe-tables, pe-paper-setting and ns-spectral-map",
          "[theory][claims][pe]") {
  ClaimList list;
  add_polar_express_claims(list);
  REQUIRE(list.size() == kPeIds.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    CHECK(list[i]->id() == kPeIds[i]);
    CHECK_THAT(list[i]->statement(), Catch::Contains("REFERENCE 4") || Catch::Contains("Newton-Schulz"));
  }
  CHECK(list[0]->default_trials() == 1);  // pe-tables and pe-paper-setting are deterministic
  CHECK(list[1]->default_trials() == 1);
}

TEST_CASE("the Polar Express claims hold at 30 digits, one trial each", "[theory][claims][pe]") {
  ClaimSettings s;
  s.precision = spectral::Precision(30);
  s.trials = 1;
  for (const std::string& id : kPeIds) {
    const ClaimResult r = run_claim(*select_claims({id}).front(), s);
    INFO(id << ": " << r.reason << " | " << r.measured.quantity << " " << spectral::to_scientific(r.measured.max_error)
            << " vs " << spectral::to_scientific(r.measured.tolerance) << " | " << r.measured.witness);
    CHECK(r.verdict == Verdict::holds);
    CHECK(r.digits == 30u);
    CHECK(!r.measured.quantity.empty());
    CHECK(r.measured.max_error <= r.measured.tolerance);
    CHECK(is_finite(r.measured.max_error));
  }
}
