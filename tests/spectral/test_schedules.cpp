// Coefficient schedules by name or from a file (spectral/schedules.cpp): the published tables, the coefficient-file
// format and its errors.
#include "spectral/errors.hpp"
#include "spectral/newton_schulz.hpp"
#include "spectral/ns_tables.hpp"
#include "tests/support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace muonlab;
using namespace muonlab::spectral;

using muonlab::testing::TempFile;

TEST_CASE("named schedules: published tables and errors", "[ns][schedules]") {
  CHECK(named_schedule("pe5").steps.size() == 5);
  const auto raw = named_schedule("pe-paper-raw"), used = named_schedule("pe-paper");
  REQUIRE(raw.steps.size() == 8);
  CHECK(used.steps[0][0] == Approx(raw.steps[0][0] / 1.01).epsilon(1e-15));
  CHECK(used.steps[7][2] == raw.steps[7][2]);  // the last entry is not divided
  CHECK_THROWS_AS(named_schedule("nope"), InputError);
}

TEST_CASE("named schedules: each name's steps, safety and source", "[ns][schedules]") {
  const auto ns5 = named_schedule("ns5");
  REQUIRE(ns5.steps.size() == static_cast<std::size_t>(ns_tables::keller_ns5_steps));
  for (const auto& st : ns5.steps) CHECK(st == ns_tables::keller_ns5);  // the same quintic every step
  CHECK(ns5.safety == 0);
  CHECK(named_schedule("keller").steps == ns5.steps);  // an alias
  const auto pe5 = named_schedule("pe5");
  CHECK(pe5.steps.front() == ns_tables::pe5.front());
  CHECK(pe5.safety == ns_tables::pe5_safety);
  CHECK(named_schedule("pe-paper").safety == ns_tables::pe_paper_safety);
  const auto cubic = named_schedule("cubic", 7);
  REQUIRE(cubic.steps.size() == 7);
  CHECK(cubic.steps[3] == std::array<double, 3>{1.5, -0.5, 0.0});
  for (const auto& name : schedule_names()) {
    INFO(name);
    const auto s = named_schedule(name);
    CHECK(s.name == name);
    CHECK(!s.source.empty());
    CHECK(!s.steps.empty());
    CHECK(s.eps == 1e-7);  // the reference codes' normalization epsilon
  }
  CHECK_THROWS_WITH(named_schedule("ns7"), Catch::Contains("known: ns5, keller, pe5, pe-paper, pe-paper-raw, cubic"));
}

TEST_CASE("coefficient files: steps, comments, separators and the safety/eps settings", "[ns][schedules][io]") {
  const TempFile f("# a two-step schedule\n"
                   "safety = 0.02\n"
                   "eps = 1e-9  # smaller than the default\n"
                   "\n"
                   "3.4445, -4.7750, 2.0315\n"
                   "1.5 -0.5 0   # spaces work too\n",
                   ".txt");
  const NsScheduleSpec s = read_schedule_file(f.path());
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[0] == ns_tables::keller_ns5);  // parse_scalar<double> is correctly rounded, as the literals are
  CHECK(s.steps[1] == std::array<double, 3>{1.5, -0.5, 0.0});
  CHECK(s.safety == 0.02);
  CHECK(s.eps == 1e-9);
  CHECK(s.source == f.path());
  CHECK(s.name == f.path().substr(f.path().rfind('/') + 1));  // the file name, not the path
  // A path that names an existing file is read; a known name wins over the file system.
  CHECK(schedule_by_name_or_file(f.path()).steps == s.steps);
  CHECK(schedule_by_name_or_file("pe5").steps.size() == 5);
  CHECK_THROWS_AS(schedule_by_name_or_file("/tmp/muonlab_no_such_schedule_file.txt"), InputError);
}

TEST_CASE("coefficient files: every malformed input is an InputError naming the line", "[ns][schedules][io]") {
  struct Bad {
    const char* text;
    const char* message;
  };
  for (const Bad& b : {Bad{"1, 2\n", ":1: expected 3 coefficients a, b, c; found 2"},
                       Bad{"# header\n1, 2, 3, 4\n", ":2: expected 3 coefficients"},
                       Bad{"1, x, 3\n", ":1: 'x' is not a finite number"},
                       Bad{"1, 2, nan\n", ":1: 'nan' is not a finite number"},
                       Bad{"1, 2, 1e999\n", ":1: '1e999' overflows double"},
                       Bad{"safety = -1\n1, 2, 3\n", ":1: safety must be >= 0"},
                       Bad{"1, 2, 3\neps = -1e-7\n", ":2: eps must be >= 0"},
                       Bad{"cushion = 0.1\n", ":1: unknown setting 'cushion' (expected safety or eps)"},
                       Bad{"# only a comment\n\n", "has no steps"}}) {
    INFO(b.text);
    const TempFile f(b.text, ".txt");
    CHECK_THROWS_AS(read_schedule_file(f.path()), InputError);
    CHECK_THROWS_WITH(read_schedule_file(f.path()), Catch::Contains(b.message));
  }
  CHECK_THROWS_WITH(read_schedule_file("/tmp/muonlab_no_such_schedule_file.txt"),
                    Catch::Contains("cannot read coefficient file"));
}
