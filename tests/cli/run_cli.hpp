// Runs the muonlab binary from a test and captures its exit code and output (and TempFile, tests/support).
#pragma once

#include "tests/support/temp_file.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>

namespace muonlab::testing {

struct CliResult {
  int code = -1;
  std::string out;  // stdout and stderr together
};

/// Runs `muonlab <args>` through the shell (args are shell words; quote them yourself).
/// With `merge_stderr` false, stderr (progress) is discarded and `out` holds stdout alone.
inline CliResult run_cli(const std::string& args, const std::string& stdin_text = "", bool merge_stderr = true) {
  std::string cmd = std::string(MUONLAB_BINARY) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  std::filesystem::path input;
  if (!stdin_text.empty()) {
    input = std::filesystem::temp_directory_path() / ("muonlab_stdin_" + std::to_string(::getpid()));
    std::ofstream(input) << stdin_text;
    cmd += " < " + input.string();
  }
  CliResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (!input.empty()) std::filesystem::remove(input);
  return r;
}

/// Runs `muonlab <args>`, requires exit 0 and returns its output parsed as JSON (stdout alone unless
/// `merge_stderr`: then anything on stderr fails the parse).
inline nlohmann::json run_cli_json(const std::string& args, const std::string& stdin_text = "",
                                   bool merge_stderr = false) {
  const CliResult r = run_cli(args, stdin_text, merge_stderr);
  INFO(args << (stdin_text.empty() ? "" : "\nstdin:\n" + stdin_text) << "\n" << r.out);
  REQUIRE(r.code == 0);
  return nlohmann::json::parse(r.out);
}

/// Runs `muonlab <args>` as bad input: checks exit 2 and `message` in the output (stdout and stderr), naming the
/// arguments and showing the output when a check fails; returns the result for further checks.
inline CliResult check_bad_input(const std::string& args, const std::string& message) {
  const CliResult r = run_cli(args);
  INFO(args << "\n" << r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find(message) != std::string::npos);
  return r;
}

}  // namespace muonlab::testing
