// Corpus replay (issue 6): feeds every file under the given folders (or the given files) to the target's
// LLVMFuzzerTestOneInput, built with the ordinary compiler, so the test suite checks the corpus without Clang.
// A contract violation aborts (fuzz_support.hpp); an input slower than the limit fails the run (a hang).
//
//   replay_<target> [--max-seconds S] PATH...      exit 0 when every input passes
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  double max_seconds = 10;  // far above any parse of an 8 KiB input; a slower one is a hang
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--max-seconds" && i + 1 < argc) {
      max_seconds = std::atof(argv[++i]);
      continue;
    }
    const fs::path p(arg);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      inputs.push_back(p);
    } else {
      std::fprintf(stderr, "replay: no such file or folder: %s\n", arg.c_str());
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs (usage: %s [--max-seconds S] PATH...)\n", argv[0]);
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  double slowest = 0;
  std::string slowest_name;
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto t0 = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > slowest) slowest = s, slowest_name = p.filename().string();
    if (s > max_seconds) {
      std::fprintf(stderr, "replay: %s took %.1f s (limit %.1f s): a hang\n", p.string().c_str(), s, max_seconds);
      return 1;
    }
  }
  std::printf("replay: %zu input(s) passed; slowest %s (%.3f s)\n", inputs.size(), slowest_name.c_str(), slowest);
  return 0;
}
