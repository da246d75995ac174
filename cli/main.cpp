// The muonlab executable: parses the command line, dispatches to one subcommand, maps errors to exit codes. Every
// error is printed as "muonlab <command>: error: <message>" (docs/conventions.md, "Errors and exit codes").
// Tested by tests/cli/test_cmd_spectrum.cpp ("--help and --version exit 0")
#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "muonlab_version.hpp"

#include <fmt/core.h>

#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#if MUONLAB_HAVE_THEORY
#include "spectral/errors.hpp"
#endif

namespace {

using muonlab::cli::kBadInput;

/// The names of `app`'s subcommands, comma-separated.
std::string subcommand_list(const CLI::App& app) {
  std::string s;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    s += (s.empty() ? "" : ", ") + sub->get_name();
  return s;
}

/// Walks the leading words of the command line down the subcommand tree: `path` becomes "muonlab pe certify".
/// Returns the first word that names no subcommand where one is expected (empty if none).
std::string walk_subcommands(CLI::App& root, int argc, char** argv, std::string& path, CLI::App*& last) {
  last = &root;
  path = "muonlab";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') break;
    if (last->get_subcommands([](const CLI::App*) { return true; }).empty()) break;
    CLI::App* sub = nullptr;
    try {
      sub = last->get_subcommand(word);
    } catch (const CLI::OptionNotFound&) {
      return word;
    }
    last = sub;
    path += " " + word;
  }
  return {};
}

int bad_input(const std::string& path, const std::string& message) {
  fmt::print(stderr, "{}: error: {}\nRun with --help for more information.\n", path, message);
  return kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace muonlab::cli;
  CLI::App app{"muonlab: checks optimizer theory (Muon, Adam and friends) by computation.\n"
               "Exit codes: 0 success, 1 a claim or check failed, 2 bad input or usage, 3 inconclusive, "
               "4 internal error."};
  app.set_version_flag("--version", std::string("muonlab ") + MUONLAB_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough(false);
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they copy it
  const std::vector<Command> commands = make_commands(app);
  std::string path;
  CLI::App* last = nullptr;
  const std::string unknown = walk_subcommands(app, argc, argv, path, last);
  if (!unknown.empty())
    return bad_input(path, "unknown subcommand '" + unknown + "' (commands: " + subcommand_list(*last) + ")");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    // CLI11 says "A subcommand is required" (or "... at least 1 required"): name the choices.
    if (e.get_name() == "RequiredError" && message.find("ubcommand") != std::string::npos)
      message = "a subcommand is required (commands: " + subcommand_list(*last) + ")";
    return bad_input(path, message);
  }
  for (const Command& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      return c.run();
#if MUONLAB_HAVE_THEORY
    } catch (const muonlab::InputError& e) {
      fmt::print(stderr, "{}: error: {}\n", path, e.what());
      return kBadInput;
    } catch (const muonlab::NumericalError& e) {
      fmt::print(stderr, "{}: inconclusive: {}\n", path, e.what());
      return kInconclusive;
#endif
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "{}: error: {}\n", path, e.what());
      return kBadInput;
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: internal error: {}\n", path, e.what());
      return kInternal;
    }
  }
  return kBadInput;
}
