// `muonlab lora` as a computation (docs/conventions.md, "Options -> Summary"): Prop D.8 for one adapter, the
// inflation factors against the rank for random A (--scan), and the worst case of the factors (--sharpness).
#pragma once

#include "spectral/precision.hpp"
#include "theory/lora_bounds.hpp"
#include "theory/sharpness.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace muonlab::theory {

struct LoraOptions {
  enum class Mode { adapter, scan, sharpness };
  Mode mode = Mode::adapter;
  // adapter: the fixed factor A (a matrix file), z and r0 (comma-separated); all empty: a random instance.
  std::string a_file, z, r0;
  long m = 4, n = 8, rank = 2;       // random instance: length of r0, of z, and the rank r (also --sharpness R)
  std::uint64_t seed = 1;
  /// The working precision; none: double (adapter), kDefaultSharpnessDigits (--sharpness).
  std::optional<spectral::Precision> precision;
  int starts = 40;                   // --sharpness: random starts per support size
  long scan = 0;                     // --scan: the largest rank
  int trials = 200;                  // --scan: random A per rank
  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

/// --sharpness refines at the project's default precision unless --digits is given.
inline constexpr unsigned kDefaultSharpnessDigits = 50;

struct LoraSummary {
  LoraOptions::Mode mode = LoraOptions::Mode::adapter;
  long n = 0;
  int trials = 0;
  unsigned digits = 0;
  LoraReport report;                           // adapter
  std::vector<InflationScanRow> scan;          // scan
  std::vector<SharpnessReport> sharpness;      // sharpness: f1, f2
  std::string brief() const;
  nlohmann::json to_json() const;
};

/// Runs the mode the options select; InputError (exit 2) on invalid options or data.
LoraSummary run_lora(const LoraOptions& options);

}  // namespace muonlab::theory
