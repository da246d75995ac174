// `muonlab mismatch` as options and text (experiments/mismatch_command.hpp): the given settings override the
// preset's fine-tuning size and the others keep it, the checks, the one-screen text and the exit code; the list flags
// and their plural aliases, and the help's defaults. The command end to end: tests/experiments/test_mismatch.cpp.
#include "experiments/mismatch_command.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace muonlab::experiments;
using muonlab::testing::run_cli;

TEST_CASE("mismatch options: the given settings override the preset, the others keep it", "[experiments][mismatch]") {
  MismatchRunOptions r;
  r.preset = "tiny";
  r.size.max_steps = 9, r.size.batch_size = 99, r.size.lora.rank = 2, r.size.data = "f.txt";
  r.lrs["muon"] = {0.1, 0.2};
  r.lrs["adam"] = {0.5};  // not given: the preset's grid stays
  r.seeds = {4, 5};
  r.given = {"max-steps", "rank", "data", "lrs-muon", "seeds"};
  r.sweep.methods = {"full"};
  r.quiet = true;
  const MismatchOptions o = mismatch_options(r);
  MismatchOptions preset;
  apply_mismatch_preset("tiny", preset);
  CHECK(o.preset == "tiny");
  CHECK(o.finetune.max_steps == 9);
  CHECK(o.finetune.batch_size == preset.finetune.batch_size);
  CHECK(o.finetune.max_bytes == preset.finetune.max_bytes);
  CHECK(o.finetune.lora.rank == 2);
  CHECK(o.finetune.data == "f.txt");
  CHECK(o.lrs.at("muon") == std::vector<double>{0.1, 0.2});
  CHECK(o.lrs.count("adam") == 0);
  CHECK(o.seeds == std::vector<std::uint64_t>{4, 5});
  CHECK(o.methods == std::vector<std::string>{"full"});
  CHECK_FALSE(o.progress);
  CHECK(o.shard_count == 0);
  CHECK(mismatch_out_dir(o) == "runs/mismatch-tiny");

  r.given = {"batch-size", "eval-tokens", "threads", "device", "max-bytes"};
  r.size.eval_tokens = 77, r.size.threads = 3, r.size.device = "cuda", r.size.max_bytes = 5;
  r.shard = "2/3";
  r.sweep.out_dir = "out";
  const MismatchOptions p = mismatch_options(r);
  CHECK(p.finetune.batch_size == 99);
  CHECK(p.finetune.eval_tokens == 77);
  CHECK(p.finetune.threads == 3);
  CHECK(p.finetune.device == "cuda");
  CHECK(p.finetune.max_bytes == 5);
  CHECK(p.finetune.max_steps == preset.finetune.max_steps);
  CHECK(p.seeds == preset.seeds);  // "seeds" not given
  CHECK(p.shard_index == 2);
  CHECK(p.shard_count == 3);
  CHECK(mismatch_out_dir(p) == "out");
}

TEST_CASE("mismatch options: bad input is named", "[experiments][mismatch]") {
  MismatchRunOptions r;
  CHECK(r.validate().empty());
  r.seeds = {1, -2};
  CHECK(r.validate().empty());  // not given: not used
  r.given = {"seeds"};
  CHECK(r.validate() == "--seeds must be non-negative");
  r.given.clear();
  r.shard = "4/3";
  CHECK_FALSE(r.validate().empty());
  r.shard = "1/2";
  CHECK(r.validate().empty());
  r.merge = {"a"};
  CHECK(r.validate() == "--merge and --shard exclude each other");
  CHECK_THROWS_WITH(run_mismatch_command(r), "--merge and --shard exclude each other");  // checked before any work
  r.shard.clear();
  CHECK(r.validate().empty());
  r.given = {"lrs-sgd"};
  CHECK_THROWS_WITH(mismatch_options(r), "mismatch: 'lrs-sgd' is not a setting that overrides the preset");
  r.given.clear();
  r.preset = "huge";
  CHECK_THROWS_AS(mismatch_options(r), std::invalid_argument);
}

TEST_CASE("mismatch brief and exit code", "[experiments][mismatch]") {
  MismatchSummary s;
  s.out_dir = "runs/m", s.done = 3, s.planned = 8;
  CHECK(exit_code(s) == 3);
  const std::string part = brief(s, "tiny");
  CHECK(part.rfind("muonlab mismatch (tiny preset): 3 of 8 runs done — NOT complete: rerun the same command to "
                   "continue | results in runs/m\n\n", 0) == 0);
  CHECK(part.find("0 checks hold, 0 violated; tables, geometry, distances and ranks in runs/m/summary.md\n") !=
        std::string::npos);
  CHECK(part.find("new runs") == std::string::npos);

  s.complete = true, s.done = 8, s.new_runs = 2, s.mean_run_s = 1.3;
  Check held;
  held.id = "a/full", held.verdict = "holds", held.detail = "x < y", held.significance = "yes";
  s.analysis.checks = {held};
  CHECK(exit_code(s) == 0);
  const std::string done = brief(s, "cpu");
  CHECK(done.rfind("muonlab mismatch (cpu preset): 8 of 8 runs done | results in runs/m\n\n", 0) == 0);
  CHECK(done.find("holds     a/full                       x < y (significant: yes)\n") != std::string::npos);
  CHECK(done.find("\n1 checks hold, 0 violated;") != std::string::npos);
  const std::string last = "\n2 new runs, 1.3 s per run\n";
  REQUIRE(done.size() >= last.size());
  CHECK(done.substr(done.size() - last.size()) == last);

  Check broken = held;
  broken.verdict = "violated";
  s.analysis.checks.push_back(broken);
  CHECK(exit_code(s) == 1);
}

TEST_CASE("mismatch --optimizer and --method take lists; the plurals are aliases; help shows defaults",
          "[experiments][mismatch][cli]") {
  // A name that is not a rule or method is bad input before anything runs (MismatchOptions::validate).
  for (const char* flag : {"--optimizer", "--optimizers"}) {
    const auto r = run_cli(std::string("mismatch --preset tiny --quiet ") + flag + " muon,sgd");
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find("'sgd' is not muon, adam, adamuon or normuon") != std::string::npos);
  }
  for (const char* flag : {"--method", "--methods"}) {
    const auto r = run_cli(std::string("mismatch --preset tiny --quiet ") + flag + " full,half");
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find("'half' is not full or lora") != std::string::npos);
  }
  const auto help = run_cli("mismatch --help");
  REQUIRE(help.code == 0);
  CHECK(help.out.find("--optimizer,--optimizers") != std::string::npos);
  CHECK(help.out.find("(default muon,adam)") != std::string::npos);
  CHECK(help.out.find("(default cpu)") != std::string::npos);  // --preset
  CHECK(help.out.find("=cpu") == std::string::npos);           // not CLI11's TYPE=X
}
