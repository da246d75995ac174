#pragma once
// Atomic text files, for every layer (header-only, std-only, so the LibTorch layer may include it in the torch-only
// build): the content goes to a temporary file beside the target, which is then renamed over it (rename(2) is atomic
// within a file system), so a reader or a crash sees the old file or the new one, never a partial one.
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace muonlab::spectral {

// A temporary name beside `target` that another writer of the same target will not pick.
inline std::string atomic_temp_name(const std::filesystem::path& target) {
  return target.string() + ".tmp." + std::to_string(std::random_device{}());
}

// Writes `content` to `path` atomically, creating the parent folders; throws std::runtime_error naming the file
// when it cannot be written (the target is then unchanged and no temporary file is left).
inline void write_text_atomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create the folder of '" + path + "': " + ec.message());
  const std::string tmp = atomic_temp_name(target);
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write '" + tmp + "'");
    out << content;
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      throw std::runtime_error("write to '" + tmp + "' failed");
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error("cannot replace '" + path + "': " + ec.message());
  }
}

}  // namespace muonlab::spectral
