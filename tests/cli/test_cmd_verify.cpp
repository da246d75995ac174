#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace muonlab::testing;

TEST_CASE("verify --json follows the DESIGN contract", "[cli][verify]") {
  const auto j = run_cli_json("verify --claims polar-factor --digits 30 --trials 2 --json");
  REQUIRE(j["claims"].size() == 1);
  const auto& c = j["claims"][0];
  for (const char* key : {"id", "statement", "trials", "max_error", "tolerance", "verdict", "holds"})
    CHECK(c.contains(key));
  CHECK(c["verdict"] == "holds");
  CHECK(c["holds"] == true);
  CHECK(c["trials"] == 2);
}

TEST_CASE("verify: bad input exits 2", "[cli][verify][errors]") {
  CHECK(run_cli("verify --claims no-such-claim").code == 2);
  CHECK(run_cli("verify --digits 0").code == 2);
  CHECK(run_cli("verify --trials 0").code == 2);
}

// Issue 13: errors and tolerances are carried and printed in the working precision (never through double), a
// claim's JSON numbers are decimal strings, and the defects of the issue are gone.
TEST_CASE("verify prints errors and tolerances below 1e-308 with their exponents", "[cli][verify][precision]") {
  const auto r = run_cli("verify --claims polar-factor --digits 340 --trials 2", "", false);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("0.00e+00") == std::string::npos);  // was: error and tolerance 0.000e+00 at 340 digits
  CHECK(r.out.find("e-33") != std::string::npos);       // both are ~1e-338
}

TEST_CASE("verify: thm-3.2 holds at 340 digits with a number, not NaN", "[cli][verify][precision]") {
  const auto c = run_cli_json("verify --claims thm-3.2 --digits 340 --trials 2 --json")["claims"][0];
  CHECK(c["verdict"] == "holds");
  REQUIRE(c["max_error"].is_string());  // was: null (NaN)
  CHECK(c["max_error"].get<std::string>().find("nan") == std::string::npos);
  CHECK(!c["quantity"].get<std::string>().empty());
}

TEST_CASE("verify: pe-paper-setting holds at 300 digits (no 1e-237 floor)", "[cli][verify][precision]") {
  // Exit 0: was violated, max_error 7e-238.
  const auto c = run_cli_json("verify --claims pe-paper-setting --digits 300 --json")["claims"][0];
  CHECK(c["verdict"] == "holds");
  // The coefficients agree with the 310-digit design to the precision's accuracy: far below 1e-237.
  const std::string e = c["max_error"].get<std::string>();
  CHECK(std::stoi(e.substr(e.find('e') + 1)) < -270);
}

TEST_CASE("verify: a bias row shows the quantity its note names", "[cli][verify]") {
  const auto c = run_cli_json("verify --claims bias-muon --digits 30 --trials 1 --json")["claims"][0];
  CHECK(c["quantity"] == "rel. distance to W*_2");
  CHECK(c["tolerance"] == "1.00000e-02");  // conv_tol, set by the run (was: 1.0, a ratio)
  CHECK(c["note"].get<std::string>().find("worst rel. distance to W*_2") != std::string::npos);
}
