#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using muonlab::testing::run_cli;

TEST_CASE("verify --json follows the DESIGN contract", "[cli][verify]") {
  const auto r = run_cli("verify --claims polar-factor --digits 30 --trials 2 --json", "", false);
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
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
