// muonlab lora: output contract and bad input (exit 2). muonlab budget: test_cmd_budget.cpp.
#include "run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>

using namespace muonlab::testing;

TEST_CASE("muonlab lora --sharpness reports the sharp constants", "[cli][lora]") {
  const auto j = run_cli_json("lora --sharpness --rank 4 --starts 4 --json");
  REQUIRE(j["sharpness"].size() == 2);
  CHECK(j["sharpness"][0]["formula"] == "(1+sqrt(R))/2");
  CHECK(std::stod(j["sharpness"][0]["supremum"].get<std::string>()) == Approx(1.5).epsilon(1e-15));
  CHECK(j["sharpness"][0]["attained"] == true);
  CHECK(j["sharpness"][1]["attained"] == false);
}

TEST_CASE("muonlab lora on a given adapter, and its bad input", "[cli][lora]") {
  TempFile a("1,0,2\n0,1,-1\n");
  const auto j = run_cli_json("lora --a " + a.path() + " --z 1,2,3 --r0 1,-1 --json");
  // u = A z = (7, −1): f1 = 8·7/50.
  CHECK(j["f1"].get<double>() == Approx(56.0 / 50).epsilon(1e-14));
  CHECK(j["r"] == 2);
  CHECK(run_cli("lora --a " + a.path() + " --z 0,0,0 --r0 1").code == 2);  // A z = 0
  CHECK(run_cli("lora --a " + a.path() + " --z 1,2 --r0 1").code == 2);    // shape
  CHECK(run_cli("lora --a " + a.path() + " --z 1,2,3").code == 2);          // missing --r0
  CHECK(run_cli("lora --sharpness --rank 0").code == 2);
}
