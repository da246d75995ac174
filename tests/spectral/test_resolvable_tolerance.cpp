// spectral/resolvable_tolerance.hpp: the floor 100 u, the suggested --digits, and the messages (issue 6).
#include "spectral/resolvable_tolerance.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace muonlab;
using namespace muonlab::spectral;

TEST_CASE("resolvable tolerance: floor, suggested digits and messages", "[spectral][precision]") {
  CHECK(smallest_tolerance(1e-16) == kToleranceHeadroom * 1e-16);
  CHECK(smallest_tolerance(0) == 0);  // exact arithmetic resolves any tolerance
  // d >= log10(2·100/tol): 1e-40 needs 42.3 -> 43 digits; clamped to [10, 100000].
  CHECK(digits_for_tolerance(1e-40) == 43);
  CHECK(digits_for_tolerance(1e-2) == 10);
  CHECK(digits_for_tolerance(0) == 100000);
  CHECK_NOTHROW(require_resolvable_tolerance("--tol", 1e-2, 1e-16, 16));
  try {
    require_resolvable_tolerance("--tol", 1e-40, 1e-16, 16);
    FAIL("no exception");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.rfind("--tol 1e-40 is below what 16 digits can resolve", 0) == 0);
    CHECK(m.find("use --digits 43 or more") != std::string::npos);
  }
  try {
    require_resolvable_tolerance("--tol", 0, 1e-16, 0, "--exact");
    FAIL("no exception");
  } catch (const InputError& e) {
    const std::string m = e.what();
    CHECK(m.find("double precision") != std::string::npos);
    CHECK(m.find("(--exact)") != std::string::npos);
  }
  CHECK_THROWS_AS(require_resolvable_tolerance("--tol", std::nan(""), 1e-16, 16), InputError);
}
