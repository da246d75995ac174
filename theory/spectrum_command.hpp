// `muonlab spectrum` (for a matrix file) as a computation (docs/conventions.md, "Options -> Summary"; in theory/ so
// that spectral/ stays free of fmt and nlohmann-json): singular
// values, norms, stable rank, SVD entropy and optionally the polar factor (spectral/spectrum_report.hpp).
#pragma once

#include "spectral/precision.hpp"
#include "spectral/spectrum_report.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace muonlab::theory {

/// (`SpectrumOptions`, the analysis' own settings, is taken by spectrum_report.hpp: the command's are "Run" options.)
struct SpectrumRunOptions {
  std::string matrix;                   // a matrix file (text_io.hpp) or "-" for stdin
  std::optional<spectral::Precision> precision;   // none: double precision via LAPACK
  spectral::SpectrumOptions analysis;             // --polar, --entropy-offset
  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

struct SpectrumSummary {
  spectral::SpectrumReport report;
  std::string brief() const;
  nlohmann::json to_json() const;
};

/// Reads the matrix (at the working precision) and analyzes it; InputError (exit 2) on invalid options or data.
SpectrumSummary run_spectrum(const SpectrumRunOptions& options);

}  // namespace muonlab::theory
