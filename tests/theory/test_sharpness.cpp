// The sharp constants of the Prop D.8 inflation factors (theory/sharpness.hpp).
#include "theory/sharpness.hpp"

#include "spectral/errors.hpp"
#include "theory/claim.hpp"
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace muonlab;
using namespace muonlab::theory;
using namespace muonlab::testing;

TEST_CASE("sharpness f1: (1, a*, ..., a*) attains (1+sqrt R)/2 at 50 digits", "[theory][sharpness]") {
  PrecisionScope scope(50);
  for (long R : {2L, 3L, 7L}) {
    const Real astar = Real(1) / (Real(1) + sqrt(Real(R)));
    VecR u = VecR::Constant(R, astar);
    u(0) = Real(1);
    // f1 is a ratio of sums of R terms: 1e-45 is ~1e4 ε at 50 digits.
    CHECK(to_double(Real(abs(sharp_f1<Real>(u) - (Real(1) + sqrt(Real(R))) / Real(2)))) <= 1e-45);
  }
}

TEST_CASE("sharpness search: f1 is attained below sqrt R, f2 is a supremum equal to sqrt R", "[theory][sharpness]") {
  const SharpnessReport f1 = sharpness_search("f1", 4, 50, 1, 10);
  CHECK(f1.attained);
  CHECK_FALSE(f1.paper_bound_sharp);
  CHECK(f1.refine_error <= 1e-45);  // Newton on the one-parameter family converges to the working precision
  CHECK(f1.search_best == Approx(1.5).epsilon(1e-9));  // (1 + √4)/2
  CHECK(f1.best_by_support.size() == 4);
  const SharpnessReport f2 = sharpness_search("f2", 3, 50, 1, 10);
  CHECK_FALSE(f2.attained);
  CHECK(f2.paper_bound_sharp);
  CHECK(f2.search_best < std::sqrt(3.0));
  CHECK(f2.refine_error <= std::sqrt(3.0) * 2 * 1e-25);  // ≤ √R(R−1)ε with ε = 10^(−50/2)
  CHECK(f2.refine_error > 0);                            // not attained
  const SharpnessReport one = sharpness_search("f2", 1, 30, 1, 2);
  CHECK(one.attained);
  CHECK(one.paper_bound_attained);
  CHECK_THROWS_AS(sharpness_search("f3", 2, 30, 1), InputError);
  CHECK_THROWS_AS(sharpness_search("f1", 0, 30, 1), InputError);
  CHECK_THROWS_AS(sharp_f1<double>(VecD::Zero(3)), InputError);
}

TEST_CASE("sharpness claims run at the claim's precision, with tolerances derived from it", "[theory][sharpness][claims]") {
  // 400 digits puts the unit roundoff (1e-400) below double's range: the tolerances must still be finite numbers
  // (formed as ratios in MPFR, not as quotients of underflowed doubles).
  for (const char* id : {"lora-sharpness-f1", "lora-sharpness-f2"})
    for (unsigned digits : {30u, 100u, 400u}) {
      const ClaimResult r = check_claim_holds(id, digits);
      INFO(describe(r));
      CHECK(is_finite(r.measured.tolerance));
      CHECK(is_finite(r.measured.max_error));
      CHECK(r.measured.tolerance > 0);  // a tolerance formed from the working precision does not underflow
    }
}

TEST_CASE("the double search's best point, evaluated at 100 digits, is below the supremum by a resolved margin",
          "[theory][sharpness]") {
  PrecisionScope scope(100);
  for (long R : {2L, 5L}) {
    const SharpnessReport rep = sharpness_search("f1", R, 100, 1, 6);
    VecR u(static_cast<Eigen::Index>(rep.search_argmax.size()));
    for (std::size_t j = 0; j < rep.search_argmax.size(); ++j) u(static_cast<Eigen::Index>(j)) = Real(rep.search_argmax[j]);
    const Real sup = (Real(1) + sqrt(Real(R))) / Real(2);
    const Real gap = (sup - sharp_f1<Real>(u)) / sup;
    // At 100 digits the gap is resolved (far above 1e-95, ~1e4 ε): the point is strictly below the supremum, as the
    // theorem says for any point off (1, a*, ..., a*)...
    CHECK(gap > Real(1e-95));
    // ...and within the double search's resolution (64R double roundoffs: it compares f in double).
    CHECK(gap < Real(64.0 * R * std::numeric_limits<double>::epsilon()));
  }
  // f2: the search ends exactly at the floor corner (1, floor, ..., floor), whose deficit is at most √R(R−1)·floor.
  const SharpnessReport f2 = sharpness_search("f2", 4, 100, 1, 6);
  REQUIRE(f2.search_argmax.size() == 4);
  for (std::size_t j = 1; j < 4; ++j) CHECK(f2.search_argmax[j] == kSharpnessSearchFloor);
}
