// The muonlab executable: parses the command line, dispatches to one subcommand, maps errors to exit codes.
// Tested by tests/cli/test_cmd_spectrum.cpp ("--help and --version exit 0")
#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "muonlab_version.hpp"

#include <fmt/core.h>

#include <exception>
#include <iostream>
#include <vector>

#if MUONLAB_HAVE_THEORY
#include "spectral/errors.hpp"
#endif

int main(int argc, char** argv) {
  using namespace muonlab::cli;
  CLI::App app{"muonlab: checks optimizer theory (Muon, Adam and friends) by computation.\n"
               "Exit codes: 0 success, 1 a claim or check failed, 2 bad input or usage, 3 inconclusive, "
               "4 internal error."};
  app.set_version_flag("--version", std::string("muonlab ") + MUONLAB_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough(false);
  const std::vector<Command> commands = make_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  }
  for (const Command& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      return c.run();
#if MUONLAB_HAVE_THEORY
    } catch (const muonlab::InputError& e) {
      fmt::print(stderr, "muonlab {}: error: {}\n", c.app->get_name(), e.what());
      return kBadInput;
    } catch (const muonlab::NumericalError& e) {
      fmt::print(stderr, "muonlab {}: inconclusive: {}\n", c.app->get_name(), e.what());
      return kInconclusive;
#endif
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "muonlab {}: error: {}\n", c.app->get_name(), e.what());
      return kBadInput;
    } catch (const std::exception& e) {
      fmt::print(stderr, "muonlab {}: internal error: {}\n", c.app->get_name(), e.what());
      return kInternal;
    }
  }
  return kBadInput;
}
