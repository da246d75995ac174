// Gradient descent and sign gradient descent (REFERENCE §2): the two field-only optimizers, exact in rationals.
//
//   GD:      W ← W(1 − lr·wd) − lr·G
//   SignGD:  W ← W(1 − lr·wd) − lr·sign(G)      sign(0) = 0
#pragma once

#include "solvers/optimizer_base.hpp"

namespace muonlab::solvers {

/// The defaults, written once (GdOptions and the registry's key table read them).
struct GdDefaults {
  static constexpr const char* wd = "0";
};

template <class S>
struct GdOptions {
  S wd = parse_scalar<S>(GdDefaults::wd);
  static GdOptions from(const SpecReader& r) { return {r.template scalar<S>("wd")}; }
};

/// What GD and SignGD share as update rules: GdOptions, no state, an in-place update.
template <class S>
class StatelessRule {
public:
  using Options = GdOptions<S>;
  static constexpr std::array<StateField, 0> kState{};
  static constexpr bool kInPlace = true;

  explicit StatelessRule(Options o) : o_(std::move(o)) {}
  const Options& options() const { return o_; }

private:
  Options o_;
};

/// GD as an update rule (no state): the direction is G.
template <class S>
class GdRule : public StatelessRule<S> {
public:
  using StatelessRule<S>::StatelessRule;
  static constexpr const char* kName = "gd";

  Mat<S> direction(const Mat<S>& g, const std::array<Mat<S>, 0>&, long, std::array<Mat<S>, 0>&) const { return g; }
  // In place: no allocation per step, which matters at high precision.
  void update_in_place(Mat<S>& w, const Mat<S>& g, const S& lr) const {
    for (Eigen::Index j = 0; j < w.cols(); ++j)
      for (Eigen::Index i = 0; i < w.rows(); ++i) w(i, j) -= lr * g(i, j);
  }
};

/// SignGD as an update rule (no state). Thm 3.1: SignGD steps along sign(∇L), sign(0) = 0.
template <class S>
class SignGdRule : public StatelessRule<S> {
public:
  using StatelessRule<S>::StatelessRule;
  static constexpr const char* kName = "signgd";

  Mat<S> direction(const Mat<S>& g, const std::array<Mat<S>, 0>&, long, std::array<Mat<S>, 0>&) const {
    return spectral::sign(g);
  }
  // In place: w − lr·(±1) is w ∓ lr exactly, and w − lr·0 = w, so this equals the generic path bit for bit.
  void update_in_place(Mat<S>& w, const Mat<S>& g, const S& lr) const {
    const S zero(0);  // hoisted: constructing an MPFR zero per comparison would dominate the step
    for (Eigen::Index j = 0; j < w.cols(); ++j)
      for (Eigen::Index i = 0; i < w.rows(); ++i) {
        if (g(i, j) > zero)
          w(i, j) -= lr;
        else if (g(i, j) < zero)
          w(i, j) += lr;
      }
  }
};

template <class S>
using Gd = RuleOptimizer<S, GdRule<S>>;
template <class S>
using SignGd = RuleOptimizer<S, SignGdRule<S>>;

extern template class RuleOptimizer<double, GdRule<double>>;
extern template class RuleOptimizer<Real, GdRule<Real>>;
extern template class RuleOptimizer<Rational, GdRule<Rational>>;
extern template class RuleOptimizer<double, SignGdRule<double>>;
extern template class RuleOptimizer<Real, SignGdRule<Real>>;
extern template class RuleOptimizer<Rational, SignGdRule<Rational>>;

}  // namespace muonlab::solvers
