// The verdict logic of run_claim, on claims whose behaviour we control.
#include "theory/claim.hpp"
#include "theory/registry.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

using namespace muonlab::theory;

namespace {
// error(digits) = a + b·10^-digits: a is a "real" discrepancy, b a rounding one.
class FakeClaim : public Claim {
public:
  FakeClaim(double a, double b, bool exact = false) : a_(a), b_(b), exact_(exact) {}
  std::string id() const override { return "fake"; }
  std::string statement() const override { return "fake"; }
  Measurement measure(const ClaimSettings& s) const override {
    ++calls;
    Measurement m;
    m.exact = exact_;
    const double d = static_cast<double>(s.precision.digits());
    m.record(a_ + b_ * std::pow(10.0, -d), std::pow(10.0, -d + 5), "w");
    return m;
  }

private:
  double a_, b_;
  bool exact_;

public:
  mutable int calls = 0;
};
}  // namespace

TEST_CASE("verdicts are three-valued and never 'violated' from one rounded comparison", "[claim]") {
  ClaimSettings s;
  s.precision = muonlab::spectral::Precision(20);
  CHECK(run_claim(FakeClaim(0, 1), s).verdict == Verdict::holds);
  // Real discrepancy: survives doubling the precision.
  CHECK(run_claim(FakeClaim(1e-3, 0), s).verdict == Verdict::violated);
  // Rounding too large at 20 digits (1e6 ulps) but fine at 40: inconclusive, not violated.
  CHECK(run_claim(FakeClaim(0, 1e6), s).verdict == Verdict::inconclusive);
  // Exact arithmetic: any discrepancy is a violation at once.
  // Exact arithmetic: a discrepancy is a violation at once, without the doubled-precision rerun.
  FakeClaim exact(1e-3, 0, true);
  auto r = run_claim(exact, s);
  CHECK(r.verdict == Verdict::violated);
  CHECK_FALSE(r.holds());
  CHECK(exact.calls == 1);
  FakeClaim rounded(1e-3, 0, false);
  run_claim(rounded, s);
  CHECK(rounded.calls == 2);
}

TEST_CASE("the registry selects by id and rejects unknown ids", "[registry]") {
  CHECK(!select_claims({}).empty());
  CHECK(select_claims({"polar-factor"}).size() == 1);
  CHECK_THROWS_AS(select_claims({"no-such-claim"}), muonlab::InputError);
}

TEST_CASE("the polar-factor claim holds at 30 digits", "[claim][mpfr]") {
  ClaimSettings s;
  s.precision = muonlab::spectral::Precision(30);
  s.trials = 3;
  const auto r = run_claim(*select_claims({"polar-factor"}).front(), s);
  INFO(r.reason << " " << r.measured.witness << " err " << r.measured.max_error << " tol " << r.measured.tolerance);
  CHECK(r.verdict == Verdict::holds);
  CHECK(r.measured.trials == 3);
}
