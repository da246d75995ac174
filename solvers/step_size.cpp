#include "solvers/ipow.hpp"
#include "solvers/step_size.hpp"

#include "spectral/errors.hpp"

#include <boost/math/constants/constants.hpp>

#include <cmath>

namespace muonlab::solvers {
namespace {

const Rational kZero(0), kOne(1);

struct Kind {
  std::string name, description;
  std::vector<KeyInfo> keys;
};

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      {"constant", "eta_t = lr (not Robbins-Monro: eta_t does not tend to 0)",
       {scalar_key("lr", "0.1", "the step size", kZero, true, std::nullopt, false)}},
      {"power", "eta_t = lr/(t+1)^p; Robbins-Monro iff 0 < p <= 1",
       {scalar_key("lr", "1", "eta_0", kZero, true, std::nullopt, false),
        scalar_key("p", "1", "decay exponent", kZero, false, std::nullopt, false)}},
      {"cosine", "eta_t = min + (lr - min)(1 + cos(pi t/T))/2 for t <= T, then min (finite horizon)",
       {scalar_key("lr", "0.1", "eta_0", kZero, true, std::nullopt, false),
        integer_key("steps", "1000", "the horizon T", 1),
        scalar_key("min", "0", "the final value", kZero, false, std::nullopt, false)}},
      {"linear",
       "eta_t = lr until (1 - warmdown)T, then linear to final at T, then final (finite horizon; nanochat: "
       "warmdown = 0.2, final = 0)",
       {scalar_key("lr", "0.1", "eta_0", kZero, true, std::nullopt, false),
        integer_key("steps", "1000", "the horizon T", 1),
        scalar_key("final", "0", "the value at and after T", kZero, false, std::nullopt, false),
        scalar_key("warmdown", "1", "fraction of T spent decaying", kZero, true, kOne, false)}},
  };
  return k;
}

const Kind& kind(const std::string& name) {
  for (const auto& k : kinds())
    if (k.name == name) return k;
  std::string known;
  for (const auto& k : kinds()) known += (known.empty() ? "" : ", ") + k.name;
  throw InputError("unknown step-size schedule '" + name + "' (known: " + known + ", or a bare number)");
}

void check_t(long t) {
  if (t < 0) throw InputError("step-size schedule: step index must be >= 0, not " + std::to_string(t));
}

/// Robbins–Monro for a schedule constant from t = T on, at 0 (`sum`: a note on the finite sum) or at `end` > 0.
RobbinsMonro finite_horizon(bool ends_at_zero, const std::string& end, const std::string& sum) {
  if (ends_at_zero)
    return {true, false,
            "finite horizon: eta_t = 0 from t = T on, so the sum is finite" + sum +
                "; only a family with T -> infinity meets the conditions in the limit"};
  return {false, true, "finite horizon: eta_t = " + end + " > 0 from t = T on, so eta_t does not tend to 0"};
}

template <class S>
class Constant final : public StepSize<S> {
public:
  Constant(S lr, std::string name) : lr_(std::move(lr)), name_(std::move(name)) {}
  S at(long t) const override { return check_t(t), lr_; }
  std::string name() const override { return name_; }
  RobbinsMonro robbins_monro() const override {
    return {false, true, "constant step: the sum diverges but eta_t does not tend to 0"};
  }
  std::unique_ptr<StepSize<S>> clone() const override { return std::make_unique<Constant>(*this); }

private:
  S lr_;
  std::string name_;
};

template <class S>
class Power final : public StepSize<S> {
public:
  Power(S lr, Rational p, std::string name) : lr_(std::move(lr)), p_exact_(std::move(p)), name_(std::move(name)) {
    integer_p_ = denominator(p_exact_) == 1 && p_exact_ < Rational(1000000);
    if (integer_p_) {
      ip_ = numerator(p_exact_).convert_to<long>();
    } else if constexpr (ScalarTraits<S>::is_exact) {
      throw InputError("power: p=" + p_exact_.str() + " is not an integer, so (t+1)^p is irrational; use --digits");
    } else {
      p_ = static_cast<S>(p_exact_);
    }
  }
  S at(long t) const override {
    check_t(t);
    const S base(t + 1);
    if (integer_p_) return lr_ / ipow(base, ip_);  // exact in rationals: lr/(t+1)^p
    if constexpr (ScalarTraits<S>::is_exact) {
      return S(0);  // unreachable: the constructor rejects it
    } else {
      using std::pow;
      return lr_ / S(pow(base, p_));
    }
  }
  std::string name() const override { return name_; }
  RobbinsMonro robbins_monro() const override {
    if (p_exact_ == 0) return {false, true, "p = 0 is the constant step: eta_t does not tend to 0"};
    if (p_exact_ <= 1) return {true, true, "0 < p <= 1: eta_t -> 0 and sum (t+1)^-p diverges"};
    return {true, false, "p > 1: the sum converges (to lr*zeta(p)), so the iterates can stall short of the limit"};
  }
  std::unique_ptr<StepSize<S>> clone() const override { return std::make_unique<Power>(*this); }

private:
  S lr_;
  Rational p_exact_;
  bool integer_p_ = false;
  long ip_ = 0;
  S p_{};
  std::string name_;
};

