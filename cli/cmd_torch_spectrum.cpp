// The LibTorch part of `muonlab spectrum`: --checkpoint FILE (the spectral probes of a saved model) and
// --compare RUN_A RUN_B (Figure 2 right / Figure 10: does the Muon-pretrained run have the higher stable rank and
// SVD entropy?).
//
// The split: this file is compiled in every build with LibTorch. In the full build cli/cmd_spectrum.cpp owns the
// `spectrum` subcommand (matrix CSV input) and calls add_torch_spectrum_options / run_torch_spectrum from here; in
// the torch-only build (no MUONLAB_HAVE_THEORY) this file also defines the subcommand itself, with only these
// options. So the torch options are written once and behave the same in both builds.
// Tested by tests/nanochat/test_pretrain.cpp ("muonlab pretrain and spectrum --checkpoint/--compare from the command line")
#include "cli/commands.hpp"
#include "nanochat/probes.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace muonlab::cli {

void add_torch_spectrum_options(CLI::App* sub, TorchSpectrumArgs& a) {
  sub->add_option("--checkpoint", a.checkpoint,
                  "A saved NanoChat model (run/model.pt, run/checkpoint.pt or a run directory): stable rank, SVD "
                  "entropy, max and spectral norms of every Q, K, V, attention-out and MLP matrix")
      ->check(CLI::ExistingPath);
  sub->add_option("--compare", a.compare,
                  "Two runs (directories or model files): per-kind mean stable rank and SVD entropy side by side, and "
                  "the check that the Muon-pretrained run has the higher Q, K, V stable rank and entropy (exit 1 if "
                  "violated)")
      ->expected(2)
      ->check(CLI::ExistingPath);
}

int run_torch_spectrum(const TorchSpectrumArgs& a, double entropy_offset, bool json) {
  if (!a.compare.empty()) {
    const nanochat::RunComparison c = nanochat::compare_runs(a.compare.at(0), a.compare.at(1), entropy_offset);
    if (json) std::cout << nanochat::to_json(c).dump(2) << '\n';
    else fmt::print("{}", nanochat::format_table(c));
    return c.verdict == "violated" ? kCheckFailed : kOk;
  }
  const nanochat::CheckpointSpectrum s = nanochat::checkpoint_spectrum(a.checkpoint, entropy_offset);
  if (json) std::cout << nanochat::to_json(s).dump(2) << '\n';
  else fmt::print("{}", nanochat::format_table(s));
  return kOk;
}

#if !MUONLAB_HAVE_THEORY
Command add_spectrum(CLI::App& app) {
  struct Args {
    TorchSpectrumArgs torch;
    double entropy_offset = 0;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "spectrum",
      "Spectral probes of trained NanoChat models: stable rank, SVD entropy, max and spectral norms of the hidden "
      "matrices (this LibTorch-only build has no matrix-CSV input).");
  add_torch_spectrum_options(sub, args->torch);
  sub->add_option("--entropy-offset", args->entropy_offset,
                  "Offset added inside stable rank and entropy (the paper's code uses 1e-12; default 0 = exact)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", args->json, "Machine-readable output");
  return {sub, [args] {
            if (!args->torch.requested()) throw std::invalid_argument("give --checkpoint FILE or --compare RUN_A RUN_B");
            return run_torch_spectrum(args->torch, args->entropy_offset, args->json);
          }};
}
#endif

}  // namespace muonlab::cli
