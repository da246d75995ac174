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

}  // namespace muonlab::cli
