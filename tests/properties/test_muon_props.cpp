// Property tests of the Muon family (issue 6, list items 2 and 4): Muon (EMA vs classical momentum, Keller and
// Moonlight scaling, 1×n and diagonal inputs), AdaMuon, NorMuon and MuonAll, in double and at 50 digits.
// Every optimizer is built with make_optimizer<S>(spec), the way users get them.
#include "tests/properties/props.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <vector>

using namespace muonlab;
using namespace muonlab::props;
using solvers::make_optimizer;

namespace {

template <class S>
double dim_u(const Case& c) {
  return static_cast<double>(std::max(c.m, c.n)) * Working<S>::u();
}

/// A decimal hyper-parameter rounded the way make_optimizer rounds it (correctly, at the working precision).
template <class S>
S dec(const char* text) {
  return parse_scalar<S>(text);
}

/// The Keller factor √max(1, m/n) in double.
double keller(const Case& c) { return c.m > c.n ? std::sqrt(static_cast<double>(c.m) / c.n) : 1.0; }

/// The same at the working precision (comparisons at 50 digits must not pass through double).
template <class S>
S keller_s(const Case& c) {
  using std::sqrt;
  return c.m > c.n ? S(sqrt(S(c.m) / S(c.n))) : S(1);
}

/// |a − b| computed at the working precision, then reported as a double.
template <class S>
double absdiff(const S& a, const S& b) {
  using std::abs;
  return to_double(S(abs(S(a - b))));
}

/// The gradient of step t of a case (independent draws per step, same shape and scale).
template <class S>
Mat<S> gradient(const Case& c, int t) {
  return build_matrix<S>(c, static_cast<std::uint64_t>(100 + t));
}

/// The matrix the Muon-family optimizers orthogonalize at the next step, recomputed from the saved momentum with
/// the same expressions (solvers/momentum.hpp), so it is bit-identical to the one used inside.
template <class S>
Mat<S> next_input(const solvers::Optimizer<S>& opt, const Mat<S>& g, solvers::MomentumKind kind, const S& beta,
                  bool nesterov) {
  const auto st = opt.state();
  const auto it = st.find("momentum");
  const Mat<S> b = solvers::momentum_next(kind, beta, it == st.end() ? Mat<S>() : it->second, g);
  return solvers::momentum_input(kind, beta, nesterov, g, b);
}

/// Steps each optimizer of `opts` (each its own W = 0) for a drawn 1–3 steps on the case's gradients with step size
/// `lr`, calling check(t, g) before each step.
template <class S, class Check>
void each_step(const Case& c, const S& lr, std::initializer_list<solvers::Optimizer<S>*> opts, Check check) {
  std::vector<Mat<S>> w(opts.size(), Mat<S>(Mat<S>::Zero(c.m, c.n)));
  const int steps = *rc::gen::inRange(1, 4);
  for (int t = 0; t < steps; ++t) {
    const Mat<S> g = gradient<S>(c, t);
    check(t, g);
    std::size_t k = 0;
    for (solvers::Optimizer<S>* opt : opts) opt->step(w[k++], g, lr);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("Muon: EMA and classical momentum give the same orthogonalized update", "[properties][muon]",
                   double, Real) {
  using S = TestType;
  // REFERENCE §3: B_ema = (1−β)·B_classical by induction, so u_ema = (1−β)·u_classical and ortho removes the factor.
  check_property("exact polar: equal up to rounding", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(5, 30);
    const bool nesterov = *rc::gen::arbitrary<bool>();
    const std::string common = ",ortho=polar,nesterov=" + std::string(nesterov ? "1" : "0");
    auto ema = make_optimizer<S>("muon:momentum=ema" + common);
    auto cls = make_optimizer<S>("muon:momentum=classical" + common);
    each_step<S>(c, S(0), {ema.get(), cls.get()}, [&](int t, const Mat<S>& g) {
      const Mat<S> u = next_input(*cls, g, solvers::MomentumKind::classical, dec<S>("0.95"), nesterov);
      const Mat<S> d_e = ema->peek_direction(g), d_c = cls->peek_direction(g);
      // polar_tol-type bound (test_orthogonalizer_props.cpp) with κ(u); the (1−β) factor and t momentum updates
      // add O(t·u) relative error to u, amplified by κ as well.
      const double tol = (32 + 8 * t) * dim_u<S>(c) * polar_condition(u) * keller(c);
      RC_ASSERT(max_abs_diff(d_e, d_c) <= tol);
    });
  });
  check_property("ns5: equal up to the bounded effect of the normalization epsilon", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(5, 30);
    auto ema = make_optimizer<S>("muon:momentum=ema,ortho=ns5");
    auto cls = make_optimizer<S>("muon:momentum=classical,ortho=ns5");
    const spectral::NsScheduleSpec spec = spectral::named_schedule("ns5");
    const NsLipschitz lip = ns_lipschitz(spec);
    const double beta = 0.95, eps = spec.eps;
    each_step<S>(c, S(0), {ema.get(), cls.get()}, [&](int t, const Mat<S>& g) {
      const Mat<S> u = next_input(*cls, g, solvers::MomentumKind::classical, dec<S>("0.95"), true);
      // The bound. NS normalizes X = u/(‖u‖F + ε). With u_ema = (1−β)u: X_ema = λ·X_cl,
      //   λ = (1−β)(‖u‖ + ε)/((1−β)‖u‖ + ε),  |1 − λ| = βε/((1−β)‖u‖ + ε) ≤ 1,
      // and NS acts on singular values x ∈ [0, 1] by F = p_5∘…∘p_1, so ‖NS(λX) − NS(X)‖2 ≤ |1−λ|·sup|F'| ≤
      // |1−λ|·ΠL_i. Rounding adds the ns tolerance of test_orthogonalizer_props.cpp, ×(t+1) for the momentum.
      const double nu = to_double(spectral::norm_frobenius(u));
      const double lam = beta * eps / ((1 - beta) * nu + eps);
      const double round = 8 * 6 * (t + 1) * dim_u<S>(c) * lip.bound * lip.growth;
      const double tol = keller(c) * (lam * lip.growth + round);
      RC_ASSERT(max_abs_diff(ema->peek_direction(g), cls->peek_direction(g)) <= tol);
    });
  });
}

TEMPLATE_TEST_CASE("Muon: Keller and Moonlight scalings", "[properties][muon]", double, Real) {
  using S = TestType;
  check_property("Keller: ||update||_2 = sqrt(max(1, m/n)) (0 for G = 0)", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    auto opt = make_optimizer<S>("muon:ortho=polar,momentum=none,scaling=keller");
    const S s = spectral::norm_spectral(opt->peek_direction(build_matrix<S>(c)));
    const S expect = c.rank == 0 ? S(0) : keller_s<S>(c);
    RC_ASSERT(absdiff(s, expect) <= 32 * dim_u<S>(c) * keller(c));
  });
  check_property("Moonlight: update RMS = 0.2 sqrt(rank/min(m,n)), i.e. 0.2 at full rank", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    auto opt = make_optimizer<S>("muon-moonlight:ortho=polar,momentum=none");
    const Mat<S> d = opt->peek_direction(build_matrix<S>(c));
    // ‖d‖F = 0.2·√max(m,n)·‖U_r V_rᵀ‖F = 0.2·√max(m,n)·√r, so RMS = ‖d‖F/√(mn) = 0.2·√(r/min(m,n)).
    using std::sqrt;
    const S rms = spectral::norm_frobenius(d) / S(sqrt(S(c.m * c.n)));
    const S expect = S(2) / S(10) * S(sqrt(S(c.rank) / S(std::min(c.m, c.n))));
    RC_ASSERT(absdiff(rms, expect) <= 32 * dim_u<S>(c));
    if (c.rank == std::min(c.m, c.n)) RC_ASSERT(absdiff(rms, S(S(2) / S(10))) <= 32 * dim_u<S>(c));
  });
}

