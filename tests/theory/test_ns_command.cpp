// theory::run_ns (theory/ns_command.hpp): a named schedule, a coefficient file, the missing-file message, and
// NsOptions::validate().
#include "theory/ns_command.hpp"

#include "spectral/errors.hpp"
#include "tests/support/temp_file.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("run_ns: Keller's NS5 is one step used five times", "[theory][ns][command]") {
  NsOptions o;
  o.coeffs = "ns5";
  const NsSummary s = run_ns(o);
  CHECK(s.analysis.steps == 5);
  REQUIRE(s.analysis.distinct.size() == 1);
  CHECK(s.analysis.distinct[0].uses == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(s.analysis.digits == 50);  // the project's default precision
  CHECK(s.brief().find("analysis at 50 digits") != std::string::npos);
  CHECK(s.to_json()["distinct_steps"].size() == 1);
}

TEST_CASE("run_ns: a coefficient file with settings and comments", "[theory][ns][command]") {
  const testing::TempFile f("# the cubic twice\nsafety = 1/100\neps = 0\n3/2, -1/2, 0\n1.5 -0.5 0\n", ".txt");
  NsOptions o;
  o.coeffs = f.path();
  o.precision = spectral::Precision(30);
  const NsSummary s = run_ns(o);
  CHECK(s.spec.safety == 0.01);
  CHECK(s.spec.eps == 0);
  CHECK(s.analysis.steps == 2);
  CHECK(s.analysis.distinct.size() == 1);
}

TEST_CASE("run_ns: a missing file and a bad precision are bad input, with their messages", "[theory][ns][command]") {
  NsOptions o;
  o.coeffs = "no/such/coefficients.txt";
  try {
    run_ns(o);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).rfind("cannot read coefficient file 'no/such/coefficients.txt'", 0) == 0);
  }
  NsOptions low;
  low.coeffs = "ns5";
  low.precision = spectral::Precision(15);
  CHECK(low.validate() == "--digits 15 is too low for the analysis: at least 20");
  NsOptions none;
  CHECK(none.validate() == "--coeffs is required (a schedule name or a coefficient file)");
}
