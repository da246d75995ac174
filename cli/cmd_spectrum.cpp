// muonlab spectrum: singular values, norms, stable rank, SVD entropy and (optionally) the polar factor of a matrix.
// Parses, calls theory::run_spectrum (or, for checkpoints, the LibTorch path), prints.
#include "cli/commands.hpp"
#include "spectral/errors.hpp"
#include "theory/spectrum_command.hpp"

#include <memory>

namespace muonlab::cli {

Command add_spectrum(CLI::App& app) {
  auto o = std::make_shared<theory::SpectrumRunOptions>();
  auto digits = std::make_shared<unsigned>(0);  // 0: double precision (LAPACK)
  auto json = std::make_shared<bool>(false);
#if MUONLAB_HAVE_TORCH
  auto torch = std::make_shared<TorchSpectrumArgs>();  // --checkpoint / --compare (cmd_torch_spectrum.cpp)
#endif
  CLI::App* sub = app.add_subcommand(
      "spectrum",
      "Singular values, norms (max, spectral, Frobenius, nuclear), stable rank and SVD entropy of a matrix; with "
      "--polar also its polar factor ortho(G) = U V^T and the orthogonality error.");
  sub->add_option("--matrix", o->matrix,
                  "CSV file (one row per line; commas or spaces; '#' comments; decimals or p/q), '-' for stdin")
#if MUONLAB_HAVE_TORCH
      ;  // required unless --checkpoint or --compare is given (checked in run)
  add_torch_spectrum_options(sub, *torch);
  sub->get_option("--matrix")->excludes("--checkpoint")->excludes("--compare");
  sub->get_option("--checkpoint")->excludes("--compare");
#else
      ->required();
#endif
  sub->add_option("--digits", *digits,
                  "Compute in MPFR with this many significant digits (default: double precision via LAPACK)")
      ->check(digits_validator());
  sub->add_flag("--polar", o->analysis.polar, "Also print the polar factor and its orthogonality error");
  sub->add_option("--entropy-offset", o->analysis.entropy_offset,
                  "Offset added inside stable rank and entropy (the paper's code uses 1e-12; default 0 = exact)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", *json, "Machine-readable output");
  return {sub, [=] {
#if MUONLAB_HAVE_TORCH
            if (torch->requested()) return run_torch_spectrum(*torch, o->analysis.entropy_offset, *json);
            if (o->matrix.empty()) throw InputError("give --matrix FILE, --checkpoint FILE or --compare RUN_A RUN_B");
#endif
            if (*digits) o->precision = spectral::Precision(*digits);
            print_summary(theory::run_spectrum(*o), *json);
            return static_cast<int>(kOk);
          }};
}

}  // namespace muonlab::cli
