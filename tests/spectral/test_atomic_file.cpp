// spectral/atomic_file.hpp: the one atomic text writer (the CLI's output files, the trainer's and the mismatch
// sweep's tables and summaries).
#include "spectral/atomic_file.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using muonlab::spectral::write_text_atomic;

namespace {
fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("muonlab_atomic_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}
std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
std::size_t entries(const fs::path& d) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d)) ++n;
  return n;
}
}  // namespace

TEST_CASE("write_text_atomic creates the folders, replaces the file and leaves no temporary file", "[spectral][io]") {
  const fs::path d = scratch("ok");
  const fs::path f = d / "a" / "b" / "out.txt";
  write_text_atomic(f.string(), "first\n");
  CHECK(read(f) == "first\n");
  write_text_atomic(f.string(), std::string("second\0with a NUL\n", 18));
  CHECK(read(f) == std::string("second\0with a NUL\n", 18));  // binary-exact, replaced, not appended
  CHECK(entries(f.parent_path()) == 1);                       // the temporary file was renamed away
  fs::remove_all(d);
}

TEST_CASE("write_text_atomic names the file it cannot write and keeps the old one", "[spectral][io]") {
  const fs::path d = scratch("fail");
  fs::create_directories(d);
  // A folder where the file should be: the rename cannot replace it.
  const fs::path blocked = d / "blocked";
  fs::create_directories(blocked / "inside");
  CHECK_THROWS_WITH(write_text_atomic(blocked.string(), "x"), Catch::Contains("blocked"));
  CHECK(fs::is_directory(blocked / "inside"));
  CHECK(entries(d) == 1);  // no temporary file left beside it
  // A regular file where a parent folder should be.
  write_text_atomic((d / "plain").string(), "keep");
  CHECK_THROWS_WITH(write_text_atomic((d / "plain" / "child.txt").string(), "x"), Catch::Contains("plain"));
  CHECK(read(d / "plain") == "keep");
  fs::remove_all(d);
}
