// The list of subcommands. Each lives in its own cli/cmd_<verb>.cpp and only parses and dispatches.
#pragma once  // Tested by tests/cli/test_cmd_spectrum.cpp ("--help and --version exit 0")

#include "cli/cli_common.hpp"

#include <string>
#include <vector>

namespace muonlab::cli {

#if MUONLAB_HAVE_THEORY
Command add_spectrum(CLI::App& app);  // cmd_spectrum.cpp
Command add_verify(CLI::App& app);    // cmd_verify.cpp
Command add_bias(CLI::App& app);      // cmd_bias.cpp
Command add_pe(CLI::App& app);        // cmd_pe.cpp
Command add_ns(CLI::App& app);        // cmd_ns.cpp
Command add_budget(CLI::App& app);    // cmd_budget.cpp
Command add_lora(CLI::App& app);      // cmd_lora.cpp
#endif

#if MUONLAB_HAVE_TORCH
Command add_pretrain(CLI::App& app);  // cmd_torch_pretrain.cpp
Command add_finetune(CLI::App& app);  // cmd_torch_finetune.cpp
Command add_mismatch(CLI::App& app);  // cmd_torch_mismatch.cpp
/// The LibTorch options of `muonlab spectrum` (cmd_torch_spectrum.cpp), shared by the full and torch-only builds.
struct TorchSpectrumArgs {
  std::string checkpoint;
  std::vector<std::string> compare;
  bool requested() const { return !checkpoint.empty() || !compare.empty(); }
};
void add_torch_spectrum_options(CLI::App* sub, TorchSpectrumArgs& args);
int run_torch_spectrum(const TorchSpectrumArgs& args, double entropy_offset, bool json);
#if !MUONLAB_HAVE_THEORY
Command add_spectrum(CLI::App& app);  // cmd_torch_spectrum.cpp (torch-only build: checkpoints only)
#endif
#endif

inline std::vector<Command> make_commands(CLI::App& app) {
  std::vector<Command> v;
#if MUONLAB_HAVE_THEORY
  v.push_back(add_verify(app));
  v.push_back(add_spectrum(app));
  v.push_back(add_bias(app));
  v.push_back(add_pe(app));
  v.push_back(add_ns(app));
  v.push_back(add_budget(app));
  v.push_back(add_lora(app));
#endif
#if MUONLAB_HAVE_TORCH
  v.push_back(add_pretrain(app));
  v.push_back(add_finetune(app));
  v.push_back(add_mismatch(app));
#if !MUONLAB_HAVE_THEORY
  v.push_back(add_spectrum(app));
#endif
#endif
  return v;
}

}  // namespace muonlab::cli
