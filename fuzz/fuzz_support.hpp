// What the libFuzzer targets share (issue 6): the contract every parser of user files must keep, whatever the bytes.
//
//   - a malformed input raises muonlab::InputError (the CLI turns it into a message and exit code 2);
//   - nothing else escapes: any other exception, a crash, a sanitizer report or a hang is a bug;
//   - an input that parses satisfies the parser's documented postconditions (checked by each target).
//
// A violated expectation calls fuzz_fail, which prints the reason and aborts, so libFuzzer records the input as a
// crash and the corpus-replay test (fuzz/replay_main.cpp) fails on it.
#pragma once

#include "spectral/errors.hpp"
#include "spectral/scalar.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <typeinfo>
#include <unistd.h>

namespace muonlab::fuzz {

/// Inputs longer than this are skipped: the parsers are linear in the input, so long inputs only slow the search.
inline constexpr std::size_t kMaxInput = 1 << 13;

[[noreturn]] inline void fuzz_fail(const std::string& why) {
  std::fprintf(stderr, "fuzz: contract violated: %s\n", why.c_str());
  std::abort();
}

inline void expect(bool ok, const std::string& why) {
  if (!ok) fuzz_fail(why);
}

/// Runs `parse`; InputError is the expected answer to bad input, anything else escaping is a bug.
template <class F>
void expect_input_error_or_success(const char* who, F&& parse) {
  try {
    parse();
  } catch (const InputError&) {
    // the documented answer to malformed input
  } catch (const std::exception& e) {
    fuzz_fail(std::string(who) + ": unexpected " + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fuzz_fail(std::string(who) + ": unexpected non-standard exception");
  }
}

/// The parsers of coefficient and instance files take a path: the bytes go to a per-process scratch file.
class ScratchFile {
public:
  ScratchFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/muonlab-fuzz-" + std::to_string(::getpid()) + ".txt";
  }
  ~ScratchFile() { std::remove(path_.c_str()); }
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) fuzz_fail("cannot write the scratch file " + path_);
    return path_;
  }

private:
  std::string path_;
};

}  // namespace muonlab::fuzz
