// `muonlab ns` as a computation (docs/conventions.md, "Options -> Summary"; here, not in spectral/, so that spectral/
// stays free of fmt and nlohmann-json): what a Newton–Schulz coefficient
// schedule does to singular values (spectral/ns_analysis.hpp).
#pragma once

#include "spectral/newton_schulz.hpp"
#include "spectral/ns_analysis.hpp"
#include "spectral/precision.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace muonlab::theory {

/// The analysis needs at least this many digits: its root finding and band certification resolve to ~1e-12, the
/// 12 digits it prints, with margin (ns_analysis.cpp).
inline constexpr unsigned kNsMinDigits = 20;

struct NsOptions {
  std::string coeffs;               // a schedule name (schedule_names()) or a coefficient file (docs/conventions.md)
  spectral::Precision precision{50};          // the project's default precision
  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

struct NsSummary {
  spectral::NsScheduleSpec spec;
  spectral::NsAnalysis analysis;
  spectral::Precision precision{50};
  std::string brief() const;
  nlohmann::json to_json() const;
};

/// Reads the schedule and analyzes it; InputError (exit 2) on invalid options or an unreadable schedule.
NsSummary run_ns(const NsOptions& options);

}  // namespace muonlab::theory
