// Step-size schedules and their Robbins–Monro predicate (η_t → 0, Σ η_t = ∞).
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEST_CASE("step sizes: the Robbins-Monro predicate", "[solvers][step_size]") {
  CHECK_FALSE(make_step_size<double>("constant:lr=0.1")->satisfies_robbins_monro());
  CHECK_FALSE(make_step_size<double>("0.1")->satisfies_robbins_monro());  // a bare number is constant
  CHECK(make_step_size<double>("power:lr=1,p=1")->satisfies_robbins_monro());
  CHECK(make_step_size<double>("power:lr=1,p=1/2")->satisfies_robbins_monro());
  CHECK(make_step_size<double>("power:lr=1,p=0.01")->satisfies_robbins_monro());
  const auto summable = make_step_size<double>("power:lr=1,p=1.5")->robbins_monro();
  CHECK(summable.to_zero);
  CHECK_FALSE(summable.sum_diverges);
  CHECK_FALSE(make_step_size<double>("power:lr=1,p=0")->robbins_monro().to_zero);
  // Finite horizons: eventually constant, so never Robbins–Monro as infinite sequences.
  const auto cos0 = make_step_size<double>("cosine:lr=1,steps=100")->robbins_monro();
  CHECK(cos0.to_zero);
  CHECK_FALSE(cos0.sum_diverges);
  const auto cosmin = make_step_size<double>("cosine:lr=1,steps=100,min=0.01")->robbins_monro();
  CHECK_FALSE(cosmin.to_zero);
  CHECK(cosmin.sum_diverges);
  CHECK_FALSE(make_step_size<double>("linear:lr=1,steps=100")->satisfies_robbins_monro());
  CHECK(make_step_size<double>("linear:lr=1,steps=100")->horizon() == 100);
  // The reasons of the finite horizons, word for word (one text for cosine and linear, naming the end value).
  CHECK(cos0.why == "finite horizon: eta_t = 0 from t = T on, so the sum is finite (about lr*T/2); only a family "
                    "with T -> infinity meets the conditions in the limit");
  CHECK(cosmin.why == "finite horizon: eta_t = min > 0 from t = T on, so eta_t does not tend to 0");
  CHECK(make_step_size<double>("linear:lr=1,steps=100")->robbins_monro().why ==
        "finite horizon: eta_t = 0 from t = T on, so the sum is finite; only a family with T -> infinity meets the "
        "conditions in the limit");
  CHECK(make_step_size<double>("linear:lr=1,steps=100,final=0.1")->robbins_monro().why ==
        "finite horizon: eta_t = final > 0 from t = T on, so eta_t does not tend to 0");
}

TEST_CASE("step sizes: rational schedules are exact", "[solvers][step_size][rational]") {
  auto p1 = make_step_size<Rational>("power:lr=3/2,p=1");
  for (long t = 0; t < 50; ++t) CHECK(p1->at(t) == Rational(3, 2 * (t + 1)));
  auto p2 = make_step_size<Rational>("power:lr=1,p=2");
  CHECK(p2->at(9) == Rational(1, 100));
  auto lin = make_step_size<Rational>("linear:lr=1,steps=10,warmdown=0.2");
  CHECK(lin->at(0) == 1);
  CHECK(lin->at(8) == 1);  // decay starts at (1 − 0.2)·10 = 8
  CHECK(lin->at(9) == Rational(1, 2));
  CHECK(lin->at(10) == 0);
  CHECK(lin->at(1000) == 0);
  CHECK_THROWS_WITH(make_step_size<Rational>("cosine:lr=1,steps=10"), Catch::Contains("irrational"));
  CHECK_THROWS_WITH(make_step_size<Rational>("power:lr=1,p=1/2"), Catch::Contains("irrational"));
}

TEMPLATE_TEST_CASE("step sizes: values of the floating schedules", "[solvers][step_size]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  using std::sqrt;
  const double tol = 8 * to_double(TestPrecision<S>::eps());
  auto half = make_step_size<S>("power:lr=2,p=0.5");
  CHECK(to_double(abs(half->at(3) - S(1))) <= tol);  // 2/√4
  auto cosine = make_step_size<S>("cosine:lr=1,steps=100,min=0.1");
  CHECK(to_double(abs(cosine->at(0) - S(1))) <= tol);
  CHECK(to_double(abs(cosine->at(50) - S(55) / S(100))) <= tol);  // 0.1 + 0.9·(1 + cos(π/2))/2
  CHECK(cosine->at(100) == S(1) / S(10));
  CHECK(cosine->at(10000) == S(1) / S(10));
  CHECK(cosine->name() == "cosine(lr=1,steps=100,min=0.1)");
}

TEST_CASE("step sizes: errors", "[solvers][step_size]") {
  CHECK_THROWS_WITH(make_step_size<double>("exp:lr=1"), Catch::Contains("known: constant, power, cosine, linear"));
  CHECK_THROWS_WITH(make_step_size<double>("power:lr=0"), Catch::Contains("must be > 0"));
  CHECK_THROWS_WITH(make_step_size<double>("power:q=1"), Catch::Contains("valid keys: lr, p"));
  CHECK_THROWS_WITH(make_step_size<double>("cosine:steps=0"), Catch::Contains(">= 1"));
  CHECK_THROWS_WITH(make_step_size<double>("linear:warmdown=0"), Catch::Contains("(0, 1]"));
  CHECK_THROWS_AS(make_step_size<double>("power:lr=1")->at(-1), InputError);
  CHECK_THROWS_WITH(make_step_size<double>("constant:lr=1e-400"), Catch::Contains("rounds to 0"));
}
