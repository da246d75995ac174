// NorMuon (Li et al. 2025, reference implementation normuon.py; REFERENCE §3):
//
//   B ← βB + (1−β)G;  u = (1−β)G + βB (Nesterov) or B                    β = 0.95
//   O = NS(u)
//   ν ← β₂ν + (1−β₂)·rowmean(O⊙O)              ν is m×1, one statistic per output neuron; β₂ = 0.95
//   Ô_ij = O_ij / (√ν_i + ε)                    ε = 1e-10
//   Ô ← Ô·‖O‖F / (‖Ô‖F + ε)                     keeps the pre-normalization norm (the reference code adds ε too)
//   W ← W(1 − lr·wd) − lr·√max(1, m/n)·Ô
//
// With ε = 0, a zero row of O divides 0 by 0 and moves by 0.
#pragma once

#include "solvers/muon.hpp"

namespace muonlab::solvers {

/// The defaults of the reference normuon.py, written once: NorMuonOptions and the registry's key table read them.
struct NorMuonDefaults {
  static constexpr const char* ortho = "ns5";
  static constexpr const char* beta = "0.95";
  static constexpr bool nesterov = true;
  static constexpr const char* beta2 = "0.95";
  static constexpr const char* eps = "1e-10";
  static constexpr const char* wd = "0";
};

template <class S>
struct NorMuonOptions : OrthoMomentumOptions<S, NorMuonDefaults> {
  S beta2 = parse_scalar<S>(NorMuonDefaults::beta2);
  S eps = parse_scalar<S>(NorMuonDefaults::eps);
  S wd = parse_scalar<S>(NorMuonDefaults::wd);

  static NorMuonOptions from(const SpecReader& r) {
    NorMuonOptions o;
    o.read_ortho_momentum(r);
    o.beta2 = r.template scalar<S>("beta2");
    o.eps = r.template scalar<S>("eps");
    o.wd = r.template scalar<S>("wd");
    return o;
  }
};

/// NorMuon as an update rule; its state is the momentum buffer and the per-row second moment ν (m×1).
template <class S>
class NorMuonRule {
public:
  using Options = NorMuonOptions<S>;
  using State = std::array<Mat<S>, 2>;
  static constexpr const char* kName = "normuon";
  static constexpr std::array<StateField, 2> kState{{{"momentum", false}, {"nu", true}}};
  static constexpr bool kInPlace = false;

  explicit NorMuonRule(Options o) : ortho_(o.orthogonalizer()), o_(std::move(o)) {}
  const Options& options() const { return o_; }

  Mat<S> direction(const Mat<S>& g, const State& s, long, State& next) const {
    using std::sqrt;
    Mat<S>& nu = next[1];
    const Eigen::Index m = g.rows(), n = g.cols();
    const Mat<S> u = o_.momentum_step(MomentumKind::ema, s[0], g, next[0]);
    const Mat<S> o = ortho_(u);
    Mat<S> rowmean(m, 1);
    for (Eigen::Index i = 0; i < m; ++i) rowmean(i, 0) = spectral::norm_frobenius_sq(o.row(i)) / S(static_cast<long>(n));
    nu = ema_next(o_.beta2, s[1], rowmean);
    Mat<S> d(m, n);
    for (Eigen::Index i = 0; i < m; ++i) {
      const S den = sqrt(nu(i, 0)) + o_.eps;
      for (Eigen::Index j = 0; j < n; ++j) d(i, j) = safe_ratio<S>(o(i, j), den, "normuon");
    }
    const S dn = spectral::norm_frobenius(d) + o_.eps;
    if (dn == S(0)) return Mat<S>::Zero(m, n);
    d *= spectral::norm_frobenius(o) / dn;
    return muon_scale<S>(MuonScaling::keller, m, n) * d;
  }

private:
  Orthogonalizer<S> ortho_;
  Options o_;
};

template <class S>
using NorMuon = RuleOptimizer<S, NorMuonRule<S>>;

extern template class RuleOptimizer<double, NorMuonRule<double>>;
extern template class RuleOptimizer<Real, NorMuonRule<Real>>;

}  // namespace muonlab::solvers
