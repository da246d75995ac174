// What every optimizer in solvers/ shares: argument guards, the step counter, decoupled weight decay, and the
// state map (REFERENCE §3; docs/optimizers.md "Guards" and "State").
//
// Each rule writes one const function `direction(g, state, t, next)` that returns the update direction together
// with the state the step would leave behind; `step` commits it and `peek_direction` discards it, so the two can
// never disagree.
#pragma once  // Tested by tests/properties/test_hardening.cpp ("NaN/Inf in the gradient, the parameter or the step size is an InputError that changes nothing")

#include "solvers/hyperparams.hpp"
#include "solvers/ipow.hpp"
#include "solvers/optimizer.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"

#include <array>
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

/// A scalar key that may be left unset (its default text is empty: derived from another key).
template <class S>
std::optional<S> optional_scalar(const SpecReader& r, const std::string& key) {
  if (r.text(key).empty()) return std::nullopt;
  return r.template scalar<S>(key);
}

/// `ns_steps`: 0 (the schedule's own length) when unset.
inline long ns_steps_of(const SpecReader& r) { return r.text("ns_steps").empty() ? 0 : r.integer("ns_steps"); }

/// One named matrix of a rule's per-run state; `column`: m×1 for an m×n parameter (a per-row statistic),
/// otherwise the parameter's shape.
struct StateField {
  const char* name;
  bool column;
};

/// What every optimizer shares, whatever its rule: the name, the decoupled weight decay, the step counter and the
/// argument guards. The rule-specific work is RuleOptimizer's (below); cli/ and theory/ read weight_decay() here.
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

  void reset() final {
    steps_ = 0;
    clear_state();
  }

  std::map<std::string, Mat<S>> state() const final {
    std::map<std::string, Mat<S>> out = save_state();
    out["step"] = Mat<S>::Constant(1, 1, S(steps_));
    return out;
  }

  void set_state(const std::map<std::string, Mat<S>>& st) final {
    auto it = st.find("step");
    if (it == st.end() || it->second.rows() != 1 || it->second.cols() != 1)
      throw InputError(name_ + ": state needs a 1x1 'step' entry");
    const S s = it->second(0, 0);
    if (!(s >= S(0)) || S(static_cast<long>(to_double(s))) != s)
      throw InputError(name_ + ": state 'step' must be a non-negative integer");
    std::map<std::string, Mat<S>> rest = st;
    rest.erase("step");
    load_state(std::move(rest));
    steps_ = static_cast<long>(to_double(s));
  }

  /// Steps taken since construction or reset.
  long steps() const { return steps_; }
  /// The decoupled weight-decay coefficient.
  const S& weight_decay() const { return wd_; }

protected:
  OptimizerBase(std::string name, S wd) : name_(std::move(name)), wd_(std::move(wd)) {}

  /// W ← W(1 − lr·wd) − lr·direction, updating the state (g is already checked); must not throw after touching W.
  virtual void apply_update(Mat<S>& w, const Mat<S>& g, const S& lr) = 0;
  /// The direction for g given the current state, without changing it.
  virtual Mat<S> direction_only(const Mat<S>& g) const = 0;
  virtual std::map<std::string, Mat<S>> save_state() const = 0;
  virtual void load_state(std::map<std::string, Mat<S>> st) = 0;
  virtual void clear_state() = 0;

  /// Decoupled weight decay W ← W(1 − lr·wd), with the unadjusted lr (PyTorch AdamW).
  void apply_decay(Mat<S>& w, const S& lr) const {
    if (wd_ != S(0)) w *= S(1) - lr * wd_;
  }

  /// Shapes agree, g finite.
  void check_args(const Mat<S>& w, const Mat<S>& g) const {
    if (w.rows() != g.rows() || w.cols() != g.cols())
      throw InputError(name_ + ": gradient is " + shape_text(g.rows(), g.cols()) + " but the parameter is " +
                       shape_text(w.rows(), w.cols()));
    if (g.size() == 0) throw InputError(name_ + ": empty parameter");
    require_finite(g, name_, "the gradient");
  }

  std::string name_;
  S wd_;
  long steps_ = 0;
};

