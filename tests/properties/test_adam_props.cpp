// Property tests of Adam/AdamW (issue 6, list item 3) and of decoupled weight decay, in double and at 50 digits.
#include "tests/properties/props.hpp"

#include <algorithm>
#include <cmath>

using namespace muonlab;
using namespace muonlab::props;
using solvers::make_optimizer;

namespace {

/// Decimal scale exponents for Adam's entrywise rules. In double, g² must stay a normal number for √(g²) = |g|
/// to hold exactly: |g| in [1e-150, 1e150] (docs/robustness.md: outside that range v underflows to 0 or overflows
/// to inf). MPFR's exponent range makes ±30 harmless at 50 digits.
template <class S>
constexpr int adam_exp() {
  return 30;
}

/// A gradient with roughly a third of its entries exactly zero (sign(0) = 0 and 0/0 := 0 are part of the rules).
template <class S>
Mat<S> sparse_gradient(const Case& c, int t) {
  Mat<S> g = build_matrix<S>(c, static_cast<std::uint64_t>(200 + t));
  spectral::Rng rng(c.seed, static_cast<std::uint64_t>(300 + t));
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = 0; i < g.rows(); ++i)
      if (rng.integer(0, 2) == 0) g(i, j) = S(0);
  return g;
}

}  // namespace

TEMPLATE_TEST_CASE("Adam with beta1 = beta2 = 0 and eps = 0 is SignGD", "[properties][adam]", double, Real) {
  using S = TestType;
  check_property("same trajectory as signgd, bit for bit", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, adam_exp<S>());
    auto adam = make_optimizer<S>("adam:beta1=0,beta2=0,eps=0");
    auto sgd = make_optimizer<S>("signgd");
    Mat<S> wa = build_matrix<S>(c, 1), ws = wa;
    const S lr = pow10<S>(*rc::gen::inRange(-6, 1));
    const int steps = *rc::gen::inRange(1, 6);
    for (int t = 0; t < steps; ++t) {
      const Mat<S> g = sparse_gradient<S>(c, t);
      // m = g, v = g², bias corrections 1 − 0^t = 1, so m̂/√v̂ = g/|g| = ±1 exactly (√ is correctly rounded and
      // g² is exact-or-normal in range), and 0/0 := 0 where g = 0.
      adam->step(wa, g, lr);
      sgd->step(ws, g, lr);
      RC_ASSERT(bit_identical(wa, ws));
    }
  });
}

