// Properties every optimizer must have (issue 6, list item 5): the caller's gradient is not modified, peeking
// does not change the state, saving and restoring the state gives a bit-identical continuation, and double and
// 50-digit runs agree within a rounding bound derived below.
#include "tests/properties/props.hpp"

#include <algorithm>
#include <cmath>

using namespace muonlab;
using namespace muonlab::props;
using solvers::make_optimizer;

namespace {

/// Every optimizer and the variants whose code paths differ (momentum kinds, schedules, weight decay, eps = 0).
std::string pick_spec() {
  return *rc::gen::element<std::string>(
      "gd", "signgd", "adam", "adamw", "adam:eps=0,beta1=0.5", "muon", "muon:ortho=polar", "muon:ortho=pe5",
      "muon:momentum=classical,nesterov=0", "muon:momentum=none,scaling=moonlight", "muon-moonlight", "muon-ideal",
      "muonall", "muonall:ortho=polar", "adamuon", "adamuon:sign=0,ortho=polar", "normuon", "normuon:beta2=0,eps=0",
      "gd:wd=0.1", "signgd:wd=0.1");
}

template <class S>
Mat<S> gradient(const Case& c, int t) {
  return build_matrix<S>(c, static_cast<std::uint64_t>(500 + t));
}

template <class S>
bool same_state(const std::map<std::string, Mat<S>>& a, const std::map<std::string, Mat<S>>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    const auto it = b.find(k);
    if (it == b.end() || !bit_identical(v, it->second)) return false;
  }
  return true;
}

}  // namespace

TEMPLATE_TEST_CASE("Every optimizer leaves the gradient alone and peeks without side effects",
                   "[properties][contract]", double, Real) {
  using S = TestType;
  check_property("step and peek_direction do not modify g; peek does not modify the state", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(5, 30);
    auto opt = make_optimizer<S>(pick_spec());
    Mat<S> wt = build_matrix<S>(c, 1);
    const int steps = *rc::gen::inRange(1, 4);
    for (int t = 0; t < steps; ++t) {
      const Mat<S> g0 = gradient<S>(c, t);
      Mat<S> g = g0;
      const auto before = opt->state();
      (void)opt->peek_direction(g);
      RC_ASSERT(bit_identical(g, g0));
      RC_ASSERT(same_state(before, opt->state()));
      opt->step(wt, g, S(1) / S(64));
      RC_ASSERT(bit_identical(g, g0));
    }
  });
}

TEMPLATE_TEST_CASE("Every optimizer: state save/restore and clone continue bit for bit", "[properties][contract]",
                   double, Real) {
  using S = TestType;
  check_property("set_state(state()) on a fresh optimizer, and clone(), continue identically", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(5, 30);
    const std::string spec = pick_spec();
    auto a = make_optimizer<S>(spec);
    Mat<S> wa = build_matrix<S>(c, 1);
    const int warm = *rc::gen::inRange(0, 4), more = *rc::gen::inRange(1, 4);
    const S lr = S(1) / S(32);
    for (int t = 0; t < warm; ++t) a->step(wa, gradient<S>(c, t), lr);
    auto b = make_optimizer<S>(spec);
    b->set_state(a->state());
    auto k = a->clone();
    Mat<S> wb = wa, wk = wa;
    for (int t = warm; t < warm + more; ++t) {
      const Mat<S> g = gradient<S>(c, t);
      a->step(wa, g, lr), b->step(wb, g, lr), k->step(wk, g, lr);
      RC_ASSERT(bit_identical(wa, wb));
      RC_ASSERT(bit_identical(wa, wk));
    }
    RC_ASSERT(same_state(a->state(), b->state()));
    RC_ASSERT(same_state(a->state(), k->state()));
  });
}

