// Hardening (issue 6; docs/robustness.md): what every optimizer and parser does with NaN/Inf, zero gradients,
// magnitudes at the edge of the number format, and a precision too low for the requested hyper-parameters.
// Each behaviour is either an error with a clear message (InputError: CLI exit 2; NumericalError: exit 3) or a
// defined result; none is a crash, a hang or a silent NaN.
#include "tests/properties/props.hpp"
#include "toy/problem.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

using namespace muonlab;
using namespace muonlab::props;
using solvers::make_optimizer;

namespace {

const std::vector<std::string>& all_specs() {
  static const std::vector<std::string> v = {"gd",     "signgd",         "adam",       "adam:eps=0", "adamw",
                                             "muon",   "muon:ortho=polar", "muon-moonlight", "muon-ideal",
                                             "muonall", "adamuon",       "normuon",    "normuon:eps=0"};
  return v;
}

template <class S>
S non_finite(int which) {
  if (which == 0) return std::numeric_limits<S>::quiet_NaN();
  return which == 1 ? std::numeric_limits<S>::infinity() : S(-std::numeric_limits<S>::infinity());
}

template <class S>
bool same_state(const std::map<std::string, Mat<S>>& a, const std::map<std::string, Mat<S>>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a)
    if (!b.count(k) || !bit_identical(v, b.at(k))) return false;
  return true;
}

template <class S>
bool throws_input_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
  } catch (const InputError& e) {
    return std::string(e.what()).find(fragment) != std::string::npos;
  } catch (...) {
    return false;
  }
  return false;
}

}  // namespace

TEMPLATE_TEST_CASE("NaN/Inf in the gradient, the parameter or the step size is an InputError that changes nothing",
                   "[properties][hardening]", double, Real) {
  using S = TestType;
  check_property("every optimizer, every position, NaN/+Inf/-Inf", std::is_same_v<S, double> ? 60 : 20, [] {
    Working<S> w;
    const Case c = pick_case(4, 10, {ShapeKind::square, ShapeKind::tall, ShapeKind::wide, ShapeKind::row,
                                     ShapeKind::column});
    const std::string spec = *rc::gen::elementOf(all_specs());
    auto opt = make_optimizer<S>(spec);
    Mat<S> wt = build_matrix<S>(c, 1);
    opt->step(wt, build_matrix<S>(c, 2), S(1) / S(64));  // some state to protect
    const auto st0 = opt->state();
    const Mat<S> w0 = wt;
    const int i = *rc::gen::inRange(0, c.m), j = *rc::gen::inRange(0, c.n), which = *rc::gen::inRange(0, 3);
    Mat<S> bad = build_matrix<S>(c, 3);
    bad(i, j) = non_finite<S>(which);
    RC_ASSERT(throws_input_error<S>([&] { opt->step(wt, bad, S(1) / S(64)); }, "non-finite entry at"));
    RC_ASSERT(throws_input_error<S>([&] { (void)opt->peek_direction(bad); }, "non-finite"));
    Mat<S> wbad = w0;
    wbad(i, j) = non_finite<S>(which);
    RC_ASSERT(throws_input_error<S>([&] { opt->step(wbad, build_matrix<S>(c, 3), S(1) / S(64)); }, "parameter W"));
    RC_ASSERT(throws_input_error<S>([&] { opt->step(wt, build_matrix<S>(c, 3), non_finite<S>(which)); },
                                    "step size"));
    RC_ASSERT(throws_input_error<S>([&] { opt->step(wt, build_matrix<S>(c, 3), S(-1)); }, "step size"));
    // Strong guarantee: nothing moved.
    RC_ASSERT(bit_identical(wt, w0));
    RC_ASSERT(same_state(st0, opt->state()));
  });
}

TEMPLATE_TEST_CASE("A zero gradient moves nothing (0/0 := 0) and leaves a finite state", "[properties][hardening]",
                   double, Real) {
  using S = TestType;
  check_property("every optimizer, from a fresh state and after zero steps", std::is_same_v<S, double> ? 40 : 15, [] {
    Working<S> w;
    const Case c = pick_case(5, 10, {ShapeKind::square, ShapeKind::tall, ShapeKind::wide, ShapeKind::row,
                                     ShapeKind::column});
    const std::string spec = *rc::gen::elementOf(all_specs());
    auto opt = make_optimizer<S>(spec);
    Mat<S> wt = build_matrix<S>(c, 1);
    Mat<S> expect = wt;
    const Mat<S> zero = Mat<S>::Zero(c.m, c.n);
    const S lr = S(1) / S(8);
    for (int t = 0; t < 3; ++t) {
      RC_ASSERT(bit_identical(opt->peek_direction(zero), zero));
      opt->step(wt, zero, lr);
      // Only the rules with a default weight decay move: W ← W(1 − lr·wd) − lr·0 (adamw 0.01, muon-moonlight 0.1).
      if (spec == "adamw") expect *= S(1) - lr * parse_scalar<S>("0.01");
      if (spec == "muon-moonlight") expect *= S(1) - lr * parse_scalar<S>("0.1");
      RC_ASSERT(bit_identical(wt, expect));
    }
    for (const auto& [k, v] : opt->state()) RC_ASSERT(all_finite(v));
  });
}

