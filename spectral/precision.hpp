// The working precision as a value (DESIGN: "precision is a value passed in the options").
//
// A `Precision` is created once from --digits, carried in the options of every claim, solver and command, and opens
// the MPFR scope once, at the entry of a computation (`auto scope = precision.scope();`). Inside, `Real`s are
// created at its precision and every tolerance is derived from it:
//
//     const Real tol = s.precision.tolerance(max(m, n), rounding::kSvd) * kappa;   // 100·n·u·κ
//
// `tolerance(n, C)` is C·n·u with u the unit roundoff and C one of the named constants below: each says which
// rounding-error bound it covers, so a claim's tolerance reads as the bound it implements. Tolerances are `Real`s
// of the working precision (never `double`, which underflows below 1e-308, i.e. from about 310 digits on).
// See docs/conventions.md ("Precision").
#pragma once

#include "spectral/scalar.hpp"

#include <string>

namespace muonlab::spectral {

/// A named constant C of Precision::tolerance(n, C) = C·n·u: which rounding-error bound it covers.
struct RoundingConstant {
  double value;
  const char* name;
  const char* covers;
};

namespace rounding {
/// A sum or dot product of n terms is accurate to γ_n ≈ n·u relative to the sum of the |terms| (Higham, Accuracy and
/// Stability, Thm 3.1, Lemma 3.1); 16 covers the few such sums, squares and quotients a closed form chains.
inline constexpr RoundingConstant kSums{16, "sums", "a few chained n-term sums, products and quotients (16 n u)"};
/// Products of n-wide matrices, norms and small dense solves (Gaussian elimination, LDLᵀ): backward error γ_n per
/// product or solve (Higham Thms 3.5, 9.4); 64 covers a chain of a few of them and the comparison at the end.
inline constexpr RoundingConstant kProducts{64, "products",
                                            "a chain of a few n-wide matrix products, norms or small solves (64 n u)"};
/// A one-sided Jacobi SVD or polar factor of an n-wide matrix: backward error O(n·u) with constants in the tens,
/// singular values to high relative accuracy (Demmel & Veselić 1992; Higham, Functions of Matrices §8.1); 100 covers
/// those constants and the products formed from the factors.
inline constexpr RoundingConstant kSvd{100, "svd", "an SVD or polar factor and the products formed from it (100 n u)"};
/// An iteration of n steps, each rounding O(1) operations on entries of the size of the iterate: errors add up to
/// n·u·(size) at worst (no cancellation amplification); 10 covers the operations of one step.
inline constexpr RoundingConstant kSteps{10, "steps", "n steps of an iteration, each a few roundings (10 n u)"};
}  // namespace rounding

/// The working precision of `Real`: decimal digits, binary digits and unit roundoff, the tolerances derived from them,
/// and the MPFR scope. Cheap to copy; independent of the thread's current precision.
class Precision {
public:
  /// `digits` decimal digits; InputError outside [kMinDigits, kMaxDigits].
  explicit Precision(unsigned digits = 50);

  unsigned digits() const { return digits_; }
  /// Binary digits of the MPFR mantissa (at least digits·log2(10)).
  unsigned bits() const { return bits_; }
  /// The unit roundoff u = 2^(1 − bits): the machine epsilon of the precision, an upper bound of the relative error
  /// of one rounded operation (ScalarTraits<Real>::epsilon() inside this precision's scope).
  Real unit_roundoff() const;
  /// C·n·u: the tolerance a computation with the rounding bound named by C, of size n, allows (in the working
  /// precision). n ≥ 0; multiply by a condition number or a scale where the bound has one.
  Real tolerance(double n, const RoundingConstant& c) const;

  /// The same for another scalar type: `double` has u = 2^-52, `Rational` u = 0 (exact: every tolerance is 0),
  /// `Real` as above.
  template <class S>
  S unit_roundoff_of() const;
  template <class S>
  S tolerance_of(double n, const RoundingConstant& c) const {
    return S(c.value) * S(n) * unit_roundoff_of<S>();
  }

  /// A precision `extra` digits higher (e.g. a reference computation), or `factor` times the digits (a recheck);
  /// both capped at kMaxDigits.
  Precision plus(unsigned extra) const;
  Precision times(unsigned factor) const;

  /// Opens the MPFR scope: `Real`s created while it lives have this precision. Open it once, at the entry of a
  /// computation (C++17 guarantees the scope is not copied: `auto scope = p.scope();`).
  PrecisionScope scope() const { return PrecisionScope(digits_); }

  /// "50 digits (u = 5.3e-51)".
  std::string describe() const;

  bool operator==(const Precision& o) const { return digits_ == o.digits_; }
  bool operator!=(const Precision& o) const { return digits_ != o.digits_; }

private:
  unsigned digits_;
  unsigned bits_;
};

template <>
inline double Precision::unit_roundoff_of<double>() const {
  return std::numeric_limits<double>::epsilon();
}
template <>
inline Rational Precision::unit_roundoff_of<Rational>() const {
  return Rational(0);
}
template <>
inline Real Precision::unit_roundoff_of<Real>() const {
  return unit_roundoff();
}

/// x in scientific notation with `significant` digits, at any magnitude MPFR represents ("3.20e-2871"); "nan",
/// "inf", "-inf" for those. Never passes through `double`.
std::string to_scientific(const Real& x, unsigned significant = 3);

}  // namespace muonlab::spectral
