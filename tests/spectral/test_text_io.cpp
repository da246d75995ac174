#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace muonlab;

namespace {
template <class S>
Mat<S> parse(const std::string& text) {
  std::istringstream in(text);
  return read_matrix_csv<S>(in, "test");
}
}  // namespace

TEST_CASE("matrix CSV: commas, spaces, comments, rationals", "[io]") {
  const MatQ a = parse<Rational>("# a comment\n1, 2/3, -0.25\n\n4 5e-1 6 # trailing\n");
  REQUIRE(a.rows() == 2);
  REQUIRE(a.cols() == 3);
  CHECK(a(0, 1) == Rational(2, 3));
  CHECK(a(0, 2) == Rational(-1, 4));
  CHECK(a(1, 1) == Rational(1, 2));
  PrecisionScope scope(50);
  const MatR r = parse<Real>("0.1\n");
  CHECK(abs(r(0, 0) - Real(1) / Real(10)) < Real("1e-49"));  // correctly rounded, not via double
}

TEST_CASE("matrix CSV: every malformed input is an InputError with a location", "[io]") {
  CHECK_THROWS_WITH(parse<double>(""), Catch::Contains("empty"));
  CHECK_THROWS_WITH(parse<double>("1,2\n3\n"), Catch::Contains("test:2") && Catch::Contains("ragged"));
  CHECK_THROWS_WITH(parse<double>("1,abc\n"), Catch::Contains("column 2"));
  CHECK_THROWS_AS(parse<double>("nan\n"), InputError);
  CHECK_THROWS_AS(parse<double>("inf\n"), InputError);
  CHECK_THROWS_AS(parse<double>("1e999\n"), InputError);
  CHECK_THROWS_AS(parse<Rational>("1/0\n"), InputError);
  CHECK_THROWS_AS(parse<double>("1,,2\n"), InputError);
}
