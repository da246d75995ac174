// A temporary file for tests: written with the given content, removed when the object goes out of scope.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace muonlab::testing {

/// One name per process and object (the counter), in the system's temporary directory.
class TempFile {
public:
  explicit TempFile(const std::string& content, const std::string& suffix = ".csv") {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("muonlab_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + suffix);
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

}  // namespace muonlab::testing
