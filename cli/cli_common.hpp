// Shared pieces of the muonlab command line: exit codes, command registration, output helpers.
#pragma once  // Tested by tests/cli/test_cmd_spectrum.cpp ("spectrum: bad input exits 2 with a clear message")

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

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

/// Writes `content` to `path` atomically (a temporary file in the same directory, then rename), so an
/// interrupted run never leaves a half-written result. "-" writes to standard output.
void write_file_atomic(const std::string& path, const std::string& content);

/// Validator for --digits: an integer in [kMinDigits, kMaxDigits] with a message that says why.
CLI::Validator digits_validator();

/// Tolerances the precision cannot reach (issue 6). A relative quantity computed with a handful of rounded
/// operations per entry carries an error of a few unit roundoffs ε (more after many steps), so a comparison with a
/// tolerance below 100 ε is decided by rounding, not by the mathematics: such a tolerance is bad input.
inline constexpr double kToleranceHeadroom = 100;

/// The smallest tolerance arithmetic with unit roundoff `unit_roundoff` supports: kToleranceHeadroom·unit_roundoff
/// (0 for exact arithmetic, unit_roundoff = 0).
double smallest_tolerance(double unit_roundoff);

/// The smallest --digits (MPFR) at which `tol` > 0 is supported. MPFR at d decimal digits carries at least
/// ⌈d·log2 10⌉ bits, so ε ≤ 2^(1 − d·log2 10) = 2·10^(−d), and d ≥ log10(2·kToleranceHeadroom/tol) suffices.
unsigned digits_for_tolerance(double tol);

/// Throws std::invalid_argument (exit 2) when `tol`, the value of `option`, is below smallest_tolerance(unit_roundoff)
/// (or is not a finite number >= 0). `digits` names the precision in the message (0: double). The message says the
/// smallest supported tolerance and the --digits that would accept `tol`; `alternative` (e.g. "--exact") is offered
/// for a zero tolerance.
void require_resolvable_tolerance(const std::string& option, double tol, double unit_roundoff, unsigned digits,
                                  const std::string& alternative = "");

}  // namespace muonlab::cli
