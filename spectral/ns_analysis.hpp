// What a Newton–Schulz step p(x) = a x + b x³ + c x⁵ does to a singular value, for any coefficient set.
//
// For each distinct step: its fixed points p(x) = x (x > 0), their slopes p'(x*) (|p'| < 1 attracting), its
// critical points p'(x) = 0 and values there, the invariant band (the smallest interval around the fixed point
// nearest 1 that p maps into itself: where repeated steps leave the singular values oscillating), the growth
// factor p'(0) = a of tiny singular values, and the over-scaled side: the largest σ pulled back into the band
// in one step and the divergence threshold (the largest x with |p(x)| = x, beyond which |p(x)| > x, so that
// repeated steps blow up). Computed in MPFR; the band is certified with Arb (certify_maps_into).
#pragma once

#include "spectral/newton_schulz.hpp"
#include "spectral/scalar.hpp"

#include <string>
#include <vector>

namespace muonlab::spectral {

struct NsStepAnalysis {
  NsStep<Real> step;
  std::vector<int> uses;                       // 1-based positions in the schedule using this step
  std::vector<Real> fixed_points;              // positive, ascending
  std::vector<Real> fixed_point_slopes;        // p'(x*)
  std::vector<Real> critical_points;           // positive, ascending
  std::vector<Real> critical_values;           // p at those points
  bool has_band = false;
  Real band_lo, band_hi;
  int band_certified = -1;                     // 1 p(band) ⊆ band certified, 0 certainly not, −1 undecided/none
  std::string band_note;
  Real growth_at_zero;                         // p'(0) = a
  bool has_recapture = false;
  Real recapture_limit;                        // σ ∈ (band_hi, recapture_limit] map to ≤ band_hi in one step
  bool has_divergence = false;
  Real divergence_threshold;                   // σ > this grow without bound under repeated steps (|p(x)| > x)
};

struct NsAnalysis {
  std::string name;
  int steps = 0;
  std::vector<NsStepAnalysis> distinct;        // in order of first use
  Real growth_at_zero;                         // Π a_k: a tiny σ becomes ≈ σ·Π a_k
  Real smallest_to_unit;                       // σ0 with σ0·Π a_k = 1: below it the schedule leaves σ ≪ 1
  unsigned digits = 0;
};

/// Analyzes every distinct step of the schedule at `digits` decimal digits (≥ 20).
NsAnalysis analyze_schedule(const NsSchedule<Real>& schedule, unsigned digits = 40);

/// Positive real roots x of α x⁴ + β x² + γ = 0 (a quadratic in y = x²), ascending.
std::vector<Real> positive_even_quartic_roots(const Real& alpha, const Real& beta, const Real& gamma);

}  // namespace muonlab::spectral
