#include "cli/cli_common.hpp"
#include "spectral/atomic_file.hpp"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace muonlab::cli {

void write_file_atomic(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::cout << content;
    return;
  }
  spectral::write_text_atomic(path, content);
}

CLI::Validator digits_validator() {
  // Bounds mirror muonlab::kMinDigits / kMaxDigits (spectral/scalar.hpp), repeated here so that the CLI core
  // builds without the multiprecision layers.
  constexpr long lo = 10, hi = 100000;
  return CLI::Validator(
      [](std::string& s) -> std::string {
        long v = 0;
        try {
          std::size_t pos = 0;
          v = std::stol(s, &pos);
          if (pos != s.size()) return "--digits must be an integer, got '" + s + "'";
        } catch (...) {
          return "--digits must be an integer, got '" + s + "'";
        }
        if (v < lo) return "--digits " + s + " is too low: at least " + std::to_string(lo) + " digits";
        if (v > hi) return "--digits " + s + " is too high: at most " + std::to_string(hi) + " digits";
        return {};
      },
      "DIGITS in [10, 100000]", "digits");
}

double smallest_tolerance(double unit_roundoff) { return kToleranceHeadroom * unit_roundoff; }

unsigned digits_for_tolerance(double tol) {
  constexpr double lo = 10, hi = 100000;  // kMinDigits, kMaxDigits (see digits_validator)
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
  if (!std::isfinite(tol) || tol < 0) throw std::invalid_argument(option + " must be a finite number >= 0");
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
  throw std::invalid_argument(msg);
}

}  // namespace muonlab::cli
