// Adam / AdamW as PyTorch computes them (REFERENCE §3), at any floating precision:
//
//   m ← β1 m + (1−β1) G,   v ← β2 v + (1−β2) G⊙G,   t ← t + 1
//   m̂ = m / (1 − β1^t),    v̂ = v / (1 − β2^t)         (bias correction; optional)
//   W ← W(1 − lr·wd) − lr · m̂ / (√v̂ + ε)               (decoupled weight decay with the unadjusted lr)
//
// ε may be 0: an entry that has only ever seen zero gradients has m̂ = v̂ = 0 and moves by 0 (0/0 := 0), which is
// the limit of the ε > 0 rule. Adam with β1 = β2 = 0, ε = 0 is SignGD exactly (√(g²) = |g| in IEEE/MPFR).
#pragma once

#include "solvers/optimizer_base.hpp"

namespace muonlab::solvers {

template <class S>
struct AdamOptions {
  S beta1 = S(9) / S(10);        // PyTorch default 0.9
  S beta2 = S(999) / S(1000);    // PyTorch default 0.999
  S eps = S(1) / S(100000000);   // PyTorch default 1e-8
  S wd = S(0);                   // Adam 0; AdamW's PyTorch default is 0.01 (set by make_optimizer("adamw"))
  bool bias_correction = true;   // PyTorch always corrects
};

template <class S>
class Adam final : public OptimizerBase<S> {
public:
  explicit Adam(AdamOptions<S> o = {}, std::string name = "adam")
      : OptimizerBase<S>(std::move(name), o.wd), o_(std::move(o)) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<Adam>(*this); }
  const AdamOptions<S>& options() const { return o_; }

protected:
  Mat<S> direction_only(const Mat<S>& g) const override {
    Mat<S> m, v;
    return compute(g, m, v);
  }
  Mat<S> commit(const Mat<S>& g) override {
    Mat<S> m, v;
    Mat<S> d = compute(g, m, v);
    m_ = std::move(m);
    v_ = std::move(v);
    return d;
  }
  std::map<std::string, Mat<S>> moments() const override {
    if (m_.size() == 0) return {};
    return {{"m", m_}, {"v", v_}};
  }
  void set_moments(const std::map<std::string, Mat<S>>& st) override {
    auto rest = st;
    Mat<S> m = this->take(rest, "m"), v = this->take(rest, "v");
    OptimizerBase<S>::set_moments(rest);
    if (m.rows() != v.rows() || m.cols() != v.cols())
      throw InputError(this->name_ + ": state 'm' and 'v' must have the same shape");
    m_ = std::move(m);
    v_ = std::move(v);
  }
  void clear_moments() override { m_.resize(0, 0), v_.resize(0, 0); }

private:
  Mat<S> compute(const Mat<S>& g, Mat<S>& m, Mat<S>& v) const {
    using std::sqrt;
    this->check_moment_shape(m_, g.rows(), g.cols(), "moment");
    const S one(1);
    m = m_.size() ? Mat<S>(o_.beta1 * m_ + (one - o_.beta1) * g) : Mat<S>((one - o_.beta1) * g);
    const Mat<S> g2 = g.cwiseProduct(g);
    v = v_.size() ? Mat<S>(o_.beta2 * v_ + (one - o_.beta2) * g2) : Mat<S>((one - o_.beta2) * g2);
    if (!all_finite(v))  // g⊙g overflows for |g| > ~1.3e154 in double: report, never move by a silent 0
      throw NumericalError("adam: the second moment overflowed (gradient entries too large for this scalar type; "
                           "use --digits)");
    const long t = this->steps_ + 1;
    const S bc1 = o_.bias_correction ? one - ipow(o_.beta1, t) : one;
    const S bc2 = o_.bias_correction ? one - ipow(o_.beta2, t) : one;
    Mat<S> d(g.rows(), g.cols());
    for (Eigen::Index j = 0; j < g.cols(); ++j)
      for (Eigen::Index i = 0; i < g.rows(); ++i)
        d(i, j) = safe_ratio<S>(m(i, j) / bc1, sqrt(v(i, j) / bc2) + o_.eps, "adam");
    return d;
  }

  AdamOptions<S> o_;
  Mat<S> m_, v_;  // empty until the first step
};

extern template class Adam<double>;
extern template class Adam<Real>;

}  // namespace muonlab::solvers
