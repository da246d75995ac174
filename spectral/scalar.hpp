// Number types of muonlab and the traits generic code needs from them.
//
//   double    IEEE binary64; heavy lifting goes through LAPACK/BLAS.
//   Real      MPFR through Boost.Multiprecision, precision chosen at run time (one instantiation, 20..2000+ digits).
//   Rational  exact GMP rationals, for the field-only algorithms (SignGD with rational steps, LPs).
//
// Expression templates are off: Eigen needs plain value types.
#pragma once

#include <boost/multiprecision/gmp.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace muonlab {

using Real = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<0>,
                                           boost::multiprecision::et_off>;
using Rational = boost::multiprecision::number<boost::multiprecision::gmp_rational,
                                               boost::multiprecision::et_off>;

/// Working precision of `Real`, in decimal digits, for the current thread.
unsigned real_digits();
/// Sets the working precision of newly created `Real`s. Prefer `PrecisionScope`.
void set_real_digits(unsigned digits);

/// Sets the working precision of `Real` for a scope and restores the previous one on exit.
/// Values created inside keep their precision; convert them (`Real(x)`) after the scope ends if needed.
class PrecisionScope {
public:
  explicit PrecisionScope(unsigned digits) : saved_(real_digits()) { set_real_digits(digits); }
  ~PrecisionScope() { set_real_digits(saved_); }
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

private:
  unsigned saved_;
};

/// What generic numerical code needs to know about a scalar type.
/// `epsilon()` is the unit roundoff of the *current* precision (0 for exact types);
/// `digits()` the decimal digits carried (0 = exact).
template <class S>
struct ScalarTraits;

template <>
struct ScalarTraits<double> {
  static constexpr bool is_exact = false;
  static constexpr const char* name = "double";
  static double epsilon() { return std::numeric_limits<double>::epsilon(); }
  static unsigned digits() { return 15; }
};

template <>
struct ScalarTraits<float> {
  static constexpr bool is_exact = false;
  static constexpr const char* name = "float";
  static float epsilon() { return std::numeric_limits<float>::epsilon(); }
  static unsigned digits() { return 6; }
};

template <>
struct ScalarTraits<Real> {
  static constexpr bool is_exact = false;
  static constexpr const char* name = "mpfr";
  static Real epsilon();
  static unsigned digits() { return real_digits(); }
};

template <>
struct ScalarTraits<Rational> {
  static constexpr bool is_exact = true;
  static constexpr const char* name = "rational";
  static Rational epsilon() { return Rational(0); }
  static unsigned digits() { return 0; }
};

/// Whether x is finite (always true for rationals).
inline bool is_finite(double x) { return std::isfinite(x); }
inline bool is_finite(float x) { return std::isfinite(x); }
bool is_finite(const Real& x);
inline bool is_finite(const Rational&) { return true; }

/// Conversions used at the boundaries (printing, plotting, error metrics).
inline double to_double(double x) { return x; }
inline double to_double(float x) { return x; }
double to_double(const Real& x);
double to_double(const Rational& x);

/// Decimal string with `digits` significant digits (0 = all the type carries; exact p/q for rationals).
std::string to_string(double x, unsigned digits = 0);
std::string to_string(const Real& x, unsigned digits = 0);
std::string to_string(const Rational& x, unsigned digits = 0);

/// Parses a decimal or p/q literal into the scalar type exactly (rationals) or correctly rounded (floating).
/// Throws muonlab::InputError on anything that is not a finite number.
template <class S>
S parse_scalar(const std::string& text);

/// Largest precision for which `--digits` is accepted; guards against accidental huge allocations.
inline constexpr unsigned kMaxDigits = 100000;
/// Smallest precision accepted for `Real`.
inline constexpr unsigned kMinDigits = 10;

}  // namespace muonlab
