// theory::run_verify (theory/verify_command.hpp): a run of one claim, the summary's exit code and renderings, and
// VerifyOptions::validate().
#include "theory/verify_command.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("run_verify: one claim, its verdict and the JSON contract", "[theory][verify][command]") {
  VerifyOptions o;
  o.claims = {"polar-factor"};
  o.precision = spectral::Precision(30);
  o.trials = 2;
  int calls = 0;
  o.progress = [&](std::size_t, std::size_t count, const Claim&, const ClaimResult*) {
    CHECK(count == 1);
    ++calls;
  };
  const VerifySummary s = run_verify(o);
  CHECK(calls == 2);  // before and after the claim
  REQUIRE(s.results.size() == 1);
  CHECK(s.results[0].verdict == Verdict::holds);
  CHECK(s.exit_code() == 0);
  const nlohmann::json j = s.to_json();
  CHECK(j["digits"] == 30);
  CHECK(j["claims"][0]["id"] == "polar-factor");
  CHECK(j["summary"]["violated"] == 0);
  CHECK(s.brief().find("1 claim(s) ran at 30 digits (seed 1): 1 hold, 0 violated, 0 inconclusive") !=
        std::string::npos);
}

TEST_CASE("VerifySummary::exit_code: violated before inconclusive", "[theory][verify][command]") {
  VerifySummary s;
  s.inconclusive = 1;
  CHECK(s.exit_code() == 3);
  s.violated = 1;
  CHECK(s.exit_code() == 1);
}

TEST_CASE("VerifyOptions::validate names an unknown claim", "[theory][verify][command]") {
  VerifyOptions o;
  o.claims = {"no-such-claim"};
  CHECK(o.validate().rfind("unknown claim 'no-such-claim' (known: ", 0) == 0);
  CHECK_THROWS_AS(run_verify(o), InputError);
  CHECK(list_claims({"polar-factor"}).rfind("polar-factor", 0) == 0);
}
