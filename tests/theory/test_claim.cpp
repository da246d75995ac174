// The verdict logic of run_claim, on claims whose behaviour we control.
#include "theory/claim.hpp"
#include "theory/registry.hpp"
#include "tests/support/claims.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <type_traits>

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
  muonlab::testing::check_claim_holds("polar-factor", 30, 3);
}

namespace {
/// A claim whose computation produces a NaN (or an infinite tolerance) in its second trial.
class NanClaim : public Claim {
public:
  explicit NanClaim(bool in_tolerance) : tol_(in_tolerance) {}
  std::string id() const override { return "nan-claim"; }
  std::string statement() const override { return "produces a NaN"; }
  Measurement measure(const ClaimSettings&) const override {
    Measurement m;
    m.record(0, 1, "trial 0");
    const double bad = tol_ ? std::numeric_limits<double>::infinity() : std::nan("");
    if (tol_) m.record(0, bad, "trial 1");
    else m.record(bad, 1, "trial 1");
    return m;
  }

private:
  bool tol_;
};
}  // namespace

TEST_CASE("a NaN or infinity never reaches a verdict: it is an internal error naming the claim", "[claim][precision]") {
  ClaimSettings s;
  for (bool in_tol : {false, true}) {
    try {
      run_claim(NanClaim(in_tol), s);
      FAIL("run_claim returned a verdict");
    } catch (const NonFiniteError& e) {
      const std::string what = e.what();
      CHECK(what.find("nan-claim") != std::string::npos);
      CHECK(what.find("trial 1") != std::string::npos);
      CHECK(what.find("50 digits") != std::string::npos);
    }
  }
  // NonFiniteError is a logic_error, not an InputError/NumericalError: the CLI reports it as internal (exit 4).
  CHECK(std::is_base_of_v<std::logic_error, NonFiniteError>);
}

TEST_CASE("the reported row is the worst check with its own quantity; side conditions show only when failing",
          "[claim]") {
  muonlab::PrecisionScope scope(30);
  Measurement m;
  m.unit = "default unit";
  m.record(muonlab::Real("1e-3"), muonlab::Real("1e-2"), "a", "distance");  // ratio 0.1
  m.record(muonlab::Real("1e-40"), muonlab::Real("1e-30"), "b");            // ratio 1e-10, default unit
  m.require(0, 0, "c", "separation shortfall");                             // holds
  CHECK(m.within());
  CHECK(m.quantity == "distance");
  CHECK(m.max_error == muonlab::Real("1e-3"));
  CHECK(m.tolerance == muonlab::Real("1e-2"));
  CHECK(m.witness == "a");
  // A side condition that fails takes over the row (ratio +inf over a zero tolerance), and the claim fails.
  m.require(muonlab::Real("1e-5"), 0, "d", "separation shortfall");
  CHECK_FALSE(m.within());
  CHECK(m.quantity == "separation shortfall");
  CHECK(m.witness == "d");
  // Below double's range the ratios are still decided: 1e-400 against 1e-390 holds, 1e-380 against it does not.
  Measurement deep;
  deep.record(muonlab::Real("1e-400"), muonlab::Real("1e-390"), "x");
  CHECK(deep.within());
  deep.record(muonlab::Real("1e-380"), muonlab::Real("1e-390"), "y");
  CHECK_FALSE(deep.within());
  CHECK(deep.quantity == "error");
}
