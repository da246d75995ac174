// The weight-decay claims are registered and hold at reduced trials (theory/claims_weight_decay.cpp); the
// rounding-only comparisons of wd-kkt-closed-form stay real ones far below double's range.
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;
using namespace muonlab::testing;

TEST_CASE("the weight-decay claims hold", "[theory][claims][weight_decay]") {
  for (const char* id : {"wd-kkt-closed-form", "wd-signgd", "wd-muon", "wd-adam-eps0", "wd-muon-ns5",
                         "wd-muon-moonlight", "wd-finetune"}) {
    const ClaimResult r = check_claim_holds(id, 30, 1);
    auto scope = spectral::Precision(30).scope();
    CHECK(r.measured.tolerance > 0);  // every part is compared with a stated tolerance, never exact-by-default
  }
}

TEST_CASE("wd-kkt-closed-form and wd-signgd compare to rounding at 500 digits (no 0 against 0)",
          "[theory][claims][weight_decay]") {
  for (const char* id : {"wd-kkt-closed-form", "wd-signgd"}) {
    const ClaimResult r = check_claim_holds(id, 500, 1);
    INFO(describe(r));
    auto scope = spectral::Precision(500).scope();
    CHECK(r.measured.tolerance > 0);
    if (std::string(id) == "wd-kkt-closed-form") CHECK(r.measured.tolerance < Real("1e-400"));  // rounding only
  }
}
