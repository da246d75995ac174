// Rigorous enclosures for Newton–Schulz / Polar Express schedules, by ball arithmetic (Arb).
//
// The composed polynomial φ = p_n ∘ … ∘ p_1 of a schedule is continuous, so the image of an interval is an
// interval and images compose: φ([l, u]) = p_n(…p_1([l, u])). The image of an interval J under one quintic is
// spanned by its values at the ends of J and at the critical points of p inside J (the real roots of
// p'(x) = a + 3b x² + 5c x⁴, found as balls). certify_image propagates two intervals through the steps: an
// outer one (contains the true image) and an inner one (contained in it), so every reported quantity comes with
// a certified lower and upper bound. As in Arb, a success guarantees the enclosure; a shortfall (a critical point
// whose position relative to an interval cannot be decided, an empty inner interval, an enclosure wider than
// requested) is a *returned* status, never a wrong answer. The coefficients are taken exactly as given (a double
// coefficient is the binary64 number itself, not the decimal it was printed from).
#pragma once

#include "spectral/newton_schulz.hpp"
#include "spectral/scalar.hpp"

#include <string>
#include <vector>

namespace muonlab::spectral {

enum class CertStatus { certified, undecided };
const char* to_string(CertStatus s);

/// A certified real interval [lo, hi] ∋ the true value (or ⊇ the true set), endpoints as MPFR numbers.
struct CertInterval {
  Real lo, hi;
  double width() const;
};

struct CertifyOptions {
  unsigned digits = 50;        // working precision of the balls (decimal digits)
  /// Certified only if the enclosure of max|φ − 1| is decided to this relative width (and the image ends to
  /// this relative width of the image).
  double rel_tol = 1e-6;
};

struct ImageCertificate {
  CertStatus status = CertStatus::undecided;
  std::string message;                 // why undecided (empty when certified)
  Real lower, upper;                   // the input interval [l, u]
  /// φ([l, u]) ⊆ outer and ⊇ inner (inner may be empty when undecided: inner.lo > inner.hi).
  CertInterval outer, inner;
  CertInterval min_value, max_value;   // min φ and max φ over [l, u]
  CertInterval max_error;              // max_{x∈[l,u]} |φ(x) − 1|
  CertInterval derivative_at_zero;     // φ'(0) = Π a_k
  /// After each step k (1-based index k−1): the outer image of [l, u] under p_k ∘ … ∘ p_1 and the enclosure of
  /// max|φ_k − 1| (the per-iteration error of the Polar Express paper's figures).
  std::vector<CertInterval> stage_outer, stage_error;
  unsigned digits = 0;
};

/// Certifies the image of [lower, upper] (0 ≤ lower < upper) under the composition of the steps.
/// Throws InputError for an empty/invalid interval or no steps; never throws for numerical shortfalls.
ImageCertificate certify_image(const std::vector<NsStep<Real>>& steps, const Real& lower, const Real& upper,
                               const CertifyOptions& options = {});

/// An independent outer enclosure of φ([lower, upper]) by subdivision: branch and bound over pieces of the
/// interval, φ on each piece in ball arithmetic in mean-value form φ(m) + φ'(X)(X − m) (φ' by the chain rule),
/// splitting a piece while it could reach more than target_width beyond the values certainly attained so far.
/// Slower and independent of the critical-point algebra; the tests use it to cross-check certify_image.
CertInterval enclose_image_by_subdivision(const std::vector<NsStep<Real>>& steps, const Real& lower,
                                          const Real& upper, const Real& target_width, unsigned digits);

/// Certifies that one quintic maps [lo, hi] into itself (an invariant band): p([lo, hi]) ⊆ [lo, hi].
/// Returns 1 certainly yes, 0 certainly no, −1 undecided at this precision (STYLE: three-valued predicates).
int certify_maps_into(const NsStep<Real>& step, const Real& lo, const Real& hi, const Real& target_lo,
                      const Real& target_hi, unsigned digits);

}  // namespace muonlab::spectral
