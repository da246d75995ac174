// What every optimizer in solvers/ shares: argument guards, the step counter, decoupled weight decay, and the
// state map (REFERENCE §3; docs/optimizers.md "Guards" and "State").
//
// Each concrete optimizer writes one const function `compute(g)` that returns the update direction together with
// the state the step would leave behind; `step` commits it and `peek_direction` discards it, so the two can never
// disagree.
#pragma once  // Tested by tests/properties/test_hardening.cpp ("NaN/Inf in the gradient, the parameter or the step size is an InputError that changes nothing")

#include "solvers/ipow.hpp"
#include "solvers/optimizer.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"

#include <cmath>
#include <string>

namespace muonlab::solvers {

/// Throws InputError unless every entry of `a` is finite; `who` and `what` name the caller and the argument.
template <class S>
void require_finite(const Mat<S>& a, const std::string& who, const std::string& what) {
  if constexpr (!ScalarTraits<S>::is_exact) {
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      for (Eigen::Index i = 0; i < a.rows(); ++i)
        if (!is_finite(a(i, j)))
          throw InputError(who + ": " + what + " has a non-finite entry at (" + std::to_string(i) + ", " +
                           std::to_string(j) + ")");
  } else {
    (void)a, (void)who, (void)what;
  }
}

/// "3x4".
inline std::string shape_text(Eigen::Index rows, Eigen::Index cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

/// Entry-wise a / b with 0/0 := 0. An entry with a zero denominator and a non-zero numerator is reported: with
/// eps = 0 it means the second moment underflowed while the first did not.
template <class S>
S safe_ratio(const S& a, const S& b, const char* who) {
  if (b == S(0)) {
    if (a == S(0)) return S(0);
    throw NumericalError(std::string(who) + ": zero denominator with a non-zero numerator (second moment "
                                            "underflowed at this precision; use eps > 0 or more --digits)");
  }
  return a / b;
}

template <class S>
class OptimizerBase : public Optimizer<S> {
public:
  std::string name() const override { return name_; }

  void step(Mat<S>& w, const Mat<S>& g, const S& lr) final {
    check_args(w, g);
    if (!is_finite(lr) || lr < S(0)) throw InputError(name_ + ": the step size must be finite and >= 0");
    require_finite(w, name_, "the parameter W");
    apply_update(w, g, lr);
    ++steps_;
  }

  Mat<S> peek_direction(const Mat<S>& g) const final {
    require_finite(g, name_, "the gradient");
    return direction_only(g);
  }

  void reset() override {
    steps_ = 0;
    clear_moments();
  }

  std::map<std::string, Mat<S>> state() const override {
    std::map<std::string, Mat<S>> out = moments();
    out["step"] = Mat<S>::Constant(1, 1, S(steps_));
    return out;
  }

  void set_state(const std::map<std::string, Mat<S>>& st) override {
    auto it = st.find("step");
    if (it == st.end() || it->second.rows() != 1 || it->second.cols() != 1)
      throw InputError(name_ + ": state needs a 1x1 'step' entry");
    const S s = it->second(0, 0);
    if (!(s >= S(0)) || S(static_cast<long>(to_double(s))) != s)
      throw InputError(name_ + ": state 'step' must be a non-negative integer");
    std::map<std::string, Mat<S>> rest = st;
    rest.erase("step");
    set_moments(rest);
    steps_ = static_cast<long>(to_double(s));
  }

  /// Steps taken since construction or reset.
  long steps() const { return steps_; }
  /// The decoupled weight-decay coefficient.
  const S& weight_decay() const { return wd_; }

protected:
  OptimizerBase(std::string name, S wd) : name_(std::move(name)), wd_(std::move(wd)) {}

  /// W ← W(1 − lr·wd) − lr·commit(g). Overridden by the rules that can update W in place without forming the
  /// direction (GD, SignGD: no allocation per step, which matters at high precision); an override must give the
  /// same values bit for bit and must not throw after touching W.
  virtual void apply_update(Mat<S>& w, const Mat<S>& g, const S& lr) {
    Mat<S> d = commit(g);  // by value: never aliases g, and any error is raised before W is touched
    apply_decay(w, lr);
    w.noalias() -= lr * d;
  }
  /// Decoupled weight decay W ← W(1 − lr·wd), with the unadjusted lr (PyTorch AdamW).
  void apply_decay(Mat<S>& w, const S& lr) const {
    if (wd_ != S(0)) w *= S(1) - lr * wd_;
  }

  /// The direction for g given the current state, without changing it (g is already checked).
  virtual Mat<S> direction_only(const Mat<S>& g) const = 0;
  /// The direction for g, updating the moments (g is already checked).
  virtual Mat<S> commit(const Mat<S>& g) = 0;
  virtual std::map<std::string, Mat<S>> moments() const { return {}; }
  virtual void set_moments(const std::map<std::string, Mat<S>>& st) {
    if (!st.empty()) throw InputError(name_ + ": unexpected state entry '" + st.begin()->first + "'");
  }
  virtual void clear_moments() {}

  /// Shapes agree, g finite, and g matches the shape of the moments if any.
  void check_args(const Mat<S>& w, const Mat<S>& g) const {
    if (w.rows() != g.rows() || w.cols() != g.cols())
      throw InputError(name_ + ": gradient is " + shape_text(g.rows(), g.cols()) + " but the parameter is " +
                       shape_text(w.rows(), w.cols()));
    if (g.size() == 0) throw InputError(name_ + ": empty parameter");
    require_finite(g, name_, "the gradient");
  }

  /// Throws unless a stored moment matches g's shape (a parameter's optimizer state belongs to that parameter).
  void check_moment_shape(const Mat<S>& moment, Eigen::Index rows, Eigen::Index cols, const char* what) const {
    if (moment.size() != 0 && (moment.rows() != rows || moment.cols() != cols))
      throw InputError(name_ + ": " + what + " state is " + shape_text(moment.rows(), moment.cols()) +
                       " but the gradient needs " + shape_text(rows, cols) + " (reset() before a new parameter)");
  }

  /// Takes one named entry out of a state map (empty matrix if absent), checking its shape against `expect`
  /// when both are known.
  static Mat<S> take(std::map<std::string, Mat<S>>& st, const std::string& key) {
    auto it = st.find(key);
    if (it == st.end()) return Mat<S>();
    Mat<S> out = it->second;
    st.erase(it);
    return out;
  }

  std::string name_;
  S wd_;
  long steps_ = 0;
};

}  // namespace muonlab::solvers
