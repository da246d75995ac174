#include "theory/spectrum_command.hpp"

#include "spectral/errors.hpp"
#include "spectral/text_io.hpp"

#include <fmt/core.h>

#include <cmath>

namespace muonlab::theory {

std::string SpectrumRunOptions::validate() const {
  if (matrix.empty()) return "--matrix is required (a matrix file or '-' for stdin)";
  if (!(analysis.entropy_offset >= 0) || !std::isfinite(analysis.entropy_offset))
    return "--entropy-offset must be a finite number >= 0";
  return {};
}

SpectrumSummary run_spectrum(const SpectrumRunOptions& o) {
  if (const std::string e = o.validate(); !e.empty()) throw InputError(e);
  SpectrumSummary s;
  if (!o.precision) {
    s.report = spectral::spectrum_report(read_matrix_file<double>(o.matrix), o.analysis);
  } else {
    auto scope = o.precision->scope();  // the one MPFR scope: the matrix is parsed and analysed at this precision
    s.report = spectral::spectrum_report(read_matrix_file<Real>(o.matrix), o.analysis);
  }
  return s;
}

nlohmann::json SpectrumSummary::to_json() const {
  const spectral::SpectrumReport& r = report;
  nlohmann::json j{{"rows", r.rows},
                   {"cols", r.cols},
                   {"scalar", r.scalar},
                   {"digits", r.digits},
                   {"singular_values", r.singular_values},
                   {"rank", r.rank},
                   {"norm_max", r.norm_max},
                   {"norm_spectral", r.norm_spectral},
                   {"norm_frobenius", r.norm_frobenius},
                   {"norm_nuclear", r.norm_nuclear}};
  j["stable_rank"] = r.stable_rank.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.stable_rank);
  j["svd_entropy"] = r.svd_entropy.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.svd_entropy);
  if (!r.note.empty()) j["note"] = r.note;
  if (r.has_polar) {
    j["polar"] = r.polar;
    j["orthogonality_error"] = r.orthogonality_error;
    j["rank_one_path"] = r.rank_one_path;
  }
  return j;
}

std::string SpectrumSummary::brief() const {
  const spectral::SpectrumReport& r = report;
  std::string out = fmt::format("matrix {}x{}   scalar {}{}\n", r.rows, r.cols, r.scalar,
                                r.scalar == "mpfr" ? fmt::format(" ({} digits)", r.digits) : std::string());
  out += fmt::format("singular values ({}; numerical rank {}):\n", r.singular_values.size(), r.rank);
  for (std::size_t i = 0; i < r.singular_values.size(); ++i)
    out += fmt::format("  s{:<4} {}\n", i + 1, r.singular_values[i]);
  out += fmt::format("norm max       {}\nnorm spectral  {}\nnorm Frobenius {}\nnorm nuclear   {}\n", r.norm_max,
                     r.norm_spectral, r.norm_frobenius, r.norm_nuclear);
  if (r.stable_rank.empty())
    out += fmt::format("stable rank    undefined\nSVD entropy    undefined\nnote: {}\n", r.note);
  else
    out += fmt::format("stable rank    {}\nSVD entropy    {}\n", r.stable_rank, r.svd_entropy);
  if (r.has_polar) {
    out += fmt::format("polar factor ortho(G){}:\n", r.rank_one_path ? " (rank-one path)" : "");
    for (const auto& row : r.polar) {
      std::string line;
      for (const auto& x : row) line += (line.empty() ? "  " : ", ") + x;
      out += line + "\n";
    }
    out += fmt::format("orthogonality error {}\n", r.orthogonality_error);
  }
  return out;
}

}  // namespace muonlab::theory
