// The three max-margin references of a separable classification problem, each certified, and the comparison of
// a run's last iterate with them (REFERENCE §7; issue 19). Shared by the margin-* claims and `muonlab bias
// --problem classify`.
//
//   max  exact rational simplex on the data as the run sees them (an MPFR number is a dyadic rational, so the
//        conversion is exact): γ*_max exactly, certified by the LP dual (solvers/margin_lp.hpp)
//   F    exact rational active-set QP: γ*_F² = 1/‖W*‖F² exactly, certified by Lagrangian duality (margin_qp.hpp)
//   2    barrier method at the working precision, bracketed by the nuclear-norm dual (margin_spectral.hpp)
//
// The direction comparison: for F the maximizer is unique (distance to it); for max it need not be, so the distance
// is to the whole optimal face (an LP); for 2 the distance to the barrier's maximizer is reported without a claim
// of uniqueness.
#pragma once

#include "spectral/precision.hpp"
#include "spectral/scalar.hpp"
#include "toy/classification.hpp"

#include <string>
#include <vector>

namespace muonlab::theory {

struct MarginReference {
  std::string norm;     // "max", "2" or "F"
  std::string method;   // solver and certificate, in words
  bool exact = false;   // value and certificate in exact rationals
  Real lower{0};        // certified γ* ≥ lower (the normalized margin of the solver's maximizer)
  Real upper{0};        // certified γ* ≤ upper (the dual certificate)
  Real rel_gap{0};      // (upper − lower)/upper: exactly 0 for the exact solvers (working precision, never double)
  MatR w;               // the solver's maximizer, normalized to ‖W‖ = 1 in its norm
  Real gamma() const { return lower; }
};

/// The references in the order max, 2, F. `spectral_rel_gap` is the bracket width asked of the barrier method.
/// InputError when the data are not linearly separable.
std::vector<MarginReference> margin_references(const toy::Classification<Real>& problem,
                                               const Real& spectral_rel_gap);

/// The default bracket width for the spectral reference at `precision`: 10^(−0.4·digits) (at most 1e-60), which the
/// barrier method reaches before its Newton systems lose their accuracy near √u (README). A Real of that precision.
Real default_spectral_gap(const spectral::Precision& precision);

/// One norm's comparison of a classifier W with its reference, in the working precision.
struct MarginComparison {
  std::string norm;
  bool defined = true;       // false for W = 0 (no direction): the three numbers below are then NaN
  Real normalized_margin{0};  // γ(W)/‖W‖
  Real gap{0};                // (upper − γ(W)/‖W‖)/upper ≥ 0 up to rounding: how far from the max-margin
  Real distance{0};           // see the header: to the unique maximizer (F), to the optimal face (max, in max
                              // norm), to the barrier's maximizer (2, spectral norm)
};

/// `W` against each reference (same order as `refs`).
std::vector<MarginComparison> compare_margins(const toy::Classification<Real>& problem,
                                              const std::vector<MarginReference>& refs, const MatR& w);

}  // namespace muonlab::theory