// Double against 50 digits. Both runs see the same exact inputs (double gradients, W0 and lr = 2^-5), and the
// gradients do not depend on W, so the runs differ only by the rounding of the double run (the 50-digit run is
// exact to ~1e-50 relative, far below the double bound). With Δd_t the difference of the two directions at step t:
//
//     ‖W_T^dbl − W_T^50‖max ≤ Σ_t [ lr·‖Δd_t‖max + 2u(‖W_t‖max + lr‖d_t‖max) ]      (one product, one subtraction)
//
// and per rule (u = 2^-53; the quantities on the right are taken from the 50-digit run):
//   gd, signgd      Δd = 0: g and sign(g) are exact in both.
//   adam            entrywise m̂/(√v̂ + ε): v sums positive terms (relative error ≤ γ), m may cancel (absolute
//                   error ≤ γ·m_abs, m_abs the EMA of |g|), so |Δd| ≤ 2γ(m_abs/bc1/(√v̂ + ε) + |d|), γ = (3t+12)u.
//   muon-ideal      exact polar of the same exact g: ‖Δd‖ ≤ 32·max(m,n)·u·κ(g) (polar_tol, orthogonalizer props).
//   muon ns5        momentum none/ema: u has absolute error ≤ (2t+3)u·‖U_abs‖F (U_abs the same recursion on |g|);
//                   the normalization maps it to ≤ 2·that/ν in X, NS amplifies by ≤ ΠL_i, and NS's own rounding
//                   is the ns tolerance: ‖Δd‖ ≤ keller·(ΠL_i·2(2t+3)u‖U_abs‖F/ν + 8·6·max(m,n)·u·B·ΠL_i).
TEST_CASE("double and 50-digit runs agree within the derived double-rounding bound", "[properties][contract]") {
  check_property("gd, signgd, adam, muon-ideal, muon (ns5, momentum none/ema)", 30, [] {
    const Case c = pick_case(5, 30);
    const std::string spec = *rc::gen::element<std::string>("gd", "signgd", "adam", "muon-ideal",
                                                           "muon:momentum=none", "muon");
    const int steps = *rc::gen::inRange(1, 5);
    const double u = Working<double>::u(), lr = 1.0 / 32;
    const double mn = std::max(c.m, c.n);
    const spectral::NsScheduleSpec ns5 = spectral::named_schedule("ns5");
    const NsLipschitz lip = ns_lipschitz(ns5);
    const double keller = c.m > c.n ? std::sqrt(double(c.m) / c.n) : 1.0;

    auto od = make_optimizer<double>(spec);
    Mat<double> wd = build_matrix<double>(c, 1);
    Working<Real> prec;
    auto orl = make_optimizer<Real>(spec);
    Mat<Real> wr = mat_cast<Real>(wd);
    Mat<double> m_abs = Mat<double>::Zero(c.m, c.n), u_abs = m_abs;
    double bound = 0;
    for (int t = 0; t < steps; ++t) {
      const Mat<double> g = gradient<double>(c, t);
      const Mat<Real> gr = mat_cast<Real>(g);
      const auto st = orl->state();
      const Mat<Real> dr = orl->peek_direction(gr);
      const double dmax = to_double(spectral::norm_max(dr));
      double dd = 0;  // bound on ‖Δd_t‖max
      if (spec == "adam") {
        m_abs = 0.9 * m_abs + 0.1 * g.cwiseAbs();
        const Mat<Real> v = (st.count("v") ? Mat<Real>(parse_scalar<Real>("0.999") * st.at("v"))
                                            : Mat<Real>::Zero(c.m, c.n)) +
                            parse_scalar<Real>("0.001") * gr.cwiseProduct(gr);
        const double gamma = (3.0 * t + 12) * u;
        const double bc1 = 1 - std::pow(0.9, t + 1), bc2 = 1 - std::pow(0.999, t + 1);
        for (int j = 0; j < c.n; ++j)
          for (int i = 0; i < c.m; ++i)
            dd = std::max(dd, 2 * gamma *
                                  (m_abs(i, j) / bc1 / (std::sqrt(to_double(v(i, j)) / bc2) + 1e-8) +
                                   std::abs(to_double(dr(i, j)))));
      } else if (spec == "muon-ideal") {
        dd = 32 * mn * u * polar_condition(gr);
      } else if (spec != "gd" && spec != "signgd") {
        const bool ema = spec == "muon";
        // u = (1−β)g + β(βB + (1−β)g) (Nesterov, EMA) or g: the same recursion on |g| bounds what rounding loses.
        Mat<double> b_abs = ema ? Mat<double>(0.95 * u_abs + 0.05 * g.cwiseAbs()) : Mat<double>(g.cwiseAbs());
        const Mat<double> in_abs = ema ? Mat<double>(0.05 * g.cwiseAbs() + 0.95 * b_abs) : b_abs;
        if (ema) u_abs = b_abs;
        const Mat<Real> ur = ema ? Mat<Real>(parse_scalar<Real>("0.05") * gr +
                                             parse_scalar<Real>("0.95") *
                                                 (st.count("momentum")
                                                      ? Mat<Real>(parse_scalar<Real>("0.95") * st.at("momentum") +
                                                                  parse_scalar<Real>("0.05") * gr)
                                                      : Mat<Real>(parse_scalar<Real>("0.05") * gr)))
                                 : gr;
        const double nu = to_double(spectral::norm_frobenius(ur)) + ns5.eps;
        dd = keller * (lip.growth * 2 * (2 * t + 3) * u * in_abs.norm() / nu + 8 * 6 * mn * u * lip.bound * lip.growth);
      }
      bound += lr * dd + 2 * u * (to_double(spectral::norm_max(wr)) + lr * dmax);
      od->step(wd, g, lr);
      orl->step(wr, gr, Real(lr));
    }
    const double diff = to_double(spectral::norm_max(Mat<Real>(mat_cast<Real>(wd) - wr)));
    RC_ASSERT(diff <= bound);
  });
}