TEMPLATE_TEST_CASE("Adam with eps = 0 is invariant to a positive diagonal rescaling of the gradient",
                   "[properties][adam]", double, Real) {
  using S = TestType;
  check_property("power-of-two row/column scalings: identical updates, bit for bit", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, adam_exp<S>());
    // Scaling by 2^k is exact in binary floating point (double and MPFR), so m' = D m, v' = D² v and
    // √v' = D √v hold exactly and the updates must agree bit for bit.
    const auto d = diagonal_scaling<S>(c, 11, [](spectral::Rng& rng) {
      return std::ldexp(1.0, static_cast<int>(rng.integer(-20, 20)));
    });
    auto a = make_optimizer<S>("adam:eps=0"), b = make_optimizer<S>("adam:eps=0");
    const int steps = *rc::gen::inRange(1, 6);
    run_scaled_pair<S>(*a, *b, d, steps, [&](int t) { return sparse_gradient<S>(c, t); },
                       [&](int, const Mat<S>& g, const Mat<S>& gs) {
                         RC_ASSERT(bit_identical(a->peek_direction(g), b->peek_direction(gs)));
                       });
  });
  check_property("general positive row/column scalings: equal updates up to rounding", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, adam_exp<S>());
    const auto d = diagonal_scaling<S>(c, 12, [](spectral::Rng& rng) { return rng.uniform(0.001, 1000); });
    auto a = make_optimizer<S>("adam:eps=0"), b = make_optimizer<S>("adam:eps=0");
    Mat<S> m_abs = Mat<S>::Zero(c.m, c.n);  // the EMA of |g|: what cancellation in m can lose against
    const S beta1 = parse_scalar<S>("0.9");
    const int steps = *rc::gen::inRange(1, 6);
    auto check = [&](int t, const Mat<S>& g, const Mat<S>& gs) {
      m_abs = beta1 * m_abs + (S(1) - beta1) * g.cwiseAbs();
      const auto st = a->state();
      const Mat<S> da = a->peek_direction(g), db = b->peek_direction(gs);
      // Entry (i,j) of each run is m̂/√v̂ computed with ≤ 3(t+1)+6 roundings: v is a sum of positive terms (relative
      // error ≤ γ), m can cancel, so its absolute error is ≤ γ·m_abs. The two runs differ in rounding only, so
      // |da − db| ≤ 2γ·(m_abs/√v + |d|) with γ = (3t + 12)u; √v ≥ √((1−β2)β2^t)·max_s|g_s| keeps this finite.
      const Mat<S> v_next = parse_scalar<S>("0.999") * (st.count("v") ? st.at("v") : Mat<S>::Zero(c.m, c.n)) +
                            parse_scalar<S>("0.001") * g.cwiseProduct(g);
      const double gamma = (3.0 * t + 12) * Working<S>::u();
      for (int j = 0; j < c.n; ++j)
        for (int i = 0; i < c.m; ++i) {
          if (v_next(i, j) == S(0)) {
            RC_ASSERT(da(i, j) == S(0) && db(i, j) == S(0));
            continue;
          }
          // bias corrections scale m and v; fold them into the bound conservatively (1/(1−β1^{t+1}) ≤ 10 t-free
          // bound is not tight, so use the exact factors).
          const double bc1 = 1 - std::pow(0.9, t + 1), bc2 = 1 - std::pow(0.999, t + 1);
          const double bound = 2 * gamma *
                               (to_double(m_abs(i, j)) / bc1 / std::sqrt(to_double(v_next(i, j)) / bc2) +
                                std::abs(to_double(da(i, j))));
          RC_ASSERT(std::abs(to_double(S(da(i, j) - db(i, j)))) <= bound);
        }
    };
    run_scaled_pair<S>(*a, *b, d, steps, [&](int t) { return sparse_gradient<S>(c, t); }, check);
  });
}

TEMPLATE_TEST_CASE("Decoupled weight decay uses the unadjusted learning rate", "[properties][adam][muon]", double,
                   Real) {
  using S = TestType;
  check_property("W' = W (1 - lr wd) - lr d, bit for bit (adamw, muon-moonlight, normuon, adamuon)", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(5, 10);
    const std::string spec = *rc::gen::element<std::string>("adamw:wd=0.1", "muon-moonlight", "adamuon:wd=0.05",
                                                           "normuon:wd=0.2", "signgd:wd=0.3");
    const S wd = spec == "muon-moonlight" ? parse_scalar<S>("0.1") : parse_scalar<S>(spec.substr(spec.find('=') + 1));
    auto opt = make_optimizer<S>(spec);
    Mat<S> wt = build_matrix<S>(c, 5);
    if (c.rank == 0) wt = build_matrix<S>(Case{ShapeKind::square, c.m, c.n, 1, c.seed, 0}, 5);  // non-zero W
    const S lr = parse_scalar<S>("0.03");
    const int steps = *rc::gen::inRange(1, 4);
    for (int t = 0; t < steps; ++t) {
      const Mat<S> g = build_matrix<S>(c, static_cast<std::uint64_t>(400 + t));
      const Mat<S> d = opt->peek_direction(g);
      // Not lr·(bias correction), not lr·(Muon scale): the decay factor is 1 − lr·wd (PyTorch AdamW, Moonlight).
      Mat<S> expect = wt;
      expect *= S(1) - lr * wd;
      expect.noalias() -= lr * d;
      opt->step(wt, g, lr);
      RC_ASSERT(bit_identical(wt, expect));
    }
  });
}
