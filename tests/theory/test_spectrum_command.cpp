// theory::run_spectrum (theory/spectrum_command.hpp): double and MPFR runs of a small matrix, and
// SpectrumRunOptions::validate().
#include "theory/spectrum_command.hpp"

#include "spectral/errors.hpp"
#include "tests/support/temp_file.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("run_spectrum: diag(3, 4) in double and at 40 digits", "[theory][spectrum][command]") {
  const testing::TempFile f("3,0\n0,4\n");
  SpectrumRunOptions o;
  o.matrix = f.path();
  o.analysis.polar = true;
  const SpectrumSummary d = run_spectrum(o);
  CHECK(d.report.scalar == "double");
  CHECK(d.report.rank == 2);
  REQUIRE(d.report.singular_values.size() == 2);
  CHECK(std::stod(d.report.singular_values[0]) == 4);  // exact: a diagonal matrix
  o.precision = spectral::Precision(40);
  const SpectrumSummary m = run_spectrum(o);
  CHECK(m.report.scalar == "mpfr");
  CHECK(m.report.digits == 40);
  CHECK(m.to_json()["rows"] == 2);
  CHECK(m.to_json().contains("polar"));
  CHECK(m.brief().rfind("matrix 2x2   scalar mpfr (40 digits)\n", 0) == 0);
}

TEST_CASE("SpectrumRunOptions::validate names the problem", "[theory][spectrum][command]") {
  SpectrumRunOptions o;
  CHECK(o.validate() == "--matrix is required (a matrix file or '-' for stdin)");
  CHECK_THROWS_AS(run_spectrum(o), InputError);
  o.matrix = "x.csv";
  o.analysis.entropy_offset = -1;
  CHECK(o.validate() == "--entropy-offset must be a finite number >= 0");
}
