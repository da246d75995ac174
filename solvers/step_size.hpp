// Step-size schedules η_t, t = 0, 1, 2, ... (the toy theorems need η_t → 0 and Σ η_t = ∞; REFERENCE §2).
//
//   constant:lr=η0                                  η_t = η0
//   power:lr=η0,p=P                                 η_t = η0 / (t+1)^P          (P = 1: η0/(t+1), exact in rationals)
//   cosine:lr=η0,steps=T,min=η_min                  η_t = η_min + (η0 − η_min)(1 + cos(π t/T))/2 for t ≤ T, then η_min
//   linear:lr=η0,steps=T,final=η_f,warmdown=f       η_t = η0 until t = (1−f)T, then linear to η_f at t = T, then η_f
//                                                   (f = 0.2, η_f = 0: nanochat's schedule)
//
// robbins_monro() answers, for the infinite sequence, whether η_t → 0 and whether Σ η_t = ∞, with the reason:
//   constant (η0 > 0): Σ = ∞ but η_t ↛ 0 → no.
//   power: P ∈ (0, 1] → yes (Σ (t+1)^−P diverges for P ≤ 1); P > 1 → no (summable, Σ = η0·ζ(P));
//          P = 0 is the constant schedule → no.
//   cosine / linear over a horizon T: eventually constant at the final value, so as infinite sequences they
//          fail (final > 0: η_t ↛ 0; final = 0: Σ η_t is finite, ≈ η0·T/2 for cosine). On the finite horizon they
//          are the usual surrogate: the sum up to T grows linearly in T while the last steps shrink to the final
//          value, so a family of such schedules with T → ∞ meets both conditions in the limit.
#pragma once

#include "solvers/hyperparams.hpp"
#include "spectral/scalar.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::solvers {

/// Whether a schedule, as an infinite sequence, satisfies η_t → 0 and Σ η_t = ∞, and why.
struct RobbinsMonro {
  bool to_zero = false;
  bool sum_diverges = false;
  std::string why;
  bool holds() const { return to_zero && sum_diverges; }
};

template <class S>
class StepSize {
public:
  virtual ~StepSize() = default;
  /// η_t for step t = 0, 1, 2, … (t < 0 is an InputError).
  virtual S at(long t) const = 0;
  /// "power(lr=1,p=1)" style: the kind and every parameter in effect.
  virtual std::string name() const = 0;
  virtual RobbinsMonro robbins_monro() const = 0;
  /// η_t → 0 and Σ η_t = ∞ (the toy theorems' hypothesis).
  bool satisfies_robbins_monro() const { return robbins_monro().holds(); }
  /// The horizon T of a finite schedule (cosine, linear); 0 for the infinite ones.
  virtual long horizon() const { return 0; }
  virtual std::unique_ptr<StepSize<S>> clone() const = 0;
};

/// Builds a schedule from "KIND[:key=value,...]" (see the header comment). A bare number "0.1" is
/// "constant:lr=0.1". Rationals: constant, power with an integer P, and linear are exact; cosine and non-integer P
/// need irrational values and throw InputError.
template <class S>
std::unique_ptr<StepSize<S>> make_step_size(const std::string& spec);

/// The schedule kinds with a one-line description and their keys.
std::vector<std::pair<std::string, std::string>> step_size_help();

}  // namespace muonlab::solvers
