// muonlab pe (design, certify, table) end to end, and the bad input of pe and ns (muonlab ns: test_cmd_ns.cpp).
#include "tests/cli/run_cli.hpp"

#include "spectral/scalar.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

using namespace muonlab::testing;

TEST_CASE("pe design: the defaults reproduce the modded-nanogpt table", "[cli][pe]") {
  const auto j = run_cli_json("pe design --json");
  REQUIRE(j["iterations"].size() == 5);
  // Published float64 values (REFERENCE §4); the design agrees to ≥ 14 digits (well-conditioned entries).
  const double a1 = j["iterations"][0]["used_double"][0].get<double>();
  const double c5 = j["iterations"][4]["used_double"][2].get<double>();
  CHECK(std::abs(a1 - 8.156554524902461) < 1e-13);
  CHECK(std::abs(c5 - 0.42323551169305323) < 1e-14);
}

TEST_CASE("pe design: cpp and python output are ready to paste", "[cli][pe]") {
  const auto py = run_cli("pe design --lower 1e-3 --iters 10 --safety 1e-2 --cushion 0.02 --digits 30 --format python",
                          "", false);
  INFO(py.out);
  REQUIRE(py.code == 0);
  CHECK(py.out.find("coeffs_list = [") != std::string::npos);
  CHECK(py.out.find("(1 + 1e-2)") != std::string::npos);
  const auto cpp = run_cli("pe design --variant paper --iters 8 --safety 1e-2 --format cpp", "", false);
  INFO(cpp.out);
  REQUIRE(cpp.code == 0);
  CHECK(cpp.out.find("std::array<std::array<double, 3>, 8> kPolarExpressCoeffs") != std::string::npos);
  // The paper variant's steps as applied: the listing's first entry divided by 1.01.
  CHECK(cpp.out.find("8.2051604") != std::string::npos);
  const auto table = run_cli("pe design --variant paper --iters 8 --safety 1e-2", "", false);
  CHECK(table.code == 0);
  CHECK(table.out.find("8.2872120181456") != std::string::npos);  // the raw listing value
}

TEST_CASE("pe certify: pe5 on [1e-3, 1] is certified", "[cli][pe]") {
  const auto j = run_cli_json("pe certify --coeffs pe5 --lower 1e-3 --json");
  CHECK(j["certified"] == true);
  const double lo = std::stod(j["image_outer"]["lo"].get<std::string>());
  const double hi = std::stod(j["image_outer"]["hi"].get<std::string>());
  CHECK(lo > 0.5);
  CHECK(hi < 1.5);
  CHECK(j["stage_error"].size() == 5);
  const double d0 = std::stod(j["derivative_at_zero"]["lo"].get<std::string>());
  CHECK(d0 == Approx(989.468).epsilon(1e-5));  // Π a_k of the table
}

TEST_CASE("pe table reproduces both published tables", "[cli][pe]") {
  const auto j = run_cli_json("pe table --digits 30 --json");
  CHECK(j["reproduced"] == true);
  REQUIRE(j["tables"].size() == 2);
  for (const auto& t : j["tables"]) CHECK(t["min_digits_well_conditioned"].get<double>() >= 14);
  const auto human = run_cli("pe table", "", false);
  CHECK(human.code == 0);
  CHECK(human.out.find("ill-conditioned in float64") != std::string::npos);
}

TEST_CASE("pe and ns: bad input exits 2 with a clear message", "[cli][pe][errors]") {
  TempFile bad("1, 2\n", ".txt");
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {"pe design --lower 0", "--lower must be > 0"},
      {"pe design --lower 1", "--lower must be <"},
      {"pe design --iters 0", "--iters must be >= 1"},
      {"pe design --digits 5", "too low"},
      {"pe design --variant nope", "unknown Polar Express variant"},
      {"pe design --format xml", "--format"},
      {"pe design --lower abc", "--lower"},
      {"pe certify --coeffs /no/such/file.txt", "cannot read coefficient file '/no/such/file.txt'"},
      {"ns --coeffs missing.txt", "cannot read coefficient file 'missing.txt'"},
      {"pe certify --coeffs " + bad.path(), "expected 3 coefficients"},
      {"pe certify --coeffs ns5 --lower 0", "--lower must be > 0"},
      {"pe certify --coeffs ns5 --lower 0.5 --upper 0.5", "--upper must be > --lower"},
      {"pe certify", "--coeffs is required"},
      {"ns --coeffs nope", "unknown coefficient schedule"},
  };
  for (const Case& c : cases) check_bad_input(c.args, c.expect);
}

TEST_CASE("verify: the Polar Express claims hold at their defaults", "[cli][pe][verify]") {
  const auto j = run_cli_json("verify --claims pe-tables,pe-paper-setting,ns-spectral-map --json");
  REQUIRE(j["claims"].size() == 3);
  for (const auto& c : j["claims"]) {
    CHECK(c["verdict"] == "holds");
    // Decimal strings at any magnitude (they may lie outside double's range): compared in MPFR.
    muonlab::PrecisionScope scope(30);
    CHECK(muonlab::Real(c["max_error"].get<std::string>()) <= muonlab::Real(c["tolerance"].get<std::string>()));
  }
}
