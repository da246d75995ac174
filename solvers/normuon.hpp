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

#include "solvers/momentum.hpp"
#include "solvers/muon.hpp"

namespace muonlab::solvers {

template <class S>
struct NorMuonOptions {
  std::string ortho = "ns5";
  long ns_steps = 0;
  std::optional<S> ns_eps;
  S beta = S(95) / S(100);
  bool nesterov = true;
  S beta2 = S(95) / S(100);
  S eps = S(1) / S(10000000000LL);  // 1e-10
  S wd = S(0);
};

template <class S>
class NorMuon final : public OptimizerBase<S> {
public:
  explicit NorMuon(NorMuonOptions<S> o = {}, std::string name = "normuon")
      : OptimizerBase<S>(std::move(name), o.wd),
        ortho_(Orthogonalizer<S>::make(o.ortho, o.ns_steps, o.ns_eps)),
        o_(std::move(o)) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<NorMuon>(*this); }
  const NorMuonOptions<S>& options() const { return o_; }

protected:
  Mat<S> direction_only(const Mat<S>& g) const override {
    Mat<S> b, nu;
    return compute(g, b, nu);
  }
  Mat<S> commit(const Mat<S>& g) override {
    Mat<S> b, nu;
    Mat<S> d = compute(g, b, nu);
    b_ = std::move(b);
    nu_ = std::move(nu);
    return d;
  }
  std::map<std::string, Mat<S>> moments() const override {
    if (b_.size() == 0) return {};
    return {{"momentum", b_}, {"nu", nu_}};
  }
  void set_moments(const std::map<std::string, Mat<S>>& st) override {
    auto rest = st;
    Mat<S> b = this->take(rest, "momentum"), nu = this->take(rest, "nu");
    OptimizerBase<S>::set_moments(rest);
    if (b.size() != 0 && (nu.rows() != b.rows() || nu.cols() != 1))
      throw InputError(this->name_ + ": state 'nu' must be m x 1 for an m x n 'momentum'");
    b_ = std::move(b);
    nu_ = std::move(nu);
  }
  void clear_moments() override { b_.resize(0, 0), nu_.resize(0, 0); }

private:
  Mat<S> compute(const Mat<S>& g, Mat<S>& b, Mat<S>& nu) const {
    using std::sqrt;
    this->check_moment_shape(b_, g.rows(), g.cols(), "momentum");
    const Eigen::Index m = g.rows(), n = g.cols();
    b = momentum_next(MomentumKind::ema, o_.beta, b_, g);
    const Mat<S> u = momentum_input(MomentumKind::ema, o_.beta, o_.nesterov, g, b);
    const Mat<S> o = ortho_(u);
    Mat<S> rowmean(m, 1);
    for (Eigen::Index i = 0; i < m; ++i) rowmean(i, 0) = spectral::norm_frobenius_sq(o.row(i)) / S(static_cast<long>(n));
    nu = nu_.size() ? Mat<S>(o_.beta2 * nu_ + (S(1) - o_.beta2) * rowmean) : Mat<S>((S(1) - o_.beta2) * rowmean);
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

  Orthogonalizer<S> ortho_;
  NorMuonOptions<S> o_;
  Mat<S> b_, nu_;
};

extern template class NorMuon<double>;
extern template class NorMuon<Real>;

}  // namespace muonlab::solvers
