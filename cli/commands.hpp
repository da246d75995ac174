// The list of subcommands. Each lives in its own cli/cmd_<verb>.cpp and only parses and dispatches.
#pragma once

#include "cli/cli_common.hpp"

#include <vector>

namespace muonlab::cli {

#if MUONLAB_HAVE_THEORY
Command add_spectrum(CLI::App& app);  // cmd_spectrum.cpp
Command add_verify(CLI::App& app);    // cmd_verify.cpp
#endif

inline std::vector<Command> make_commands(CLI::App& app) {
  std::vector<Command> v;
#if MUONLAB_HAVE_THEORY
  v.push_back(add_verify(app));
  v.push_back(add_spectrum(app));
#endif
  return v;
}

}  // namespace muonlab::cli
