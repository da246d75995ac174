// muonlab spectrum: singular values, norms, stable rank, SVD entropy and (optionally) the polar factor of a matrix.
#include "cli/commands.hpp"
#include "spectral/errors.hpp"
#include "spectral/precision.hpp"
#include "spectral/scalar.hpp"
#include "spectral/spectrum_report.hpp"
#include "spectral/text_io.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace muonlab::cli {
namespace {

struct SpectrumArgs {
  std::string matrix;
  unsigned digits = 0;  // 0: double precision (LAPACK)
  bool polar = false;
  bool json = false;
  double entropy_offset = 0;
#if MUONLAB_HAVE_TORCH
  TorchSpectrumArgs torch;  // --checkpoint / --compare (cmd_torch_spectrum.cpp)
#endif
};

nlohmann::json to_json(const spectral::SpectrumReport& r) {
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

void print_table(const spectral::SpectrumReport& r) {
  fmt::print("matrix {}x{}   scalar {}{}\n", r.rows, r.cols, r.scalar,
             r.scalar == "mpfr" ? fmt::format(" ({} digits)", r.digits) : std::string());
  fmt::print("singular values ({}; numerical rank {}):\n", r.singular_values.size(), r.rank);
  for (std::size_t i = 0; i < r.singular_values.size(); ++i) fmt::print("  s{:<4} {}\n", i + 1, r.singular_values[i]);
  fmt::print("norm max       {}\nnorm spectral  {}\nnorm Frobenius {}\nnorm nuclear   {}\n", r.norm_max,
             r.norm_spectral, r.norm_frobenius, r.norm_nuclear);
  if (r.stable_rank.empty()) {
    fmt::print("stable rank    undefined\nSVD entropy    undefined\nnote: {}\n", r.note);
  } else {
    fmt::print("stable rank    {}\nSVD entropy    {}\n", r.stable_rank, r.svd_entropy);
  }
  if (r.has_polar) {
    fmt::print("polar factor ortho(G){}:\n", r.rank_one_path ? " (rank-one path)" : "");
    for (const auto& row : r.polar) {
      std::string line;
      for (const auto& x : row) line += (line.empty() ? "  " : ", ") + x;
      fmt::print("{}\n", line);
    }
    fmt::print("orthogonality error {}\n", r.orthogonality_error);
  }
}

int run(const SpectrumArgs& a) {
#if MUONLAB_HAVE_TORCH
  if (a.torch.requested()) return run_torch_spectrum(a.torch, a.entropy_offset, a.json);
  if (a.matrix.empty()) throw InputError("give --matrix FILE, --checkpoint FILE or --compare RUN_A RUN_B");
#endif
  spectral::SpectrumOptions opt;
  opt.polar = a.polar;
  opt.entropy_offset = a.entropy_offset;
  spectral::SpectrumReport r;
  if (a.digits == 0) {
    r = spectral::spectrum_report(read_matrix_file<double>(a.matrix), opt);
  } else {
    const spectral::Precision precision(a.digits);
    auto scope = precision.scope();  // the one MPFR scope: the matrix is parsed and analysed at this precision
    r = spectral::spectrum_report(read_matrix_file<Real>(a.matrix), opt);
  }
  if (a.json) std::cout << to_json(r).dump(2) << '\n';
  else print_table(r);
  return kOk;
}

}  // namespace

Command add_spectrum(CLI::App& app) {
  auto args = std::make_shared<SpectrumArgs>();
  CLI::App* sub = app.add_subcommand(
      "spectrum",
      "Singular values, norms (max, spectral, Frobenius, nuclear), stable rank and SVD entropy of a matrix; with "
      "--polar also its polar factor ortho(G) = U V^T and the orthogonality error.");
  sub->add_option("--matrix", args->matrix,
                  "CSV file (one row per line; commas or spaces; '#' comments; decimals or p/q), '-' for stdin")
#if MUONLAB_HAVE_TORCH
      ;  // required unless --checkpoint or --compare is given (checked in run)
  add_torch_spectrum_options(sub, args->torch);
  sub->get_option("--matrix")->excludes("--checkpoint")->excludes("--compare");
  sub->get_option("--checkpoint")->excludes("--compare");
#else
      ->required();
#endif
  sub->add_option("--digits", args->digits,
                  "Compute in MPFR with this many significant digits (default: double precision via LAPACK)")
      ->check(digits_validator());
  sub->add_flag("--polar", args->polar, "Also print the polar factor and its orthogonality error");
  sub->add_option("--entropy-offset", args->entropy_offset,
                  "Offset added inside stable rank and entropy (the paper's code uses 1e-12; default 0 = exact)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", args->json, "Machine-readable output");
  return {sub, [args] { return run(*args); }};
}

}  // namespace muonlab::cli
