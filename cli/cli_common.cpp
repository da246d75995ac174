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

std::set<std::string> given_settings(const CLI::App& sub, const std::vector<std::string>& names) {
  std::set<std::string> given;
  for (const std::string& name : names)
    if (const CLI::Option* opt = sub.get_option_no_throw("--" + name); opt && opt->count() > 0) given.insert(name);
  return given;
}

namespace {

// A captured default as the help shows it: a list as the option takes it, comma-separated ("[full lora]" and
// "full lora" -> "full,lora").
std::string shown_default(const CLI::Option* opt) {
  std::string d = opt->get_default_str();
  if (d.size() >= 2 && d.front() == '[' && d.back() == ']') d = d.substr(1, d.size() - 2);
  if (opt->get_expected_max() > 1)
    for (char& c : d)
      if (c == ' ') c = ',';
  return d;
}

}  // namespace

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  std::string s = CLI::Formatter::make_option_opts(opt);
  const std::string d = opt->get_default_str();
  if (!d.empty() && opt->get_option_text().empty()) {
    const auto pos = s.find("=" + d);
    if (pos != std::string::npos) s.erase(pos, d.size() + 1);
  }
  return s;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  const std::string d = shown_default(opt);
  const std::string desc = CLI::Formatter::make_option_desc(opt);
  return d.empty() ? desc : desc + " (default " + d + ")";
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
