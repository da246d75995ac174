// muonlab ns (cli/cmd_ns.cpp): the analysis of a coefficient schedule, from a file or by name (bad input: the
// "pe and ns" case in test_cmd_pe.cpp).
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace muonlab::testing;

TEST_CASE("ns prints the analysis of a coefficient file", "[cli][ns]") {
  TempFile f("# Keller\n3.4445, -4.7750, 2.0315\n3.4445 -4.7750 2.0315\n", ".txt");
  const auto j = run_cli_json("ns --coeffs " + f.path() + " --json");
  REQUIRE(j["distinct_steps"].size() == 1);
  const auto& s = j["distinct_steps"][0];
  CHECK(s["band_certified"] == true);
  CHECK(std::stod(s["band"][0].get<std::string>()) == Approx(0.68183).margin(1e-5));
  const auto human = run_cli("ns --coeffs ns5");
  CHECK(human.code == 0);
  CHECK(human.out.find("invariant band") != std::string::npos);
}
