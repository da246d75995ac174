// muonlab bias --problem classify | batch1 and weight decay (issue 19): verdicts, JSON fields, bad input.
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace muonlab::testing;

namespace {
nlohmann::json bias_json(const std::string& args) {
  return run_cli_json("bias " + args + " --records 10 --json");
}
}  // namespace

TEST_CASE("bias classify: idealized Muon approaches the spectral max-margin, SignGD the max-norm one", "[cli][bias]") {
  // Small instance, 20 digits; gaps measured ~0.01–0.02 at these horizons (claims margin-muon, margin-signgd), so
  // --tol 0.05 separates the own norm from the other (gap > 0.1 here).
  const auto mu = bias_json("--problem classify --optimizer muon-ideal --classes 3 --n 4 --samples 8 --entries integer "
                            "--schedule power:lr=0.5,p=0.5 --steps 1500 --digits 20 --tol 0.05");
  CHECK(mu["problem"]["kind"] == "classify");
  REQUIRE(mu["references"].size() == 3);
  CHECK(mu["references"][0]["norm"] == "max");
  CHECK(mu["references"][0]["exact"] == true);
  CHECK(mu["references"][0]["certificate_gap"].get<double>() == 0);
  CHECK(mu["references"][1]["gap"].get<double>() < 0.05);
  CHECK(mu["references"][0]["gap"].get<double>() > 0.1);
  CHECK(mu["reached"].size() >= 1);
  const auto sg = bias_json("--problem classify --optimizer signgd --classes 3 --n 4 --samples 8 --entries integer "
                            "--steps 3000 --digits 20 --tol 0.05");
  CHECK(sg["references"][0]["gap"].get<double>() < 0.05);
  CHECK(sg["references"][1]["gap"].get<double>() > 0.01);
  CHECK(sg["schedule"] == "power(lr=0.1,p=0.5)");  // the classify default
}

TEST_CASE("bias batch1: batch size 1 misclassifies, full batch separates", "[cli][bias]") {
  const auto one = bias_json("--problem batch1 --optimizer signgd --batch cyclic:1 --steps 300 --digits 20");
  CHECK(one["margin"].get<double>() < 0);
  CHECK(one["verdict"].get<std::string>().rfind("does not separate", 0) == 0);
  CHECK(one["batch"] == "cyclic:1");
  const auto full = bias_json("--problem batch1 --optimizer signgd --steps 300 --digits 20");
  CHECK(full["margin"].get<double>() > 0);
  // The file form of the same data gives the same references.
  TempFile f("[x]\n3 1\n1 3\n10 1\n[labels]\n0 1 0\n", ".txt");
  const auto file = bias_json("--problem classify --instance " + f.path() + " --optimizer signgd --steps 10 --digits 20");
  CHECK(file["references"][0]["max_margin"].get<double>() == 4);
}

TEST_CASE("bias with weight decay: the budget candidates", "[cli][bias]") {
  // Idealized Muon with wd = 2: budget 1/2 below the spectral threshold 0.73 (seed 1, 4x6): the limit is W*_2(wd).
  const auto r = bias_json("--optimizer muon-ideal:wd=2 --steps 2000 --digits 30");
  CHECK(r["converged_to"] == nlohmann::json::array({"2_wd"}));
  REQUIRE(r["budgets"].size() == 2);
  CHECK(r["budgets"][1]["norm"] == "2");
  CHECK(r["budgets"][1]["radius"].get<double>() == Approx(0.5).epsilon(1e-12));
  CHECK(r["budgets"][1]["exact_fit"] == false);
  // SignGD with decay toward W0 on the continuation problem: W0 + the Prop D.5 budget correction.
  const auto c = bias_json("--problem continuation --optimizer signgd:wd=3 --decay-to w0 --steps 3000 --digits 30");
  CHECK(c["converged_to"] == nlohmann::json::array({"max_wd"}));
  CHECK(c["decay_to"] == "w0");
}

TEST_CASE("bias classify and weight decay: bad input exits 2", "[cli][bias]") {
  for (const char* args : {"--problem classify --optimizer signgd --batch cyclic:0",
                           "--problem classify --optimizer signgd --batch sometimes",
                           "--problem classify --optimizer signgd --exact",
                           "--problem classify --optimizer signgd --classes 1",
                           "--problem classify --optimizer signgd --classes 5 --samples 3",
                           "--problem single --optimizer signgd:wd=1 --decay-to w0",
                           "--problem single --optimizer signgd:wd=1 --decay-to there",
                           "--problem single --optimizer signgd --batch cyclic:1"}) {
    const auto r = run_cli(std::string("bias ") + args + " --steps 5");
    INFO(args << "\n" << r.out);
    CHECK(r.code == 2);
    CHECK(!r.out.empty());  // a message (ours: "error: ..."; CLI11's range checks name the option)
  }
  TempFile same("[x]\n1 1\n1 1\n[labels]\n0\n1\n", ".txt");  // identical points, two labels: not separable
  check_bad_input("bias --problem classify --optimizer signgd --steps 5 --instance " + same.path(), "separable");
}
