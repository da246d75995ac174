// The margin claims are registered and hold at reduced trials (theory/claims_margin.cpp); the rounding-only
// comparison of margin-batch1 stays a real one far below double's range.
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;
using namespace muonlab::testing;

TEST_CASE("the margin claims hold", "[theory][claims][margin]") {
  for (const char* id : {"margin-references", "margin-signgd", "margin-adam-eps0", "margin-muon", "margin-ngd",
                         "margin-gd", "margin-batch1"}) {
    CHECK(!check_claim_holds(id, 30, 1).measured.quantity.empty());
  }
}

TEST_CASE("margin-batch1 compares its identity to rounding at 500 digits (no 0 against 0)", "[theory][claims][margin]") {
  const ClaimResult r = check_claim_holds("margin-batch1", 500);
  INFO(describe(r));
  // The tolerance is 64·T·(K+n)·u at 500 digits: positive, and far below anything a double could carry.
  auto scope = spectral::Precision(500).scope();
  CHECK(r.measured.tolerance > 0);
  CHECK(r.measured.tolerance < Real("1e-480"));
  CHECK(r.measured.quantity.find("sum_t eta_t") != std::string::npos);
}
