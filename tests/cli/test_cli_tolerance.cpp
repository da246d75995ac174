// Tolerances the precision cannot reach are bad input (issue 6; cli/cli_common.hpp require_resolvable_tolerance):
// `bias --tol` and `pe certify --rel-tol` below 100 x the unit roundoff of --digits exit 2 with a message that names
// the smallest supported tolerance and the --digits that would accept the request.
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <string>

using namespace muonlab::testing;

namespace {
/// The N of "use --digits N or more" in a message (0 if absent).
int suggested_digits(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("use --digits ([0-9]+) or more"))) return 0;
  return std::stoi(m[1]);
}
}  // namespace

TEST_CASE("bias --tol below the precision exits 2 and says how to fix it", "[cli][bias][tolerance]") {
  // 16 digits: unit roundoff ~1e-16, so 1e-40 cannot be resolved; the message names the floor and the fix.
  const auto r = check_bad_input("bias --optimizer signgd --digits 16 --tol 1e-40 --steps 10",
                                 "--tol 1e-40 is below what 16 digits can resolve");
  INFO(r.out);
  CHECK(r.out.find("smallest tolerance at this precision is") != std::string::npos);
  const int d = suggested_digits(r.out);
  CHECK(d >= 40);
  CHECK(d <= 45);  // log10(2·100/1e-40) = 42.3: the suggestion is tight, not a blanket "use more"
  // ... and the suggested --digits is accepted (the formula bounds MPFR's unit roundoff from above).
  const auto ok = run_cli("bias --optimizer signgd --digits " + std::to_string(d) + " --tol 1e-40 --steps 10");
  INFO(ok.out);
  CHECK(ok.code == 0);
  // The boundary at the default 30 digits: 1e-20 is resolvable, 1e-29 is not.
  CHECK(run_cli("bias --optimizer signgd --tol 1e-20 --steps 10").code == 0);
  CHECK(run_cli("bias --optimizer signgd --tol 1e-29 --steps 10").code == 2);
  // A zero tolerance needs exact arithmetic: rejected in MPFR, accepted with --exact.
  check_bad_input("bias --optimizer signgd --tol 0 --steps 10", "--exact");
  CHECK(run_cli("bias --optimizer signgd --exact --entries integer --tol 0 --steps 10").code == 0);
}

TEST_CASE("pe certify --rel-tol below the precision exits 2; a reachable one still certifies", "[cli][pe][tolerance]") {
  const auto r = check_bad_input("pe certify --coeffs ns5 --digits 20 --rel-tol 1e-30",
                                 "--rel-tol 1e-30 is below what 20 digits can resolve");
  INFO(r.out);
  const int d = suggested_digits(r.out);
  CHECK(d >= 30);
  CHECK(d <= 35);
  const auto ok = run_cli("pe certify --coeffs ns5 --digits " + std::to_string(d) + " --rel-tol 1e-30");
  INFO(ok.out);
  CHECK(ok.code == 0);
}