template <class S>
class Cosine final : public StepSize<S> {
public:
  Cosine(S lr, long steps, S min, bool min_zero, std::string name)
      : lr_(std::move(lr)), t_(steps), min_(std::move(min)), min_zero_(min_zero), name_(std::move(name)) {}
  S at(long t) const override {
    check_t(t);
    if (t >= t_) return min_;
    if constexpr (ScalarTraits<S>::is_exact) {
      return S(0);  // unreachable: make_step_size rejects cosine for rationals
    } else {
      using std::cos;
      const S pi = boost::math::constants::pi<S>();
      return min_ + (lr_ - min_) * (S(1) + S(cos(pi * S(t) / S(t_)))) / S(2);
    }
  }
  std::string name() const override { return name_; }
  long horizon() const override { return t_; }
  RobbinsMonro robbins_monro() const override { return finite_horizon(min_zero_, "min", " (about lr*T/2)"); }
  std::unique_ptr<StepSize<S>> clone() const override { return std::make_unique<Cosine>(*this); }

private:
  S lr_;
  long t_;
  S min_;
  bool min_zero_;
  std::string name_;
};

template <class S>
class Linear final : public StepSize<S> {
public:
  Linear(S lr, long steps, S final_value, bool final_zero, S warmdown, std::string name)
      : lr_(std::move(lr)), t_(steps), final_(std::move(final_value)), final_zero_(final_zero),
        warmdown_(std::move(warmdown)), name_(std::move(name)) {}
  S at(long t) const override {
    check_t(t);
    if (t >= t_) return final_;
    // progress = (T − t)/(f·T), clipped to [0, 1]; η = final + (lr − final)·progress (exact in rationals)
    S progress = (S(t_) - S(t)) / (warmdown_ * S(t_));
    if (progress > S(1)) progress = S(1);
    return final_ + (lr_ - final_) * progress;
  }
  std::string name() const override { return name_; }
  long horizon() const override { return t_; }
  RobbinsMonro robbins_monro() const override { return finite_horizon(final_zero_, "final", ""); }
  std::unique_ptr<StepSize<S>> clone() const override { return std::make_unique<Linear>(*this); }

private:
  S lr_;
  long t_;
  S final_;
  bool final_zero_;
  S warmdown_;
  std::string name_;
};

std::string full_name(const SpecReader& r) {
  std::string out = r.spec_name() + "(";
  bool first = true;
  for (const auto& k : r.keys()) {
    out += (first ? "" : ",") + k.key + "=" + r.text(k.key);
    first = false;
  }
  return out + ")";
}

bool looks_numeric(const std::string& s) {
  return !s.empty() && s.find(':') == std::string::npos &&
         (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.' || s[0] == '+' || s[0] == '-');
}

}  // namespace

template <class S>
std::unique_ptr<StepSize<S>> make_step_size(const std::string& text) {
  Spec spec;
  if (looks_numeric(text)) {
    spec.text = text;
    spec.name = "constant";
    spec.values = {{"lr", text}};
  } else {
    spec = parse_spec(text, "step size");
  }
  const SpecReader r(spec, kind(spec.name).keys);
  const std::string name = full_name(r);
  if (spec.name == "constant") return std::make_unique<Constant<S>>(r.template scalar<S>("lr"), name);
  if (spec.name == "power") return std::make_unique<Power<S>>(r.template scalar<S>("lr"), r.exact("p"), name);
  if (spec.name == "cosine") {
    if constexpr (ScalarTraits<S>::is_exact)
      throw InputError("cosine step sizes are irrational; use --digits (MPFR) or double");
    return std::make_unique<Cosine<S>>(r.template scalar<S>("lr"), r.integer("steps"), r.template scalar<S>("min"),
                                       r.exact("min") == 0, name);
  }
  return std::make_unique<Linear<S>>(r.template scalar<S>("lr"), r.integer("steps"), r.template scalar<S>("final"),
                                     r.exact("final") == 0, r.template scalar<S>("warmdown"), name);
}

std::vector<std::pair<std::string, std::string>> step_size_help() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& k : kinds()) out.emplace_back(k.name, k.description + "; keys: " + describe_keys(k.keys));
  return out;
}

template std::unique_ptr<StepSize<double>> make_step_size<double>(const std::string&);
template std::unique_ptr<StepSize<Real>> make_step_size<Real>(const std::string&);
template std::unique_ptr<StepSize<Rational>> make_step_size<Rational>(const std::string&);

}  // namespace muonlab::solvers
