// The dense two-phase simplex (solvers/lp_simplex.hpp): exact optima with their dual certificates, Bland's rule on a
// cycling example, infeasible/unbounded problems, rounded types, and bad input.
#include "solver_test_util.hpp"

#include "solvers/lp_simplex.hpp"

#include <cmath>
#include <limits>

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEST_CASE("lp_minimize: a textbook LP in exact rationals, with the dual certificate", "[solvers][lp]") {
  // min −x1 − x2 s.t. x1 + 2x2 ≤ 4, 3x1 + x2 ≤ 6 (slacks s1, s2): optimum x = (8/5, 6/5), value −14/5.
  MatQ a(2, 4);
  a << 1, 2, 1, 0, 3, 1, 0, 1;
  VecQ b(2), c(4);
  b << 4, 6;
  c << -1, -1, 0, 0;
  const LpResult<Rational> r = lp_minimize<Rational>(a, b, c, Rational(0));
  REQUIRE(r.status == LpStatus::optimal);
  CHECK(r.x(0) == Rational(8, 5));
  CHECK(r.x(1) == Rational(6, 5));
  CHECK(r.value == Rational(-14, 5));
  // Strong duality, exactly: bᵀy = cᵀx and Aᵀy ≤ c.
  CHECK(b.dot(r.dual) == r.value);
  const VecQ slack = c - a.transpose() * r.dual;
  for (Eigen::Index j = 0; j < slack.size(); ++j) CHECK(slack(j) >= Rational(0));
}

TEST_CASE("lp_minimize: infeasible and unbounded problems are reported", "[solvers][lp]") {
  MatQ a(1, 2);
  a << 1, 1;
  VecQ b(1), c(2);
  b << -1;
  c << 1, 1;
  const LpResult<Rational> inf = lp_minimize<Rational>(a, b, c, Rational(0));
  CHECK(inf.status == LpStatus::infeasible);
  CHECK(inf.phase1 == 1);  // x1 + x2 = −1 with x ≥ 0: the least total infeasibility is |−1|
  b << 1;
  c << -1, 0;
  a << 1, -1;  // x1 − x2 = 1: x1 grows without bound
  CHECK(lp_minimize<Rational>(a, b, c, Rational(0)).status == LpStatus::unbounded);
}

TEST_CASE("lp_minimize: Bland's rule ends on Beale's cycling example, at the optimum -5/4", "[solvers][lp]") {
  // Beale (1955): with the largest-coefficient rule the simplex cycles through degenerate bases here; Bland's rule
  // must terminate. min −3/4 x4 + 20 x5 − 1/2 x6 + 6 x7 subject to
  //   x1 + 1/4 x4 − 8 x5 − x6 + 9 x7 = 0,  x2 + 1/2 x4 − 12 x5 − 1/2 x6 + 3 x7 = 0,  x3 + x6 = 1,  x ≥ 0;
  // the optimum is −5/4 (x4 = x6 = 1, x1 = 3/4).
  MatQ a(3, 7);
  a << 1, 0, 0, Rational(1, 4), -8, -1, 9,  //
      0, 1, 0, Rational(1, 2), -12, Rational(-1, 2), 3,  //
      0, 0, 1, 0, 0, 1, 0;
  VecQ b(3), c(7);
  b << 0, 0, 1;
  c << 0, 0, 0, Rational(-3, 4), 20, Rational(-1, 2), 6;
  const LpResult<Rational> r = lp_minimize<Rational>(a, b, c, Rational(0));
  REQUIRE(r.status == LpStatus::optimal);
  CHECK(r.value == Rational(-5, 4));
  CHECK(VecQ(a * r.x) == b);  // primal feasible, exactly
  for (Eigen::Index j = 0; j < r.x.size(); ++j) CHECK(r.x(j) >= 0);
  CHECK(b.dot(r.dual) == r.value);  // the certificate
  CHECK(r.pivots < 50 * (3 + 7));   // far below the limit that stands in for cycling
  CHECK(r.phase1 == 0);
}

TEMPLATE_TEST_CASE("lp_minimize: rounded types reach the exact optimum within a few roundings", "[solvers][lp]",
                   double, Real) {
  TestPrecision<TestType> prec;
  using S = TestType;
  // The textbook LP above: data are small integers and the optimum is reached in two pivots, so each entry of the
  // final tableau carries a handful of roundings of O(1) quantities; 64·u bounds them with room to spare.
  Mat<S> a(2, 4);
  a << 1, 2, 1, 0, 3, 1, 0, 1;
  Vec<S> b(2), c(4);
  b << 4, 6;
  c << -1, -1, 0, 0;
  using std::abs;
  const S u = prec.eps();
  const LpResult<S> r = lp_minimize<S>(a, b, c, S(16) * u);  // zero threshold: above rounding, far below the data
  REQUIRE(r.status == LpStatus::optimal);
  const S tol = S(64) * u;
  CHECK(abs(r.x(0) - S(8) / 5) <= tol);
  CHECK(abs(r.x(1) - S(6) / 5) <= tol);
  CHECK(abs(r.value + S(14) / 5) <= tol);
  CHECK(abs(b.dot(r.dual) - r.value) <= tol);
}

TEST_CASE("lp_minimize: shape mismatches and non-finite data are InputErrors; statuses print", "[solvers][lp][errors]") {
  MatD a(2, 3);
  a << 1, 0, 1, 0, 1, 1;
  VecD b(2), c(3), b3(3);
  b << 1, 1;
  c << 1, 1, 1;
  b3 << 1, 1, 1;
  CHECK_THROWS_WITH(lp_minimize<double>(a, b3, c, 1e-12), Catch::Contains("shapes do not match"));
  CHECK_THROWS_AS(lp_minimize<double>(a, b, b, 1e-12), InputError);  // c has 2 entries for 3 columns
  c(1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(lp_minimize<double>(a, b, c, 1e-12), Catch::Contains("non-finite"));
  c(1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(lp_minimize<double>(a, b, c, 1e-12), InputError);
  CHECK(std::string(to_string(LpStatus::optimal)) == "optimal");
  CHECK(std::string(to_string(LpStatus::infeasible)) == "infeasible");
  CHECK(std::string(to_string(LpStatus::unbounded)) == "unbounded");
}