TEMPLATE_TEST_CASE("Muon on 1xn and nx1 matrices and on diagonal matrices", "[properties][muon]", double, Real) {
  using S = TestType;
  check_property("1xn, nx1: exact polar gives g/||g||", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(8, 30, {ShapeKind::row, ShapeKind::column});
    const Mat<S> g = build_matrix<S>(c);
    auto opt = make_optimizer<S>("muon-ideal");
    const Mat<S> expect = g / spectral::norm_frobenius(g);
    RC_ASSERT(max_abs_diff(opt->peek_direction(g), expect) <= 8 * dim_u<S>(c));
  });
  check_property("1xn, nx1: ns5 gives F(||g||/nu) g/||g|| (the scalar map on the one singular value)", cases<S>(40, 10),
                 [] {
                   Working<S> w;
                   const Case c = pick_case(8, 30, {ShapeKind::row, ShapeKind::column});
                   const Mat<S> g = build_matrix<S>(c);
                   auto opt = make_optimizer<S>("muon:ortho=ns5,momentum=none,scaling=none");
                   const spectral::NsScheduleSpec spec = spectral::named_schedule("ns5");
                   const auto sch = spectral::schedule_cast<S>(spec);
                   const S nrm = spectral::norm_frobenius(g);
                   const S f = spectral::ns_scalar_map(sch, S(nrm / spectral::ns_normalizer(sch, nrm)));
                   const Mat<S> expect = f * g / nrm;
                   const NsLipschitz lip = ns_lipschitz(spec);
                   RC_ASSERT(max_abs_diff(opt->peek_direction(g), expect) <=
                             8 * 6 * dim_u<S>(c) * lip.bound * lip.growth);
                 });
  check_property("diagonal G: exact polar gives sign(G) (sign(0) = 0)", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(8, 30, {ShapeKind::square});
    spectral::Rng rng(c.seed, 7);
    Vec<S> v(c.n);
    for (int i = 0; i < c.n; ++i) v(i) = rng.integer(0, 3) == 0 ? S(0) : S(rng.normal()) * pow10<S>(c.scale_exp);
    const Mat<S> g = v.asDiagonal();
    auto opt = make_optimizer<S>("muon-ideal");
    const Mat<S> expect = spectral::sign(g);
    RC_ASSERT(max_abs_diff(opt->peek_direction(g), expect) <= 32 * dim_u<S>(c));
  });
}

