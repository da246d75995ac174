// Gradient descent and sign gradient descent (REFERENCE §2): the two field-only optimizers, exact in rationals.
//
//   GD:      W ← W(1 − lr·wd) − lr·G
//   SignGD:  W ← W(1 − lr·wd) − lr·sign(G)      sign(0) = 0
#pragma once

#include "solvers/optimizer_base.hpp"

namespace muonlab::solvers {

template <class S>
class Gd final : public OptimizerBase<S> {
public:
  explicit Gd(S wd = S(0), std::string name = "gd") : OptimizerBase<S>(std::move(name), std::move(wd)) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<Gd>(*this); }

protected:
  Mat<S> direction_only(const Mat<S>& g) const override { return g; }
  Mat<S> commit(const Mat<S>& g) override { return g; }
  void apply_update(Mat<S>& w, const Mat<S>& g, const S& lr) override {
    if (&w == &g) return OptimizerBase<S>::apply_update(w, g, lr);  // aliased: decay must not touch g first
    this->apply_decay(w, lr);
    for (Eigen::Index j = 0; j < w.cols(); ++j)
      for (Eigen::Index i = 0; i < w.rows(); ++i) w(i, j) -= lr * g(i, j);
  }
};

template <class S>
class SignGd final : public OptimizerBase<S> {
public:
  explicit SignGd(S wd = S(0), std::string name = "signgd") : OptimizerBase<S>(std::move(name), std::move(wd)) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<SignGd>(*this); }

protected:
  // Thm 3.1: SignGD steps along sign(∇L), sign(0) = 0.
  Mat<S> direction_only(const Mat<S>& g) const override { return spectral::sign(g); }
  Mat<S> commit(const Mat<S>& g) override { return spectral::sign(g); }
  // In place: w − lr·(±1) is w ∓ lr exactly, and w − lr·0 = w, so this equals the generic path bit for bit.
  void apply_update(Mat<S>& w, const Mat<S>& g, const S& lr) override {
    if (&w == &g) return OptimizerBase<S>::apply_update(w, g, lr);  // aliased: decay must not touch g first
    this->apply_decay(w, lr);
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

extern template class Gd<double>;
extern template class Gd<Real>;
extern template class Gd<Rational>;
extern template class SignGd<double>;
extern template class SignGd<Real>;
extern template class SignGd<Rational>;

}  // namespace muonlab::solvers
