// A deterministic, learnable test text (so the tests need no data package): paragraphs of sentences from a small
// grammar, with Unicode, tabs and runs of spaces to exercise the tokenizer's lossless round trip.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>
#include <unistd.h>

namespace muonlab::testing {

inline std::string synthetic_text(std::size_t bytes, unsigned seed = 7) {
  const std::vector<std::string> subj = {"The cat", "A dog", "The old sailor", "Every child", "The café owner",
                                         "My neighbour", "The Muon optimizer", "A quiet student"};
  const std::vector<std::string> verb = {"sees", "likes", "carries", "paints", "remembers", "orthogonalizes",
                                         "follows", "builds"};
  const std::vector<std::string> obj = {"the red ball.", "a small boat.", "the naïve proof.", "every matrix.",
                                        "the long road.", "a warm crêpe.", "the garden gate.", "its own shadow."};
  std::mt19937 rng(seed);
  std::string out;
  while (out.size() < bytes) {
    const int sentences = 1 + int(rng() % 4);
    for (int s = 0; s < sentences; ++s) {
      out += subj[rng() % subj.size()] + " " + verb[rng() % verb.size()] + " " + obj[rng() % obj.size()];
      out += (rng() % 5 == 0) ? "\n\t" : (rng() % 7 == 0 ? "   " : " ");
    }
    out += "\n\n";
  }
  return out;
}

/// Writes synthetic_text(bytes) to a file under the temp directory and returns its path. Written to a temporary name
/// and renamed, so test processes that CTest runs in parallel (ctest -j) never read another one's half-written file.
inline std::string write_synthetic_text(const std::string& name, std::size_t bytes) {
  const auto path = std::filesystem::temp_directory_path() / name;
  const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
  std::ofstream(tmp, std::ios::binary) << synthetic_text(bytes);
  std::filesystem::rename(tmp, path);
  return path.string();
}

/// A fresh empty directory under the temp directory, named `name` and the process id: test processes that run at
/// once (ctest -j, or another checkout's tests on the same machine) never share one.
inline std::string fresh_dir(const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

}  // namespace muonlab::testing