/// An optimizer is a thin driver around an update rule (ensmallen's update policies). A Rule provides
///   using Options;  explicit Rule(Options);  const Options& options() const;
///   static constexpr const char* kName;                      the default name
///   static constexpr std::array<StateField, N> kState;       its per-run state, by name (N may be 0)
///   Mat<S> direction(const Mat<S>& g, const State& s, long t, State& next) const;
///       the direction for g at step t (1-based) from state s, and the state the step leaves in `next`
///   static constexpr bool kInPlace;  void update_in_place(Mat<S>& w, const Mat<S>& g, const S& lr) const;
///       (GD, SignGD) W ← W − lr·direction without forming it, bit for bit the same values
/// where State = std::array<Mat<S>, N>, every entry empty until the first step. The driver owns the state and
/// writes, once for every rule, its commit, peek, save, restore, reset and shape checks.
template <class S, class Rule>
class RuleOptimizer final : public OptimizerBase<S> {
public:
  using Options = typename Rule::Options;
  static constexpr std::size_t N = Rule::kState.size();
  using State = std::array<Mat<S>, N>;

  explicit RuleOptimizer(Options o = {}, std::string name = Rule::kName)
      : OptimizerBase<S>(std::move(name), o.wd), rule_(std::move(o)) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<RuleOptimizer>(*this); }
  const Options& options() const { return rule_.options(); }
  const Rule& rule() const { return rule_; }

protected:
  void apply_update(Mat<S>& w, const Mat<S>& g, const S& lr) override {
    if constexpr (Rule::kInPlace) {
      if (&w != &g) {  // aliased: the decay must not touch g first
        this->apply_decay(w, lr);
        rule_.update_in_place(w, g, lr);
        return;
      }
    }
    State next;
    Mat<S> d = compute(g, next);  // by value: never aliases g, and any error is raised before W is touched
    state_ = std::move(next);
    this->apply_decay(w, lr);
    w.noalias() -= lr * d;
  }

  Mat<S> direction_only(const Mat<S>& g) const override {
    State next;
    return compute(g, next);
  }

  std::map<std::string, Mat<S>> save_state() const override {
    std::map<std::string, Mat<S>> out;
    if constexpr (N > 0) {
      if (state_[0].size() == 0) return out;
      for (std::size_t i = 0; i < N; ++i) out[Rule::kState[i].name] = state_[i];
    }
    return out;
  }

  void load_state(std::map<std::string, Mat<S>> st) override {
    State s;
    for (std::size_t i = 0; i < N; ++i) {
      auto it = st.find(Rule::kState[i].name);
      if (it == st.end()) continue;
      s[i] = std::move(it->second);
      st.erase(it);
    }
    if (!st.empty()) throw InputError(this->name_ + ": unexpected state entry '" + st.begin()->first + "'");
    if constexpr (N > 0) {
      for (std::size_t i = 1; i < N; ++i) {
        const Eigen::Index rows = s[0].rows(), cols = Rule::kState[i].column && s[0].size() ? 1 : s[0].cols();
        if (s[i].rows() != rows || s[i].cols() != cols)
          throw InputError(this->name_ + ": state '" + Rule::kState[i].name + "' must be " + shape_text(rows, cols) +
                           " for a " + shape_text(s[0].rows(), s[0].cols()) + " '" + Rule::kState[0].name + "'");
      }
    }
    state_ = std::move(s);
  }

  void clear_state() override { state_ = State{}; }

private:
  /// The rule's direction, after checking that the stored state belongs to a parameter of g's shape.
  Mat<S> compute(const Mat<S>& g, State& next) const {
    if constexpr (N > 0) {
      const Mat<S>& s0 = state_[0];
      if (s0.size() != 0 && (s0.rows() != g.rows() || s0.cols() != g.cols()))
        throw InputError(this->name_ + ": " + Rule::kState[0].name + " state is " + shape_text(s0.rows(), s0.cols()) +
                         " but the gradient needs " + shape_text(g.rows(), g.cols()) +
                         " (reset() before a new parameter)");
    }
    return rule_.direction(g, state_, this->steps_ + 1, next);
  }

  Rule rule_;
  State state_;
};

}  // namespace muonlab::solvers
