// Shared pieces of the muonlab command line: exit codes, command registration, output helpers.
#pragma once  // Tested by tests/cli/test_cmd_spectrum.cpp ("spectrum: bad input exits 2 with a clear message")

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace muonlab::cli {

/// Exit codes (DESIGN.md): 0 success, 1 a claim or check failed (or a training run diverged), 2 bad input or usage,
/// 3 inconclusive, 4 an internal error (a bug: please report it), 130 interrupted by SIGINT/SIGTERM (training
/// commands: after a checkpoint; the message says how to resume).
enum ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,
  kBadInput = 2,
  kInconclusive = 3,
  kInternal = 4,
  kInterrupted = 130
};

/// A subcommand: its CLI11 node and the function that runs it once the arguments are parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// Prints a command's summary (docs/conventions.md, "Options -> Summary"): its one-screen table `brief()` by default,
/// `to_json()` (indented by 2) with --json.
template <class Summary>
void print_summary(const Summary& summary, bool json) {
  if (json)
    std::cout << summary.to_json().dump(2) << '\n';
  else
    std::cout << summary.brief();
}

/// The settings among `names` (long flag names without "--") given on `sub`'s command line: the ones that override
/// a command's preset.
std::set<std::string> given_settings(const CLI::App& sub, const std::vector<std::string>& names);

/// Writes `content` to `path` atomically (a temporary file in the same directory, then rename), so an
/// interrupted run never leaves a half-written result. "-" writes to standard output.
void write_file_atomic(const std::string& path, const std::string& content);

/// The --coeffs help of the commands that take a Newton–Schulz schedule (ns, pe certify): the names and the
/// coefficient-file format (docs/conventions.md, "Coefficient files"; read by spectral::read_schedule_file).
inline constexpr const char* kCoeffsHelp =
    "A schedule name (ns5, keller, pe5, pe-paper, pe-paper-raw, cubic) or a coefficient file: one step "
    "p(x) = a x + b x^3 + c x^5 per line as 'a, b, c' (commas or spaces; decimals or p/q; applied in file order), "
    "'#' starts a comment, and optional lines 'safety = S' and 'eps = E' set the normalization "
    "X / (||X||_F (1 + S) + E) (defaults 0 and 1e-7)";

/// The help formatter of every command (set on the root app before the subcommands are added, which inherit it): an
/// option's captured default (CLI11's capture_default_str) is shown as "(default X)" at the end of its description,
/// as the commands that write their defaults into the text show them, instead of CLI11's "TYPE=X".
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
};

/// Validator for --digits: an integer in [kMinDigits, kMaxDigits] with a message that says why.
CLI::Validator digits_validator();

}  // namespace muonlab::cli
