// muonlab spectrum end to end: results and bad input.
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

using namespace muonlab::testing;

TEST_CASE("spectrum of a diagonal matrix at 40 digits", "[cli][spectrum]") {
  TempFile f("3, 0\n0, 4\n");
  const auto j = run_cli_json("spectrum --matrix " + f.path() + " --digits 40 --polar --json", "", true);
  CHECK(j["rank"] == 2);
  CHECK(std::stod(j["singular_values"][0].get<std::string>()) == Approx(4.0));
  CHECK(std::stod(j["norm_frobenius"].get<std::string>()) == Approx(5.0));
  // srank = (9 + 16)/16.
  CHECK(std::stod(j["stable_rank"].get<std::string>()) == Approx(25.0 / 16.0));
  CHECK(std::stod(j["orthogonality_error"].get<std::string>()) < 1e-38);
  CHECK(std::stod(j["polar"][1][1].get<std::string>()) == Approx(1.0));
}

TEST_CASE("spectrum reads stdin and prints a human table by default", "[cli][spectrum]") {
  const auto r = run_cli("spectrum --matrix -", "1 2\n3 4\n");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("stable rank") != std::string::npos);
}

TEST_CASE("spectrum: bad input exits 2 with a clear message", "[cli][spectrum][errors]") {
  TempFile empty(""), ragged("1,2\n3\n"), words("1,x\n"), nan("1,nan\n");
  struct Case { std::string args, expect; };
  const Case cases[] = {
      {"spectrum --matrix " + empty.path(), "empty"},
      {"spectrum --matrix " + ragged.path(), "ragged"},
      {"spectrum --matrix " + words.path(), "not a finite number"},
      {"spectrum --matrix " + nan.path(), "not a finite number"},
      {"spectrum --matrix " + empty.path() + " --digits 0", "too low"},
      {"spectrum --matrix /no/such/file.csv", "cannot open"},
      {"spectrum", "--matrix"},  // "is required", or with LibTorch "give --matrix FILE, --checkpoint FILE or ..."
      {"frobnicate", ""},
  };
  for (const Case& c : cases) check_bad_input(c.args, c.expect);
}

TEST_CASE("zero matrix: stable rank is reported undefined, not NaN", "[cli][spectrum][errors]") {
  TempFile zero("0,0\n0,0\n");
  const auto j = run_cli_json("spectrum --matrix " + zero.path() + " --json", "", true);
  CHECK(j["stable_rank"].is_null());
  CHECK(j.dump().find("nan") == std::string::npos);  // the output is this JSON (a parse would reject a bare nan)
}

TEST_CASE("--help and --version exit 0", "[cli]") {
  CHECK(run_cli("--version").code == 0);
  CHECK(run_cli("spectrum --help").code == 0);
  CHECK(run_cli("verify --help").code == 0);
}

// Issue 13: the statistics in double at the ends of the range. The examples of the issue, with their right answers.
TEST_CASE("spectrum in double: stable rank and entropy at any magnitude", "[cli][spectrum][scaling]") {
  struct Case {
    std::string matrix;
    const char* what;
  };
  const Case cases[] = {
      {"1e160,0\n0,1e160\n", "sigma^2 overflows"},        // was: stable rank -nan, entropy 0, exit 0
      {"1e-170,0\n0,1e-170\n", "sigma^2 underflows"},     // was: internal error "zero matrix", exit 4
      {"1e-200,0\n0,1e-200\n", "entries near 1e-200"},
      {"1e308,0\n0,1e308\n", "entries near DBL_MAX"},
  };
  for (const Case& c : cases) {
    const auto j = run_cli_json("spectrum --matrix - --json", c.matrix);
    CHECK(j["rank"] == 2);
    CHECK(j["stable_rank"] == "2");
    CHECK(j["svd_entropy"] == "1");
  }
  // σ_1 = 2e308 is beyond double, yet printed (through MPFR) rather than as inf.
  const auto jb = run_cli_json("spectrum --matrix - --json", "1e308,1e308\n1e308,1e308\n");
  CHECK(jb["norm_spectral"].get<std::string>().rfind("2", 0) == 0);
  CHECK(jb["norm_spectral"].get<std::string>().find("e+308") != std::string::npos);
  CHECK(jb["stable_rank"] == "1");
}

TEST_CASE("spectrum in double: a zero or subnormal top singular value leaves the statistics undefined, exit 0",
          "[cli][spectrum][scaling]") {
  for (const char* m : {"0,0\n0,0\n", "1e-310,0\n0,2e-310\n"}) {
    const auto j = run_cli_json("spectrum --matrix - --json", m);  // never 4 (internal error)
    CHECK(j["stable_rank"].is_null());
    CHECK(j["svd_entropy"].is_null());
    CHECK(!j["note"].get<std::string>().empty());
  }
  const auto table = run_cli("spectrum --matrix -", "1e-310,0\n0,2e-310\n");
  CHECK(table.code == 0);
  CHECK(table.out.find("stable rank    undefined") != std::string::npos);
  CHECK(table.out.find("subnormal") != std::string::npos);
  // In MPFR the same matrix is ordinary: its exponent range holds it.
  const auto mp = run_cli("spectrum --matrix - --digits 30 --json", "1e-310,0\n0,1e-310\n", false);
  REQUIRE(mp.code == 0);
  CHECK(nlohmann::json::parse(mp.out)["stable_rank"] == "2");
}
