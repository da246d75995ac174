// AdaMuon (seed 004, Si et al. 2025; REFERENCE §3):
//
//   B ← βB + (1−β)G;  u = (1−β)G + βB (Nesterov) or B
//   O = NS(sign(u))                           sign-stabilized orthogonal direction (the paper's Theorem 1)
//   v ← β₂v + (1−β₂) O⊙O                      β₂ = β by default, no bias correction (REFERENCE §3)
//   Ô = O / (√v + ε),  ε = 1e-8
//   Ô ← 0.2·√(mn)·Ô / ‖Ô‖F                    RMS alignment: RMS(Ô) = ‖Ô‖F/√(mn) = 0.2, Adam's typical RMS
//   W ← W(1 − lr·wd) − lr·Ô
//
// ‖Ô‖F = 0 (u = 0 on the first step) gives a zero update instead of 0/0. Variants in the wild (one revision of the
// reference repository uses β₂ = 0.999 with bias correction and no sign) are reachable through the keys `sign` and
// `beta2`.
#pragma once

#include "solvers/ortho_momentum.hpp"

namespace muonlab::solvers {

/// The defaults (seed 004, REFERENCE §3), written once: AdaMuonOptions and the registry's key table read them.
struct AdaMuonDefaults {
  static constexpr const char* ortho = "ns5";
  static constexpr const char* beta = "0.95";
  static constexpr bool nesterov = true;
  static constexpr bool sign = true;         // orthogonalize sign(u) (the paper) rather than u
  static constexpr const char* beta2 = "";   // the second-moment decay; β when unset (REFERENCE §3)
  static constexpr const char* eps = "1e-8";
  static constexpr const char* wd = "0";
};

template <class S>
struct AdaMuonOptions : OrthoMomentumOptions<S, AdaMuonDefaults> {
  bool sign = AdaMuonDefaults::sign;
  std::optional<S> beta2;  // unset: β (AdaMuonDefaults::beta2)
  S eps = parse_scalar<S>(AdaMuonDefaults::eps);
  S wd = parse_scalar<S>(AdaMuonDefaults::wd);

  static AdaMuonOptions from(const SpecReader& r) {
    AdaMuonOptions o;
    o.read_ortho_momentum(r);
    o.sign = r.flag("sign");
    o.beta2 = optional_scalar<S>(r, "beta2");
    o.eps = r.template scalar<S>("eps");
    o.wd = r.template scalar<S>("wd");
    return o;
  }
};

/// AdaMuon as an update rule; its state is the momentum buffer and the element-wise second moment of O.
template <class S>
class AdaMuonRule {
public:
  using Options = AdaMuonOptions<S>;
  using State = std::array<Mat<S>, 2>;
  static constexpr const char* kName = "adamuon";
  static constexpr std::array<StateField, 2> kState{{{"momentum", false}, {"v", false}}};
  static constexpr bool kInPlace = false;

  explicit AdaMuonRule(Options o)
      : ortho_(o.orthogonalizer()), o_(std::move(o)), beta2_(o_.beta2 ? *o_.beta2 : o_.beta) {}
  const Options& options() const { return o_; }
  const S& beta2() const { return beta2_; }

  Mat<S> direction(const Mat<S>& g, const State& s, long, State& next) const {
    using std::sqrt;
    Mat<S>& v = next[1];
    const Mat<S> u = o_.momentum_step(MomentumKind::ema, s[0], g, next[0]);
    const Mat<S> o = ortho_(o_.sign ? spectral::sign(u) : u);  // seed 004: NS(sign(u))
    v = ema_next(beta2_, s[1], Mat<S>(o.cwiseProduct(o)));
    Mat<S> d(g.rows(), g.cols());
    for (Eigen::Index j = 0; j < g.cols(); ++j)
      for (Eigen::Index i = 0; i < g.rows(); ++i) d(i, j) = safe_ratio<S>(o(i, j), sqrt(v(i, j)) + o_.eps, "adamuon");
    const S nrm = spectral::norm_frobenius(d);
    if (nrm == S(0)) return Mat<S>::Zero(g.rows(), g.cols());
    // RMS alignment: 0.2·√(mn)/‖Ô‖F makes RMS(Ô) = 0.2.
    const S scale = S(2) / S(10) * S(sqrt(S(static_cast<long>(g.rows())) * S(static_cast<long>(g.cols())))) / nrm;
    return scale * d;
  }

private:
  Orthogonalizer<S> ortho_;
  Options o_;
  S beta2_;
};

template <class S>
using AdaMuon = RuleOptimizer<S, AdaMuonRule<S>>;

extern template class RuleOptimizer<double, AdaMuonRule<double>>;
extern template class RuleOptimizer<Real, AdaMuonRule<Real>>;

}  // namespace muonlab::solvers
