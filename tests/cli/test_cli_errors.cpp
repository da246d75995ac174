// The command line as one interface (issue 17): every error says which command it comes from
// ("muonlab <command>: error: ...", exit 2), the parser's included; an unknown word is an unknown subcommand with the
// list of commands; a missing coefficient file says so; the help documents the coefficient-file format; one flag
// name per concept; one default precision.
#include "run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using namespace muonlab::testing;

namespace {
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("an unknown subcommand is named, with the list of commands", "[cli][errors]") {
  const auto r = check_bad_input("frobnicate", "muonlab: error: unknown subcommand 'frobnicate'");
  INFO(r.out);
  CHECK(has(r.out, "verify"));
  CHECK(has(r.out, "bias"));
  CHECK(!has(r.out, "A subcommand is required"));
  check_bad_input("pe frobnicate",
                  "muonlab pe: error: unknown subcommand 'frobnicate' (commands: design, certify, table)");
  check_bad_input("", "muonlab: error: a subcommand is required (commands: ");
}

TEST_CASE("parser errors carry the command's prefix and exit 2", "[cli][errors]") {
  struct Case {
    std::string args, prefix, message;
  };
  const Case cases[] = {
      {"bias --optimizer signgd --m 0", "muonlab bias: error: ", "--m"},
      {"bias --m 4", "muonlab bias: error: ", "--optimizer is required"},
      {"spectrum --matrix x.csv --no-such-flag", "muonlab spectrum: error: ", "--no-such-flag"},
      {"verify --digits 5", "muonlab verify: error: ", "too low"},
      {"pe certify", "muonlab pe certify: error: ", "--coeffs is required"},
      {"pe design --iters x", "muonlab pe design: error: ", "--iters"},
      {"ns", "muonlab ns: error: ", "--coeffs is required"},
      {"lora --trials 0", "muonlab lora: error: ", "--trials"},
      {"budget --points 1", "muonlab budget: error: ", "--points"},
  };
  for (const Case& c : cases) {
    const auto r = check_bad_input(c.args, c.message);
    INFO(c.args << "\n" << r.out);
    CHECK(r.out.rfind(c.prefix, 0) == 0);  // the first thing printed
  }
}

TEST_CASE("errors from the computation carry the full command path", "[cli][errors]") {
  check_bad_input("pe certify --coeffs no/such/file.txt",
                  "muonlab pe certify: error: cannot read coefficient file 'no/such/file.txt'");
  // A word without '/' or '.' was meant as a schedule name: the names are listed.
  const auto name = check_bad_input("ns --coeffs nope", "muonlab ns: error: unknown coefficient schedule 'nope'");
  INFO(name.out);
  CHECK(has(name.out, "ns5"));
}

TEST_CASE("validate() messages reach the user with exit 2", "[cli][errors]") {
  struct Case {
    std::string args, message;
  };
  const Case cases[] = {
      {"bias --optimizer frobnicator --steps 5", "frobnicator"},
      {"bias --optimizer signgd --problem nowhere --steps 5", "nowhere"},
      {"bias --optimizer signgd --batch cyclic:1 --steps 5", "--batch, --normalize and --classes apply to"},
      {"bias --problem classify --optimizer signgd --exact", "--exact: the cross-entropy needs exp and log"},
      {"budget --z 1,2", "give both --z and --r0"},
      {"budget --samples 5 --n 4", "--samples must be <= --n"},
      {"lora --z 1,2", "give all of --a FILE, --z and --r0"},
      {"lora --scan 9 --n 8", "--scan R_MAX must be <= --n"},
      {"ns --coeffs ns5 --digits 15", "at least 20"},
      {"pe design --format xml", "--format must be table, cpp, python or json"},
      {"pe certify --coeffs ns5 --digits 20 --rel-tol 1e-30", "is below what 20 digits can resolve"},
      {"verify --claims no-such-claim", "unknown claim 'no-such-claim'"},
  };
  for (const Case& c : cases) {
    const auto r = check_bad_input(c.args, c.message);
    INFO(c.args << "\n" << r.out);
    CHECK(has(r.out, ": error: "));
  }
}

TEST_CASE("the coefficient-file format is in the help of the commands that take one", "[cli][help]") {
  for (const char* cmd : {"ns --help", "pe certify --help"}) {
    const auto r = run_cli(cmd);
    INFO(cmd << "\n" << r.out);
    CHECK(r.code == 0);
    CHECK(has(r.out, "'a, b, c'"));
    CHECK(has(r.out, "safety = S"));
    CHECK(has(r.out, "eps = E"));
  }
}

TEST_CASE("one flag name per concept, one default precision, an honest muonall help", "[cli][help]") {
  // budget's k-sample optimizers: --optimizer as in bias; --optimizers still accepted.
  for (const char* flag : {"--optimizer", "--optimizers"}) {
    const auto j = run_cli_json(std::string("budget --samples 2 --m 2 --n 3 --steps 50 --json ") + flag + " signgd");
    REQUIRE(j["ksample"].size() == 1);
    CHECK(j["ksample"][0]["optimizer"] == "signgd");
  }
  // ns defaults to the project's 50 digits like verify and pe (docs/conventions.md, "Precision").
  const auto ns = run_cli("ns --coeffs cubic", "", false);
  REQUIRE(ns.code == 0);
  CHECK(has(ns.out, "analysis at 50 digits"));
  // NS5(diag v) is not diag(sign v) (README, claim bias-muonall): the help says what is true.
  const auto help = run_cli("bias --help");
  CHECK(has(help.out, "NOT sign(g)"));
  CHECK(!has(help.out, "(ortho(diag v) = diag(sign v))"));
}
