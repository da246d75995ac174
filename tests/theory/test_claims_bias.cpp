// The implicit-bias claims of the single-sample toy (theory/claims_bias.cpp): one per optimizer, each naming the
// candidate its iterates reach and the invariant they keep; registered in order and holding at one trial.
#include "theory/claims_toy_checks.hpp"
#include "theory/registry.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace muonlab;
using namespace muonlab::theory;

namespace {
const std::vector<std::string> kBiasIds = {"bias-gd",   "bias-adam-eps0", "bias-adam",    "bias-adam-eps",
                                           "bias-muon", "bias-muon-pe5",  "bias-adamuon", "bias-normuon",
                                           "bias-muonall"};
}  // namespace

TEST_CASE("add_bias_claims registers one claim per optimizer, in order", "[theory][claims][bias]") {
  ClaimList list;
  add_bias_claims(list);
  REQUIRE(list.size() == kBiasIds.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    INFO(kBiasIds[i]);
    CHECK(list[i]->id() == kBiasIds[i]);
    CHECK(list[i]->default_trials() >= 3);  // the seeds vary the instance; one trial is a smoke test only
    CHECK(!list[i]->statement().empty());
  }
  CHECK_THAT(list[4]->statement(), Catch::Contains("converges to W*_2"));     // Muon: the spectral candidate
  CHECK_THAT(list[1]->statement(), Catch::Contains("converges to W*_max"));  // Adam, eps = 0: the max-norm one
}

TEST_CASE("the bias claims hold at 30 digits, one trial each, with a finite measured distance",
          "[theory][claims][bias]") {
  ClaimSettings s;
  s.precision = spectral::Precision(30);
  s.trials = 1;
  for (const std::string& id : kBiasIds) {
    const ClaimResult r = run_claim(*select_claims({id}).front(), s);
    INFO(id << ": " << r.reason << " | " << r.measured.quantity << " " << spectral::to_scientific(r.measured.max_error)
            << " vs " << spectral::to_scientific(r.measured.tolerance) << " | " << r.measured.witness);
    CHECK(r.verdict == Verdict::holds);
    CHECK(r.measured.trials == 1);
    CHECK(is_finite(r.measured.max_error));
    CHECK(!r.measured.quantity.empty());
  }
}
