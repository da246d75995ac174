// theory::run_lora (theory/lora_command.hpp): the three modes, the sharp constants from theory/sharpness.hpp, and
// the messages of LoraOptions::validate().
#include "theory/lora_command.hpp"

#include "spectral/errors.hpp"
#include "tests/support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("run_lora: a given adapter, and the summary's two renderings", "[theory][lora][command]") {
  const testing::TempFile a("1,0,2\n0,1,-1\n");
  LoraOptions o;
  o.a_file = a.path();
  o.z = "1,2,3";
  o.r0 = "1,-1";
  const LoraSummary s = run_lora(o);
  // u = A z = (7, -1): f1 = ||u||1 ||u||inf/||u||2^2 = 8·7/50, bounded by (1+sqrt 2)/2 (Prop D.8, sharp form).
  CHECK(s.report.f1 == Approx(56.0 / 50).epsilon(1e-14));
  CHECK(s.report.f1_sharp == f1_supremum(2.0));
  CHECK(s.report.f1 <= s.report.f1_sharp);
  CHECK(s.to_json()["f1"].get<double>() == s.report.f1);
  CHECK(s.brief().rfind("Prop D.8, LoRA adapter: r = 2, u = A z has 2 non-zeros\n", 0) == 0);
}

TEST_CASE("run_lora --scan: the suprema are the sharp constants, and no random u exceeds them", "[theory][lora][command]") {
  LoraOptions o;
  o.mode = LoraOptions::Mode::scan;
  o.scan = 3;
  o.trials = 20;
  const LoraSummary s = run_lora(o);
  REQUIRE(s.scan.size() == 3);
  for (const InflationScanRow& w : s.scan) {
    INFO("r = " << w.r);
    CHECK(w.f1_sup == (1 + std::sqrt(double(w.r))) / 2);  // the same double expression: exact
    CHECK(w.f2_sup == std::sqrt(double(w.r)));
    // Theorems (sharpness.hpp): f1 <= (1+sqrt r)/2 and f2 <= sqrt r; a few ulps of rounding allowed.
    CHECK(w.f1_max <= w.f1_sup * (1 + 1e-12));
    CHECK(w.f2_max <= w.f2_sup * (1 + 1e-12));
    CHECK(w.f1_mean <= w.f1_max);
  }
  CHECK(s.to_json()["rows"].size() == 3);
}

TEST_CASE("LoraOptions::validate names the problem", "[theory][lora][command]") {
  LoraOptions o;
  CHECK(o.validate().empty());
  o.z = "1,2";
  CHECK(o.validate() == "give all of --a FILE, --z and --r0, or none of them (a random instance)");
  CHECK_THROWS_AS(run_lora(o), InputError);
  LoraOptions scan;
  scan.mode = LoraOptions::Mode::scan;
  scan.scan = 9;
  scan.n = 8;
  CHECK(scan.validate() == "--scan R_MAX must be <= --n (A is r x n with r <= n)");
  LoraOptions rank;
  rank.rank = 9;
  rank.n = 8;
  CHECK(rank.validate() == "--rank must be <= --n");
}
