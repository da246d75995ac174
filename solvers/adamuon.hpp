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

#include "solvers/momentum.hpp"
#include "solvers/optimizer_base.hpp"
#include "solvers/orthogonalizer.hpp"

namespace muonlab::solvers {

template <class S>
struct AdaMuonOptions {
  std::string ortho = "ns5";
  long ns_steps = 0;
  std::optional<S> ns_eps;
  S beta = S(95) / S(100);
  bool nesterov = true;
  bool sign = true;                 // orthogonalize sign(u) (the paper) rather than u
  std::optional<S> beta2;           // the second-moment decay; β when unset (REFERENCE §3)
  S eps = S(1) / S(100000000);      // 1e-8
  S wd = S(0);
};

template <class S>
class AdaMuon final : public OptimizerBase<S> {
public:
  explicit AdaMuon(AdaMuonOptions<S> o = {}, std::string name = "adamuon")
      : OptimizerBase<S>(std::move(name), o.wd),
        ortho_(Orthogonalizer<S>::make(o.ortho, o.ns_steps, o.ns_eps)),
        o_(std::move(o)),
        beta2_(o_.beta2 ? *o_.beta2 : o_.beta) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<AdaMuon>(*this); }
  const AdaMuonOptions<S>& options() const { return o_; }
  const S& beta2() const { return beta2_; }

protected:
  Mat<S> direction_only(const Mat<S>& g) const override {
    Mat<S> b, v;
    return compute(g, b, v);
  }
  Mat<S> commit(const Mat<S>& g) override {
    Mat<S> b, v;
    Mat<S> d = compute(g, b, v);
    b_ = std::move(b);
    v_ = std::move(v);
    return d;
  }
  std::map<std::string, Mat<S>> moments() const override {
    if (b_.size() == 0) return {};
    return {{"momentum", b_}, {"v", v_}};
  }
  void set_moments(const std::map<std::string, Mat<S>>& st) override {
    auto rest = st;
    Mat<S> b = this->take(rest, "momentum"), v = this->take(rest, "v");
    OptimizerBase<S>::set_moments(rest);
    if (b.rows() != v.rows() || b.cols() != v.cols())
      throw InputError(this->name_ + ": state 'momentum' and 'v' must have the same shape");
    b_ = std::move(b);
    v_ = std::move(v);
  }
  void clear_moments() override { b_.resize(0, 0), v_.resize(0, 0); }

private:
  Mat<S> compute(const Mat<S>& g, Mat<S>& b, Mat<S>& v) const {
    using std::sqrt;
    this->check_moment_shape(b_, g.rows(), g.cols(), "momentum");
    b = momentum_next(MomentumKind::ema, o_.beta, b_, g);
    const Mat<S> u = momentum_input(MomentumKind::ema, o_.beta, o_.nesterov, g, b);
    const Mat<S> o = ortho_(o_.sign ? spectral::sign(u) : u);  // seed 004: NS(sign(u))
    const Mat<S> o2 = o.cwiseProduct(o);
    v = v_.size() ? Mat<S>(beta2_ * v_ + (S(1) - beta2_) * o2) : Mat<S>((S(1) - beta2_) * o2);
    Mat<S> d(g.rows(), g.cols());
    for (Eigen::Index j = 0; j < g.cols(); ++j)
      for (Eigen::Index i = 0; i < g.rows(); ++i) d(i, j) = safe_ratio<S>(o(i, j), sqrt(v(i, j)) + o_.eps, "adamuon");
    const S nrm = spectral::norm_frobenius(d);
    if (nrm == S(0)) return Mat<S>::Zero(g.rows(), g.cols());
    // RMS alignment: 0.2·√(mn)/‖Ô‖F makes RMS(Ô) = 0.2.
    const S scale = S(2) / S(10) * S(sqrt(S(static_cast<long>(g.rows())) * S(static_cast<long>(g.cols())))) / nrm;
    return scale * d;
  }

  Orthogonalizer<S> ortho_;
  AdaMuonOptions<S> o_;
  S beta2_;
  Mat<S> b_, v_;
};

extern template class AdaMuon<double>;
extern template class AdaMuon<Real>;

}  // namespace muonlab::solvers
