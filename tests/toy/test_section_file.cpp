// toy/section_file: the `[section]` + CSV format shared by problem and classification files. Each error names the
// file and the line, and every section it returns holds exactly its rows with comments stripped.
#include "toy/section_file.hpp"

#include "spectral/errors.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace muonlab;
using namespace muonlab::toy;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("muonlab_section_" + name + "_" + std::to_string(::getpid()));
  std::ofstream(p) << text;
  return p.string();
}
}  // namespace

TEST_CASE("read_section_file: sections, their first lines, comments stripped", "[toy][io]") {
  const std::string p = write_temp("ok", "# a comment line\n[x]\n1, 2  # trailing comment\n\n3, 4\n[y]\n5\n");
  const SectionFile f = read_section_file(p, "problem file", {"x", "y", "w0"}, {"x", "y"});
  CHECK(f.text.at("x") == "1, 2\n3, 4\n");
  CHECK(f.text.at("y") == "5\n");
  CHECK(f.first_line.at("x") == 2);
  CHECK(f.first_line.at("y") == 6);
  CHECK_FALSE(f.has("w0"));
  fs::remove(p);
}

TEST_CASE("read_section_file: each malformed file is an InputError naming file and line", "[toy][io][errors]") {
  struct Bad {
    const char* text;
    const char* message;
  };
  const Bad bad[] = {
      {"[x\n1\n", ":1: malformed section header"},
      {"[q]\n1\n", ":1: unknown section [q] (known: [x], [y])"},
      {"[x]\n1\n[x]\n2\n", ":3: repeated [x]"},
      {"1, 2\n[x]\n", ":1: data before the first [section]"},
      {"[x]\n1\n", ": missing section [y]"},
      {"[x]\n1\n[y]\n# only a comment\n", ": missing section [y]"},  // an empty section is missing
  };
  for (const Bad& b : bad) {
    const std::string p = write_temp("bad", b.text);
    INFO(b.text);
    CHECK_THROWS_AS(read_section_file(p, "problem file", {"x", "y"}, {"x", "y"}), InputError);
    CHECK_THROWS_WITH(read_section_file(p, "problem file", {"x", "y"}, {"x", "y"}), Catch::Contains(p + b.message));
    fs::remove(p);
  }
  CHECK_THROWS_WITH(read_section_file("/nonexistent/muonlab.txt", "classification file", {"x"}, {"x"}),
                    "cannot open classification file '/nonexistent/muonlab.txt'");
}