TEMPLATE_TEST_CASE("AdaMuon: RMS 0.2 and invariance to positive diagonal scalings", "[properties][adamuon]", double,
                   Real) {
  using S = TestType;
  check_property("update RMS is exactly 0.2 (0 for a zero gradient)", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(5, 30);
    auto opt = make_optimizer<S>("adamuon");
    each_step<S>(c, S(1) / S(100), {opt.get()}, [&](int, const Mat<S>& g) {
      const Mat<S> d = opt->peek_direction(g);
      using std::sqrt;
      const S rms = spectral::norm_frobenius(d) / S(sqrt(S(c.m * c.n)));
      // Ô ← 0.2·√(mn)·Ô/‖Ô‖F: the Frobenius norm of mn entries is computed with relative error ≤ (mn+2)u, and the
      // rescaling adds a few roundings.
      RC_ASSERT(absdiff(rms, c.rank == 0 ? S(0) : S(S(2) / S(10))) <= 0.2 * (c.m * c.n + 8) * Working<S>::u());
    });
  });
  check_property("D1 G D2 with positive diagonal D1, D2 gives the same update, bit for bit", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(5, 30, {ShapeKind::square, ShapeKind::tall, ShapeKind::wide, ShapeKind::row,
                                     ShapeKind::column, ShapeKind::rank_deficient});
    const auto d = diagonal_scaling<S>(c, 9, [](spectral::Rng& rng) { return rng.uniform(0.01, 100); });
    auto a = make_optimizer<S>("adamuon"), b = make_optimizer<S>("adamuon");
    const int steps = *rc::gen::inRange(1, 4);
    auto check = [&](int, const Mat<S>& g, const Mat<S>& gs) {
      // AdaMuon orthogonalizes sign(u), and sign(D1 u D2) = sign(u): exact, provided rounding in the momentum
      // does not flip the sign of an entry of u that is (nearly) cancelling, which we rule out explicitly.
      const Mat<S> ua = next_input(*a, g, solvers::MomentumKind::ema, dec<S>("0.95"), true);
      const Mat<S> ub = next_input(*b, gs, solvers::MomentumKind::ema, dec<S>("0.95"), true);
      RC_PRE(bit_identical(spectral::sign(ua), spectral::sign(ub)));
      RC_ASSERT(bit_identical(a->peek_direction(g), b->peek_direction(gs)));
    };
    run_scaled_pair<S>(*a, *b, d, steps, [&](int t) { return gradient<S>(c, t); }, check);
  });
}

