// Spec strings and the checked reading of hyper-parameters (solvers/hyperparams.hpp): syntax, unknown keys, exact
// ranges, ranges re-checked after rounding to the working type, and the display and help forms.
#include "solvers/hyperparams.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace muonlab;
using namespace muonlab::solvers;

namespace {

/// A small key table like an optimizer's: lr > 0, beta in [0, 1), eps >= 0, steps >= 1, a flag and a choice.
std::vector<KeyInfo> keys() {
  return {scalar_key("lr", "0.01", "step size", Rational(0), true, std::nullopt, false),
          scalar_key("beta", "9/10", "momentum", Rational(0), false, Rational(1), true),
          scalar_key("eps", "", "derived when absent", Rational(0), false, std::nullopt, false),
          integer_key("steps", "5", "iterations", 1),
          flag_key("nesterov", "0", "Nesterov momentum"),
          choice_key("mode", "ema", "momentum form", {"ema", "classical", "none"})};
}

SpecReader read(const std::string& text) { return SpecReader(parse_spec(text, "optimizer"), keys()); }

}  // namespace

TEST_CASE("parse_spec: name and key=value pairs, the display form, case and spaces", "[solvers][spec]") {
  const Spec s = parse_spec(" Adam: lr = 0.1 , Beta=0.5", "optimizer");
  CHECK(s.name == "adam");  // names and keys are case-insensitive
  REQUIRE(s.values.size() == 2);
  CHECK(s.values[0] == std::pair<std::string, std::string>{"lr", "0.1"});
  CHECK(s.values[1] == std::pair<std::string, std::string>{"beta", "0.5"});
  const Spec d = parse_spec("adam(lr=0.1,beta=0.5)", "optimizer");  // what name() prints reads back
  CHECK(d.name == "adam");
  CHECK(d.values == s.values);
  CHECK(parse_spec("adam:", "optimizer").values.empty());  // "adam:" is "adam"
  CHECK(parse_spec("muon", "optimizer").values.empty());
}

TEST_CASE("parse_spec: malformed specs are InputErrors that name the kind of spec", "[solvers][spec][errors]") {
  CHECK_THROWS_WITH(parse_spec("", "step size"), Catch::Contains("empty step size name"));
  CHECK_THROWS_WITH(parse_spec(":lr=1", "optimizer"), Catch::Contains("empty optimizer name"));
  CHECK_THROWS_WITH(parse_spec("adam:lr", "optimizer"), Catch::Contains("'lr' is not key=value"));
  CHECK_THROWS_WITH(parse_spec("adam:lr=", "optimizer"), Catch::Contains("needs both a key and a value"));
  CHECK_THROWS_WITH(parse_spec("adam:=1", "optimizer"), Catch::Contains("needs both a key and a value"));
  CHECK_THROWS_WITH(parse_spec("adam:lr=1,,beta=0", "optimizer"), Catch::Contains("empty key=value item"));
  CHECK_THROWS_WITH(parse_spec("adam:lr=1,LR=2", "optimizer"), Catch::Contains("key 'lr' given twice"));
}

TEST_CASE("SpecReader: defaults, given values, typed accessors and the display name", "[solvers][spec]") {
  const SpecReader d = read("sgd");
  CHECK_FALSE(d.given("lr"));
  CHECK(d.exact("lr") == Rational(1, 100));
  CHECK(d.exact("beta") == Rational(9, 10));  // p/q defaults are exact
  CHECK(d.text("eps").empty());               // derived: no value, no check
  CHECK(d.integer("steps") == 5);
  CHECK_FALSE(d.flag("nesterov"));
  CHECK(d.choice("mode") == "ema");
  CHECK(d.display_name() == "sgd");
  const SpecReader g = read("sgd:lr=1/3,nesterov=yes,mode=classical,steps=7,beta=9/10");
  CHECK(g.given("lr"));
  CHECK(g.exact("lr") == Rational(1, 3));
  CHECK(g.flag("nesterov"));
  CHECK(g.choice("mode") == "classical");
  CHECK(g.integer("steps") == 7);
  // Only keys given with a value other than the default's text are shown.
  CHECK(g.display_name() == "sgd(lr=1/3,steps=7,nesterov=yes,mode=classical)");
  CHECK(parse_spec(g.display_name(), "optimizer").values.size() == 4);
  CHECK(g.spec_name() == "sgd");
  CHECK(g.keys().size() == 6);
}

