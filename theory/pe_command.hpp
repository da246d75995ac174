// `muonlab pe design | certify | table` as a computation (docs/conventions.md, "Options -> Summary"): Polar Express
// coefficient design (Remez + composition) with paste-ready code, certification (Arb), and the reproduction of
// the published tables (the "reproduced" rule: theory/pe_reproduced.hpp).
#pragma once

#include "spectral/certify.hpp"
#include "spectral/newton_schulz.hpp"
#include "spectral/polar_express.hpp"
#include "spectral/precision.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace muonlab::theory {

struct PeOptions {
  enum class Mode { design, certify, table };
  Mode mode = Mode::design;
  spectral::Precision precision{50};   // design and table: working precision; certify: the balls' precision
  // design
  std::string lower = "1e-3";          // l (certify: the lower end of the input interval)
  std::string safety = "2e-2";
  std::string cushion;                 // empty: 0.02, or spectral::kPaperCushion with --variant paper
  std::string variant = "reference";   // reference | paper
  int iters = 5;
  int degree = 5;
  std::string format = "table";        // table | cpp | python | json
  // certify
  std::string coeffs;                  // a schedule name or a coefficient file (docs/conventions.md)
  std::string upper = "1";
  double rel_tol = 1e-6;
  /// The message of the first problem (exit 2), empty when the options are valid.
  std::string validate() const;
};

/// One reproduced published table with the candidate compositions tried against it.
struct PeTableResult {
  spectral::PePublishedTable table;
  std::vector<spectral::PeSettingsCandidate> candidates;
  spectral::PeTableReproduction reproduction;
};

struct PeSummary {
  PeOptions options;
  std::string cushion;                           // design: the cushion used (options' or the variant's default)
  spectral::PeDesign<Real> design;
  spectral::NsScheduleSpec schedule;             // certify
  spectral::ImageCertificate certificate;        // certify
  std::vector<PeTableResult> tables;             // table
  bool reproduced = false;                       // table: every table passes pe_table_reproduced
  /// design: 0; certify: 0 certified, 3 undecided; table: 0 reproduced, 1 not.
  int exit_code() const;
  /// design: the table, or the C++ / Python code (options.format); certify and table: the table.
  std::string brief() const;
  nlohmann::json to_json() const;
};

/// Runs the mode the options select (progress on stderr); InputError (exit 2) on invalid options or input.
PeSummary run_pe(const PeOptions& options);

}  // namespace muonlab::theory
