// Adam / AdamW as PyTorch computes them (REFERENCE §3), at any floating precision:
//
//   m ← β1 m + (1−β1) G,   v ← β2 v + (1−β2) G⊙G,   t ← t + 1
//   m̂ = m / (1 − β1^t),    v̂ = v / (1 − β2^t)         (bias correction; optional)
//   W ← W(1 − lr·wd) − lr · m̂ / (√v̂ + ε)               (decoupled weight decay with the unadjusted lr)
//
// ε may be 0: an entry that has only ever seen zero gradients has m̂ = v̂ = 0 and moves by 0 (0/0 := 0), which is
// the limit of the ε > 0 rule. Adam with β1 = β2 = 0, ε = 0 is SignGD exactly (√(g²) = |g| in IEEE/MPFR).
#pragma once

#include "solvers/momentum.hpp"
#include "solvers/optimizer_base.hpp"

namespace muonlab::solvers {

/// The defaults of torch.optim.Adam, written once: AdamOptions and the registry's key table read them. `adamw` is
/// this rule with wd = 0.01 (torch.optim.AdamW; solvers/optimizer_id.hpp).
struct AdamDefaults {
  static constexpr const char* beta1 = "0.9";
  static constexpr const char* beta2 = "0.999";
  static constexpr const char* eps = "1e-8";
  static constexpr const char* wd = "0";
  static constexpr bool bias_correction = true;  // PyTorch always corrects
};

template <class S>
struct AdamOptions {
  S beta1 = parse_scalar<S>(AdamDefaults::beta1);
  S beta2 = parse_scalar<S>(AdamDefaults::beta2);
  S eps = parse_scalar<S>(AdamDefaults::eps);
  S wd = parse_scalar<S>(AdamDefaults::wd);
  bool bias_correction = AdamDefaults::bias_correction;

  static AdamOptions from(const SpecReader& r) {
    AdamOptions o;
    o.beta1 = r.template scalar<S>("beta1");
    o.beta2 = r.template scalar<S>("beta2");
    o.eps = r.template scalar<S>("eps");
    o.wd = r.template scalar<S>("wd");
    o.bias_correction = r.flag("bias_correction");
    return o;
  }
};

/// Adam as an update rule; its state is the two moments.
template <class S>
class AdamRule {
public:
  using Options = AdamOptions<S>;
  using State = std::array<Mat<S>, 2>;
  static constexpr const char* kName = "adam";
  static constexpr std::array<StateField, 2> kState{{{"m", false}, {"v", false}}};
  static constexpr bool kInPlace = false;

  explicit AdamRule(Options o) : o_(std::move(o)) {}
  const Options& options() const { return o_; }

  Mat<S> direction(const Mat<S>& g, const State& s, long t, State& next) const {
    using std::sqrt;
    Mat<S>&m = next[0], &v = next[1];
    const S one(1);
    m = ema_next(o_.beta1, s[0], g);
    v = ema_next(o_.beta2, s[1], Mat<S>(g.cwiseProduct(g)));
    if (!all_finite(v))  // g⊙g overflows for |g| > ~1.3e154 in double: report, never move by a silent 0
      throw NumericalError("adam: the second moment overflowed (gradient entries too large for this scalar type; "
                           "use --digits)");
    const S bc1 = o_.bias_correction ? one - ipow(o_.beta1, t) : one;
    const S bc2 = o_.bias_correction ? one - ipow(o_.beta2, t) : one;
    Mat<S> d(g.rows(), g.cols());
    for (Eigen::Index j = 0; j < g.cols(); ++j)
      for (Eigen::Index i = 0; i < g.rows(); ++i)
        d(i, j) = safe_ratio<S>(m(i, j) / bc1, sqrt(v(i, j) / bc2) + o_.eps, "adam");
    return d;
  }

private:
  Options o_;
};

template <class S>
using Adam = RuleOptimizer<S, AdamRule<S>>;

extern template class RuleOptimizer<double, AdamRule<double>>;
extern template class RuleOptimizer<Real, AdamRule<Real>>;

}  // namespace muonlab::solvers