TEMPLATE_TEST_CASE("NorMuon: scale invariance in nu, Frobenius norm, equal row norms", "[properties][normuon]",
                   double, Real) {
  using S = TestType;
  check_property("nu -> c nu (c >= 1) leaves the update unchanged (eps = 0)", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(5, 30);
    auto a = make_optimizer<S>("normuon:ortho=polar,eps=0");
    Mat<S> wt = Mat<S>::Zero(c.m, c.n);
    const int warm = *rc::gen::inRange(1, 3);
    for (int t = 0; t < warm; ++t) a->step(wt, gradient<S>(c, t), S(0));
    const Mat<S> g = gradient<S>(c, warm);
    // Give b a state whose next ν is exactly c·(a's next ν): ν_b = (c·ν_a' − (1−β2)·r)/β2 with r = rowmean(O⊙O),
    // ν_a' = β2·ν_a + (1−β2)·r. ν_b ≥ β2·ν_a·c/β2 ≥ 0 for c ≥ 1.
    const S beta2 = dec<S>("0.95"), cscale = pow10<S>(*rc::gen::inRange(0, 7));
    const Mat<S> u = next_input(*a, g, solvers::MomentumKind::ema, dec<S>("0.95"), true);
    const Mat<S> o = spectral::ortho(u);
    Mat<S> r(c.m, 1);
    for (int i = 0; i < c.m; ++i) r(i, 0) = spectral::norm_frobenius_sq(o.row(i)) / S(c.n);
    auto st = a->state();
    const Mat<S> nu_next = beta2 * st.at("nu") + (S(1) - beta2) * r;
    st["nu"] = (cscale * nu_next - (S(1) - beta2) * r) / beta2;
    RC_PRE(st["nu"].minCoeff() >= S(0));
    auto b = make_optimizer<S>("normuon:ortho=polar,eps=0");
    b->set_state(st);
    const Mat<S> da = a->peek_direction(g);
    // Ô = O/√ν changes by the factor 1/√c up to a few roundings per entry (ν_b' = c·ν_a' to ~4u relative), and
    // the rescaling to ‖O‖F removes the factor; the norms add O(mn·u).
    RC_ASSERT(max_abs_diff(b->peek_direction(g), da) <=
              (c.m * c.n + 32) * Working<S>::u() * (1 + to_double(spectral::norm_max(da))));
  });
  check_property("||update||_F = sqrt(max(1, m/n)) ||O||_F = sqrt(max(1, m/n) rank) (eps = 0)", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    auto opt = make_optimizer<S>("normuon:ortho=polar,eps=0");
    using std::sqrt;
    const S f = spectral::norm_frobenius(opt->peek_direction(build_matrix<S>(c)));
    // First step: u = (1−β)(1+β)·G, so O = ortho(G) and ‖O‖F = √rank(G).
    RC_ASSERT(absdiff(f, S(keller_s<S>(c) * sqrt(S(c.rank)))) <= (c.m * c.n + 32) * Working<S>::u() * keller(c));
  });
  check_property("beta2 = 0: every non-zero row of the update has the same norm", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    auto opt = make_optimizer<S>("normuon:ortho=polar,beta2=0,eps=0");
    each_step<S>(c, S(0), {opt.get()}, [&](int, const Mat<S>& g) {
      const Mat<S> d = opt->peek_direction(g);
      // β2 = 0: ν_i = ‖O_i‖²/n, so every row O_i/√ν_i has norm √n; the global rescaling keeps them equal.
      // A row of O that is zero (a zero gradient) stays zero (0/0 := 0).
      using std::sqrt;
      const S ref = spectral::norm_frobenius(d) / S(sqrt(S(c.m)));
      S lo(0), hi(0);
      int nonzero = 0;
      for (int i = 0; i < c.m; ++i) {
        const S rn = spectral::norm_l2(Vec<S>(d.row(i).transpose()));
        if (rn == S(0)) continue;
        if (nonzero++ == 0 || rn < lo) lo = rn;
        if (rn > hi) hi = rn;
      }
      const double scale = to_double(hi);
      if (nonzero > 0) RC_ASSERT(absdiff(hi, lo) <= (c.n + 16) * Working<S>::u() * scale * 4);
      if (nonzero == c.m) RC_ASSERT(absdiff(hi, ref) <= (c.m * c.n + 16) * Working<S>::u() * scale * 4);
    });
  });
}