TEST_CASE("AdamW with a zero gradient only decays", "[properties][hardening]") {
  auto opt = make_optimizer<double>("adamw:wd=0.5");
  Mat<double> w = Mat<double>::Constant(2, 3, 4.0);
  opt->step(w, Mat<double>::Zero(2, 3), 0.25);
  CHECK(w == Mat<double>::Constant(2, 3, 4.0 * (1 - 0.25 * 0.5)));  // exact: 4·0.875 = 3.5
}

TEST_CASE("Adam with eps = 0 reports an underflowed second moment instead of dividing by zero",
          "[properties][hardening]") {
  // g = 1e-200: g² underflows to 0 in double, so m̂/√v̂ would be x/0. With eps = 0 that is a NumericalError (CLI
  // exit 3) naming the cause and the remedies; W, the moments and the step count are untouched.
  auto opt = make_optimizer<double>("adam:eps=0");
  Mat<double> w = Mat<double>::Ones(2, 2);
  const Mat<double> g = Mat<double>::Constant(2, 2, 1e-200);
  CHECK_THROWS_AS(opt->step(w, g, 0.1), NumericalError);
  CHECK_THROWS_WITH(opt->step(w, g, 0.1), Catch::Contains("underflowed"));
  CHECK(w == Mat<double>::Ones(2, 2));
  CHECK(opt->state().at("step")(0, 0) == 0);
  // The same gradient at 50 digits is fine: MPFR's exponent range does not underflow at 1e-400.
  PrecisionScope scope(50);
  auto opt50 = make_optimizer<Real>("adam:eps=0");
  Mat<Real> w50 = Mat<Real>::Ones(2, 2);
  const Real lr = Real(1) / 10;
  opt50->step(w50, Mat<Real>::Constant(2, 2, parse_scalar<Real>("1e-400")), lr);
  CHECK(w50 == Mat<Real>::Constant(2, 2, Real(1) - lr));  // m̂/√v̂ = 1 exactly: one rounded subtraction
}

TEST_CASE("Hyper-parameters that the working precision cannot represent are InputErrors", "[properties][hardening]") {
  // Legal on paper, but they round out of range (or to zero) at the working precision: an error, never a silent
  // division by zero or a β that is exactly 1.
  CHECK_THROWS_AS(make_optimizer<double>("adam:eps=1e-400"), InputError);
  CHECK_THROWS_AS(make_optimizer<double>("adam:beta2=0.99999999999999999"), InputError);
  CHECK_THROWS_AS(make_optimizer<double>("muon:beta=0.999999999999999999999"), InputError);
  {
    PrecisionScope scope(10);
    CHECK_THROWS_AS(make_optimizer<Real>("adam:beta2=0.999999999999999999999999"), InputError);
  }
  {
    PrecisionScope scope(50);
    CHECK_NOTHROW(make_optimizer<Real>("adam:beta2=0.999999999999999999999999"));
  }
  // Out of range on paper.
  CHECK_THROWS_AS(make_optimizer<double>("adam:beta1=1"), InputError);
  CHECK_THROWS_AS(make_optimizer<double>("adam:eps=-1"), InputError);
  CHECK_THROWS_AS(make_optimizer<double>("adamuon:ns_steps=0"), InputError);
  CHECK_THROWS_AS(make_optimizer<double>("muon:ortho=polar,ns_steps=3"), InputError);
  CHECK_THROWS_AS(make_optimizer<Rational>("adam"), InputError);  // needs square roots
  // A precision outside the supported range.
  CHECK_THROWS_AS(set_real_digits(kMinDigits - 1), InputError);
  CHECK_THROWS_AS(set_real_digits(kMaxDigits + 1), InputError);
}

TEST_CASE("NaN, Inf and overflowing numbers in user files are InputErrors naming line and column",
          "[properties][hardening]") {
  for (const std::string text : {"1, nan\n", "inf 2\n", "1\n-Infinity\n", "1e400, 1\n", "1,2\n3,NaN\n"}) {
    std::istringstream in(text);
    CHECK_THROWS_AS(read_matrix_csv<double>(in, "t.csv"), InputError);
    std::istringstream in2(text);
    CHECK_THROWS_WITH(read_matrix_csv<double>(in2, "t.csv"), Catch::Contains("t.csv:") && Catch::Contains("column"));
  }
  // Problem files go through the same reader, then check shapes and x != 0.
  const std::string path = std::string(MUONLAB_SOURCE_DIR) + "/fuzz/corpus/problem_file/zero_x.txt";
  CHECK_THROWS_WITH(toy::read_problem_file<double>(path), Catch::Contains("x must be non-zero"));
}
