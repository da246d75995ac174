// muonlab budget (cli/cmd_budget.cpp): the closed-form curves against the solvers, k samples, and bad input (exit 2).
#include "run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace muonlab::testing;

TEST_CASE("muonlab budget: curves, solvers, k samples and bad input", "[cli][budget]") {
  const auto j = run_cli_json("budget --z 1,-2,3 --r0 2,-1 --points 5 --solve --digits 30 --json");
  CHECK(j["thresholds"]["rho_max"].get<double>() == Approx(1.0 / 3).epsilon(1e-14));
  for (const auto& row : j["rows"]) CHECK(row["e_max_solver"].get<double>() == Approx(row["e_max"].get<double>()).margin(1e-20));
  TempFile out("");
  CHECK(run_cli("budget --m 3 --n 4 --points 4 --out " + out.path()).code == 0);
  CHECK(run_cli("budget --z 0,0 --r0 1,2").code == 2);
  CHECK(run_cli("budget --z 1,2 --r0 0").code == 2);
  CHECK(run_cli("budget --z 1,2 --r0 1 --rho -1").code == 2);
  CHECK(run_cli("budget --z 1,2 --r0 1,nan").code == 2);
  CHECK(run_cli("budget --samples 5 --n 4").code == 2);
  const auto k = run_cli("budget --samples 2 --m 2 --n 3 --steps 200 --json", "", false);
  REQUIRE(k.code == 0);
  CHECK(nlohmann::json::parse(k.out)["ksample"].size() == 2);
}