TEMPLATE_TEST_CASE("MuonAll: the 1-D path is an elementwise map", "[properties][muonall]", double, Real) {
  using S = TestType;
  check_property("exact polar: the update of an n x 1 parameter is sign(u), bit for bit", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(8, 30, {ShapeKind::column});
    auto opt = make_optimizer<S>("muonall:ortho=polar");  // column cases: c.n = 1
    each_step<S>(c, S(0), {opt.get()}, [&](int, const Mat<S>& g) {
      const Mat<S> u = next_input(*opt, g, solvers::MomentumKind::ema, dec<S>("0.95"), true);
      // ortho(diag u) = diag(sign u); an n×n diagonal has Keller factor 1.
      RC_ASSERT(bit_identical(opt->peek_direction(g), Mat<S>(spectral::sign(u))));
    });
  });
  check_property("ns5: update_i = F(u_i / nu) with nu = ||u||_2 + eps", cases<S>(40, 10), [] {
    Working<S> w;
    const Case c = pick_case(8, 30, {ShapeKind::column});
    auto opt = make_optimizer<S>("muonall");
    const spectral::NsScheduleSpec spec = spectral::named_schedule("ns5");
    const auto sch = spectral::schedule_cast<S>(spec);
    const NsLipschitz lip = ns_lipschitz(spec);
    const Mat<S> g = gradient<S>(c, 0);
    const Mat<S> u = next_input(*opt, g, solvers::MomentumKind::ema, dec<S>("0.95"), true);
    const S nu = spectral::ns_normalizer(sch, spectral::norm_frobenius(u));
    Mat<S> expect(c.m, 1);
    for (int i = 0; i < c.m; ++i) expect(i, 0) = spectral::ns_scalar_map(sch, S(u(i, 0) / nu));
    // Scalar arithmetic only: each step adds a few roundings, each amplified by at most L_i later; the norm adds
    // (n+2)u relative to the input.
    RC_ASSERT(max_abs_diff(opt->peek_direction(g), expect) <=
              8 * (6 + c.m) * Working<S>::u() * lip.bound * lip.growth);
  });
}
