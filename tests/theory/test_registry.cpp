// The whole registry at a low and a high precision (issue 13): every claim holds at 10 digits with its default
// trials, and at 500 digits with one trial each, which runs one claim of every kind (exact rationals, MPFR dynamics,
// bias runs, Polar Express design and certification, budget solvers, sharp constants) far below double's range.
// The sweep at 10 to 2000 digits with the default trials is bench/bench_verify.cpp (README: "Correct at every
// precision").
#include "theory/registry.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

namespace {

void require_all_hold(unsigned digits, int trials) {
  const ClaimSettings s{spectral::Precision(digits), trials};
  for (const Claim* c : select_claims({})) {
    const ClaimResult r = run_claim(*c, s);
    INFO(r.id << " at " << digits << " digits: " << to_string(r.verdict) << " " << r.reason << " | "
              << r.measured.quantity << " " << spectral::to_scientific(r.measured.max_error) << " vs "
              << spectral::to_scientific(r.measured.tolerance) << " | " << r.measured.witness);
    CHECK(r.verdict == Verdict::holds);
    CHECK(r.digits == digits);
    CHECK(is_finite(r.measured.max_error));
    CHECK(is_finite(r.measured.tolerance));
    CHECK(!r.measured.quantity.empty());  // every row names what it measures
  }
}

}  // namespace

TEST_CASE("every registered claim holds at 10 digits (default trials)", "[theory][registry][precision]") {
  require_all_hold(10, 0);
}

TEST_CASE("every registered claim holds at 500 digits (one trial each)", "[theory][registry][precision]") {
  require_all_hold(500, 1);
}
