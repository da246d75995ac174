// The margin claims are registered and hold at reduced trials (theory/claims_margin.cpp); the rounding-only
// comparison of margin-batch1 stays a real one far below double's range.
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;
using muonlab::testing::run_claim_by_id;

TEST_CASE("the margin claims hold", "[theory][claims][margin]") {
  for (const char* id : {"margin-references", "margin-signgd", "margin-adam-eps0", "margin-muon", "margin-ngd",
                         "margin-gd", "margin-batch1"}) {
    const ClaimResult r = run_claim_by_id(id, 30, 1);
    INFO(id << ": " << r.reason << " " << r.measured.witness << " " << r.measured.quantity << " "
            << spectral::to_scientific(r.measured.max_error) << " vs " << spectral::to_scientific(r.measured.tolerance));
    CHECK(r.verdict == Verdict::holds);
    CHECK(r.measured.trials == 1);
    CHECK(!r.measured.quantity.empty());
  }
}

TEST_CASE("margin-batch1 compares its identity to rounding at 500 digits (no 0 against 0)", "[theory][claims][margin]") {
  const ClaimResult r = run_claim_by_id("margin-batch1", 500);
  INFO(r.measured.quantity << " " << spectral::to_scientific(r.measured.max_error) << " vs "
                           << spectral::to_scientific(r.measured.tolerance));
  CHECK(r.verdict == Verdict::holds);
  // The tolerance is 64·T·(K+n)·u at 500 digits: positive, and far below anything a double could carry.
  auto scope = spectral::Precision(500).scope();
  CHECK(r.measured.tolerance > 0);
  CHECK(r.measured.tolerance < Real("1e-480"));
  CHECK(r.measured.quantity.find("sum_t eta_t") != std::string::npos);
}