TEST_CASE("SpecReader: unknown keys and out-of-range values fail at construction, saying what is valid",
          "[solvers][spec][errors]") {
  CHECK_THROWS_WITH(read("sgd:momentum=0.9"),
                    Catch::Contains("'sgd' has no key 'momentum' (valid keys: lr, beta, eps, steps, nesterov, mode)"));
  CHECK_THROWS_WITH(SpecReader(parse_spec("x:a=1", "optimizer"), {}), Catch::Contains("(valid keys: none)"));
  CHECK_THROWS_WITH(read("sgd:lr=0"), Catch::Contains("lr=0 is out of range (must be > 0)"));
  CHECK_THROWS_WITH(read("sgd:beta=1"), Catch::Contains("beta=1 is out of range (must be [0, 1))"));
  CHECK_NOTHROW(read("sgd:beta=0"));  // the closed end is in
  CHECK_THROWS_WITH(read("sgd:eps=-1e-30"), Catch::Contains("must be >= 0"));
  CHECK_THROWS_WITH(read("sgd:lr=fast"), Catch::Contains("lr=fast is not a number"));
  CHECK_THROWS_WITH(read("sgd:steps=0"), Catch::Contains("steps=0 is out of range (must be >= 1)"));
  CHECK_THROWS_WITH(read("sgd:steps=2.5"), Catch::Contains("is not an integer"));
  CHECK_THROWS_WITH(read("sgd:steps=1234567890"), Catch::Contains("at most 9 digits"));
  CHECK_THROWS_WITH(read("sgd:nesterov=2"), Catch::Contains("is not a flag (use 0 or 1)"));
  CHECK_THROWS_WITH(read("sgd:mode=adam"), Catch::Contains("is not one of ema|classical|none"));
}

TEST_CASE("SpecReader::scalar re-checks the range after rounding to the working type", "[solvers][spec][precision]") {
  // beta = 1 − 1e-17 is legal on paper, but the nearest double is 1 (the spacing below 1 is 2^-53 ≈ 1.1e-16): out of
  // [0, 1) in double, fine at 30 digits.
  const SpecReader near_one = read("sgd:beta=0.99999999999999999");
  CHECK_THROWS_WITH(near_one.scalar<double>("beta"), Catch::Contains("rounds to 1 at the working precision"));
  {
    PrecisionScope scope(30);
    CHECK(near_one.scalar<Real>("beta") < 1);
  }
  CHECK(near_one.scalar<Rational>("beta") == Rational(99999999999999999, 100000000000000000));  // exact: no rounding
  // lr = 1e-400 underflows double to 0 (smallest subnormal ≈ 4.9e-324): a non-zero value that rounds to zero.
  const SpecReader tiny = read("sgd:lr=1e-400");
  CHECK_THROWS_WITH(tiny.scalar<double>("lr"), Catch::Contains("rounds to 0 at the working precision"));
  {
    PrecisionScope scope(30);
    CHECK(tiny.scalar<Real>("lr") > 0);  // MPFR's exponent range holds it
  }
  // 1e400 is in range (lr > 0) but overflows double.
  CHECK_THROWS_WITH(read("sgd:lr=1e400").scalar<double>("lr"), Catch::Contains("overflows double"));
  CHECK(read("sgd:lr=0.5").scalar<double>("lr") == 0.5);
}

TEST_CASE("range_text and describe_keys: the help form of each kind of key", "[solvers][spec]") {
  const auto k = keys();
  CHECK(k[0].range_text() == "> 0");
  CHECK(k[1].range_text() == "[0, 1)");
  CHECK(k[2].range_text() == ">= 0");
  CHECK(k[3].range_text() == ">= 1");
  CHECK(k[4].range_text() == "0|1");
  CHECK(k[5].range_text() == "ema|classical|none");
  CHECK(text_key("schedule", "ns5", "").range_text() == "name or file");
  CHECK(scalar_key("x", "0", "", std::nullopt, false, std::nullopt, false).range_text() == "any");
  CHECK(scalar_key("x", "0", "", std::nullopt, false, Rational(2), false).range_text() == "<= 2");
  CHECK(describe_keys(k) ==
        "lr=0.01 (> 0), beta=9/10 ([0, 1)), eps=(derived) (>= 0), steps=5 (>= 1), nesterov=0 (0|1), "
        "mode=ema (ema|classical|none)");
}
