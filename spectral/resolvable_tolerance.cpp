#include "spectral/resolvable_tolerance.hpp"

#include "spectral/errors.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace muonlab::spectral {

double smallest_tolerance(double unit_roundoff) { return kToleranceHeadroom * unit_roundoff; }

unsigned digits_for_tolerance(double tol) {
  constexpr double lo = 10, hi = 100000;  // kMinDigits, kMaxDigits (cli/cli_common.cpp digits_validator)
  if (!(tol > 0)) return static_cast<unsigned>(hi);
  const double d = std::ceil(std::log10(2 * kToleranceHeadroom / tol));
  return static_cast<unsigned>(std::clamp(d, lo, hi));
}

void require_resolvable_tolerance(const std::string& option, double tol, double unit_roundoff, unsigned digits,
                                  const std::string& alternative) {
  const auto g = [](double x) {
    std::ostringstream os;
    os.precision(2);
    os << x;
    return os.str();
  };
  if (!std::isfinite(tol) || tol < 0) throw InputError(option + " must be a finite number >= 0");
  const double floor = smallest_tolerance(unit_roundoff);
  if (tol >= floor) return;
  const std::string precision = digits == 0 ? "double precision" : std::to_string(digits) + " digits";
  std::string msg = option + " " + g(tol) + " is below what " + precision + " can resolve: the smallest tolerance " +
                    "at this precision is " + g(floor) + " (" + std::to_string(static_cast<long>(kToleranceHeadroom)) + " x the unit roundoff " +
                    g(unit_roundoff) + "); ";
  if (tol > 0)
    msg += "use --digits " + std::to_string(digits_for_tolerance(tol)) + " or more, or a larger " + option;
  else
    msg += "a zero tolerance is only decidable in exact arithmetic" +
           (alternative.empty() ? std::string() : " (" + alternative + ")") + "; or give " + option + " > 0";
  throw InputError(msg);
}

}  // namespace muonlab::spectral
