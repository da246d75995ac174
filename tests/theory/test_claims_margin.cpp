// The issue-19 margin claims are registered and hold at reduced trials (theory/claims_margin.cpp).
#include "theory/registry.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("the margin claims hold", "[theory][claims][margin]") {
  ClaimSettings s;
  s.digits = 30;
  s.trials = 1;
  for (const char* id : {"margin-references", "margin-signgd", "margin-adam-eps0", "margin-muon", "margin-ngd",
                         "margin-gd", "margin-batch1"}) {
    const ClaimResult r = run_claim(*select_claims({id}).front(), s);
    INFO(id << ": " << r.reason << " " << r.measured.witness << " error " << r.measured.max_error << " tol "
            << r.measured.tolerance);
    CHECK(r.verdict == Verdict::holds);
    CHECK(r.measured.trials == 1);
  }
}
