// The issue-19 weight-decay claims are registered and hold at reduced trials (theory/claims_weight_decay.cpp).
#include "theory/registry.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("the weight-decay claims hold", "[theory][claims][weight_decay]") {
  ClaimSettings s;
  s.digits = 30;
  s.trials = 1;
  for (const char* id : {"wd-kkt-closed-form", "wd-signgd", "wd-muon", "wd-adam-eps0", "wd-muon-ns5",
                         "wd-muon-moonlight", "wd-finetune"}) {
    const ClaimResult r = run_claim(*select_claims({id}).front(), s);
    INFO(id << ": " << r.reason << " " << r.measured.witness << " error " << r.measured.max_error << " tol "
            << r.measured.tolerance);
    CHECK(r.verdict == Verdict::holds);
    CHECK(r.measured.trials == 1);
    CHECK(r.measured.tolerance > 0);  // every part is compared with a stated tolerance, never exact-by-default
  }
}
