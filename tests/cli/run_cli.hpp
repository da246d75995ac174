// Runs the muonlab binary from a test and captures its exit code and output.
#pragma once

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

/// A temporary file with the given content, removed when the object goes out of scope.
class TempFile {
public:
  explicit TempFile(const std::string& content, const std::string& suffix = ".csv") {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("muonlab_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + suffix);
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

}  // namespace muonlab::testing
