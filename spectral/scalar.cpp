#include "spectral/scalar.hpp"

#include "spectral/errors.hpp"
#include "spectral/text_io.hpp"

#include <cctype>
#include <sstream>

namespace muonlab {

unsigned real_digits() { return Real::default_precision(); }

void set_real_digits(unsigned digits) {
  if (digits < kMinDigits || digits > kMaxDigits)
    throw InputError("precision of " + std::to_string(digits) + " digits is outside the supported range [" +
                     std::to_string(kMinDigits) + ", " + std::to_string(kMaxDigits) + "]");
  Real::default_precision(digits);
}

Real ScalarTraits<Real>::epsilon() { return std::numeric_limits<Real>::epsilon(); }

bool is_finite(const Real& x) { return boost::multiprecision::isfinite(x); }

double to_double(const Real& x) { return x.convert_to<double>(); }
double to_double(const Rational& x) { return x.convert_to<double>(); }

std::string to_string(double x, unsigned digits) {
  std::ostringstream os;
  os.precision(digits == 0 ? 17 : static_cast<int>(digits));
  os << x;
  return os.str();
}

std::string to_string(const Real& x, unsigned digits) {
  return x.str(digits == 0 ? static_cast<std::streamsize>(real_digits()) : static_cast<std::streamsize>(digits));
}

std::string to_string(const Rational& x, unsigned digits) {
  if (digits == 0) return x.str();
  Real r(x);
  return to_string(r, digits);
}

namespace {

// A decimal literal: [+-] digits [. digits] [e|E [+-] digits], at least one digit in the mantissa.
bool is_decimal(const std::string& s) {
  std::size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t mant = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++mant;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++mant;
  }
  if (mant == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t ex = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++ex;
    if (ex == 0 || ex > 9) return false;
  }
  return i == n;
}

bool is_integer(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// Exact rational value of a decimal literal (validated by is_decimal).
Rational decimal_to_rational(const std::string& s) {
  std::size_t epos = s.find_first_of("eE");
  std::string mant = s.substr(0, epos);
  long long exp10 = epos == std::string::npos ? 0 : std::stoll(s.substr(epos + 1));
  std::string digits;
  bool neg = false;
  for (char c : mant) {
    if (c == '-') neg = true;
    else if (c == '.') continue;
    else if (c != '+') digits.push_back(c);
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));  // no octal reading of "025"
  std::size_t dot = mant.find('.');
  if (dot != std::string::npos) exp10 -= static_cast<long long>(mant.size() - dot - 1);
  if (exp10 > 100000 || exp10 < -100000) throw InputError("exponent out of range in '" + s + "'");
  boost::multiprecision::mpz_int num(digits);
  const boost::multiprecision::mpz_int pow10 =
      boost::multiprecision::pow(boost::multiprecision::mpz_int(10), static_cast<unsigned>(exp10 < 0 ? -exp10 : exp10));
  Rational r = exp10 >= 0 ? Rational(num * pow10) : Rational(num, pow10);
  return neg ? Rational(-r) : r;
}

}  // namespace

template <>
Rational parse_scalar<Rational>(const std::string& text) {
  const std::string s = trim_copy(text);
  if (s.empty()) throw InputError("empty number");
  std::size_t slash = s.find('/');
  if (slash != std::string::npos) {
    std::string p = trim_copy(s.substr(0, slash)), q = trim_copy(s.substr(slash + 1));
    if (!is_integer(p) || !is_integer(q)) throw InputError("'" + s + "' is not a number (p/q needs integers)");
    boost::multiprecision::mpz_int den(q);
    if (den == 0) throw InputError("'" + s + "' has a zero denominator");
    return Rational(boost::multiprecision::mpz_int(p), den);
  }
  if (!is_decimal(s)) throw InputError("'" + s + "' is not a finite number");
  return decimal_to_rational(s);
}

template <>
Real parse_scalar<Real>(const std::string& text) {
  const std::string s = trim_copy(text);
  if (s.find('/') != std::string::npos) return Real(parse_scalar<Rational>(s));
  if (!is_decimal(s)) throw InputError("'" + s + "' is not a finite number");
  Real v(s);  // correctly rounded by MPFR at the working precision
  if (!is_finite(v)) throw InputError("'" + s + "' overflows the exponent range of MPFR");
  return v;
}

template <>
double parse_scalar<double>(const std::string& text) {
  const std::string s = trim_copy(text);
  if (s.find('/') != std::string::npos) {
    const double v = parse_scalar<Rational>(s).convert_to<double>();
    if (!std::isfinite(v)) throw InputError("'" + s + "' overflows double precision");
    return v;
  }
  if (!is_decimal(s)) throw InputError("'" + s + "' is not a finite number");
  double v = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(v)) throw InputError("'" + s + "' overflows double precision");
  return v;
}

}  // namespace muonlab
