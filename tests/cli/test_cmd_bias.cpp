// muonlab bias: verdicts on the single-sample problem, the trajectory file, and bad input.
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using muonlab::testing::run_cli;
using muonlab::testing::TempFile;

namespace {
nlohmann::json bias_json(const std::string& args) {
  const auto r = run_cli("bias " + args + " --records 20 --json", "", false);
  INFO(args << "\n" << r.out);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}
bool has(const nlohmann::json& list, const std::string& name) {
  for (const auto& x : list)
    if (x == name) return true;
  return false;
}
}  // namespace

TEST_CASE("bias: exact SignGD converges to W*_max, idealized Muon to W*_2", "[cli][bias]") {
  // Thm 3.1 in exact rationals: within η_{T−1} = (1/2)/300 of W*_max; W*_2 is a whole move away.
  const auto s = bias_json("--optimizer signgd --exact --entries integer --steps 300 --m 3 --n 4 --schedule power:lr=1/2,p=1");
  CHECK(s["scalar"] == "rational");
  CHECK(s["converged_to"] == nlohmann::json::array({"max"}));
  CHECK(s["verdict"] == "converged to W*_max");
  CHECK(s["candidates"][0]["rel_dist"].get<double>() < 1e-2);
  CHECK(s["candidates"][1]["rel_dist"].get<double>() > 0.1);
  // Thm 3.2 in MPFR.
  const auto u = bias_json("--optimizer muon-ideal --steps 1000 --digits 20 --m 3 --n 4");
  CHECK(has(u["converged_to"], "2"));
  CHECK(has(u["converged_to"], "F"));
  CHECK_FALSE(has(u["converged_to"], "max"));
  CHECK(u["verdict"] == "converged to W*_2 = W*_F");
  CHECK(u["loss"].get<double>() < 1e-4 * u["loss0"].get<double>());
}

TEST_CASE("bias --out writes the trajectory CSV; the table names the verdict", "[cli][bias]") {
  TempFile out("", ".csv");
  const auto r = run_cli("bias --optimizer gd --steps 50 --digits 20 --records 10 --out " + out.path());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("verdict:") != std::string::npos);
  std::ifstream in(out.path());
  std::string header;
  std::getline(in, header);
  CHECK(header == "step,lr,loss,norm_max,norm_2,norm_F,dist_max,dist_2,dist_F,rel_max,rel_2,rel_F");
  int rows = 0;
  for (std::string line; std::getline(in, line);) ++rows;
  CHECK(rows >= 5);
  CHECK(rows <= 13);
}

TEST_CASE("bias: k samples have only the min-Frobenius candidate; instance files work", "[cli][bias]") {
  const auto k = bias_json("--optimizer gd --problem ksample --samples 2 --steps 200 --digits 20 "
                           "--schedule constant:lr=0.05");
  REQUIRE(k["candidates"].size() == 1);
  CHECK(k["candidates"][0]["label"] == "W*_F");
  CHECK(k["problem"]["samples"] == 2);
  TempFile inst("[x]\n1 -2 3\n[y]\n2 -1\n", ".txt");
  const auto f = bias_json("--optimizer signgd --exact --steps 100 --instance " + inst.path());
  CHECK(f["problem"]["m"] == 2);
  CHECK(f["problem"]["n"] == 3);
  CHECK(f["converged_to"] == nlohmann::json::array({"max"}));
}

TEST_CASE("bias: bad input exits 2 with a message", "[cli][bias][errors]") {
  for (const char* args : {"--optimizer nosuch", "--optimizer signgd --m 0", "--optimizer muon --exact",
                           "--optimizer signgd --schedule bogus:lr=1", "--optimizer signgd --instance /nonexistent",
                           "--optimizer signgd --samples 3", "--optimizer signgd --problem cube",
                           "--optimizer signgd --digits 3", "--optimizer signgd --steps -1", ""}) {
    const auto r = run_cli(std::string("bias ") + args);
    INFO(args << "\n" << r.out);
    CHECK(r.code == 2);
    CHECK_FALSE(r.out.empty());
  }
}
