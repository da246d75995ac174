// Shared pieces of the muonlab command line: exit codes, command registration, output helpers.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace muonlab::cli {

/// Exit codes (DESIGN.md): 0 success, 1 a claim or check failed, 2 bad input or usage, 3 inconclusive,
/// 4 an internal error (a bug: please report it).
enum ExitCode : int { kOk = 0, kCheckFailed = 1, kBadInput = 2, kInconclusive = 3, kInternal = 4 };

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

}  // namespace muonlab::cli
