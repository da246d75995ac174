// theory::run_pe (theory/pe_command.hpp) and the one "reproduced" rule (theory/pe_reproduced.hpp): design output
// formats, certification, and PeOptions::validate().
#include "theory/pe_command.hpp"

#include "spectral/errors.hpp"
#include "theory/pe_reproduced.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("pe_table_reproduced: 14 digits on the well-conditioned entries and every step mapping", "[theory][pe]") {
  spectral::PeTableReproduction rep;
  rep.entries.resize(3);
  for (auto& e : rep.entries) e.maps_as_claimed = true;
  rep.min_digits_well_conditioned = kPeReproducedDigits;
  CHECK(pe_table_reproduced(rep));
  rep.min_digits_well_conditioned = kPeReproducedDigits - 0.1;
  CHECK_FALSE(pe_table_reproduced(rep));
  rep.min_digits_well_conditioned = 15.5;
  rep.entries[2].maps_as_claimed = false;  // a late, ill-conditioned step that misses its interval
  CHECK_FALSE(pe_table_reproduced(rep));
  CHECK(kPeReproducedRelative == 1e-14);   // the claim's tolerance is the same rule
}

TEST_CASE("run_pe design: the default is the 5-step modded-nanogpt design, in four renderings", "[theory][pe][command]") {
  PeOptions o;
  o.precision = spectral::Precision(30);
  PeSummary s = run_pe(o);
  REQUIRE(s.design.iterations.size() == 5);
  CHECK(s.cushion == "0.02");
  CHECK(s.exit_code() == 0);
  CHECK(s.brief().rfind("Polar Express design: l = 1e-3, 5 iterations", 0) == 0);
  CHECK(s.to_json()["iterations"].size() == 5);
  s.options.format = "python";
  CHECK(s.brief().find("coeffs_list = [") != std::string::npos);
  s.options.format = "cpp";
  CHECK(s.brief().find("kPolarExpressCoeffs") != std::string::npos);
  PeOptions paper;
  paper.precision = spectral::Precision(30);
  paper.variant = "paper";
  paper.iters = 3;
  CHECK(run_pe(paper).cushion == spectral::kPaperCushion);
}

TEST_CASE("run_pe certify: pe5 on [1e-3, 1] is certified (exit 0)", "[theory][pe][command]") {
  PeOptions o;
  o.mode = PeOptions::Mode::certify;
  o.coeffs = "pe5";
  const PeSummary s = run_pe(o);
  CHECK(s.certificate.status == spectral::CertStatus::certified);
  CHECK(s.exit_code() == 0);
  CHECK(s.to_json()["certified"] == true);
}

TEST_CASE("PeOptions::validate names the problem", "[theory][pe][command]") {
  PeOptions o;
  CHECK(o.validate().empty());
  o.format = "xml";
  CHECK(o.validate() == "--format must be table, cpp, python or json (got 'xml')");
  PeOptions v;
  v.variant = "nope";
  CHECK(v.validate().find("nope") != std::string::npos);
  PeOptions c;
  c.mode = PeOptions::Mode::certify;
  CHECK(c.validate() == "--coeffs is required (a schedule name or a coefficient file)");
  c.coeffs = "ns5";
  c.precision = spectral::Precision(20);
  c.rel_tol = 1e-30;  // below 100 u at 20 digits
  CHECK(c.validate().rfind("--rel-tol 1e-30 is below what 20 digits can resolve", 0) == 0);
  CHECK_THROWS_AS(run_pe(c), InputError);
}
