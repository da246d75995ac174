#include "spectral/precision.hpp"

#include "spectral/errors.hpp"

#include <algorithm>
#include <cmath>

namespace muonlab::spectral {

Precision::Precision(unsigned digits) : digits_(digits), bits_(0) {
  if (digits < kMinDigits || digits > kMaxDigits)
    throw InputError("precision of " + std::to_string(digits) + " digits is outside the supported range [" +
                     std::to_string(kMinDigits) + ", " + std::to_string(kMaxDigits) + "]");
  PrecisionScope s(digits);
  const Real one(1);
  bits_ = static_cast<unsigned>(mpfr_get_prec(one.backend().data()));
}

Real Precision::unit_roundoff() const {
  PrecisionScope s(digits_);
  return ldexp(Real(1), 1 - static_cast<int>(bits_));
}

Real Precision::tolerance(double n, const RoundingConstant& c) const {
  if (!(n >= 0) || !std::isfinite(n)) throw std::invalid_argument("Precision::tolerance: n must be finite and >= 0");
  PrecisionScope s(digits_);
  return Real(c.value) * Real(n) * unit_roundoff();
}

Precision Precision::plus(unsigned extra) const {
  return Precision(static_cast<unsigned>(std::min<unsigned long>(static_cast<unsigned long>(digits_) + extra, kMaxDigits)));
}

Precision Precision::times(unsigned factor) const {
  return Precision(static_cast<unsigned>(std::min<unsigned long>(static_cast<unsigned long>(digits_) * factor, kMaxDigits)));
}

std::string Precision::describe() const {
  return std::to_string(digits_) + " digits (u = " + to_scientific(unit_roundoff(), 2) + ")";
}

std::string to_scientific(const Real& x, unsigned significant) {
  if (boost::multiprecision::isnan(x)) return "nan";
  if (boost::multiprecision::isinf(x)) return x > 0 ? "inf" : "-inf";
  const unsigned sig = std::max(1u, significant);
  // MPFR formats the mantissa and the (arbitrary) exponent itself: no conversion to double anywhere.
  return x.str(static_cast<std::streamsize>(sig - 1), std::ios_base::scientific);
}

}  // namespace muonlab::spectral
