// `muonlab bias --problem classify | batch1` (issue 19): one optimizer on separable multiclass data with
// cross-entropy, compared with the three certified max-margin references (theory/margin_refs.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace muonlab::cli {

struct ClassifyArgs {
  std::string optimizer;
  std::string instance;        // a file with [x] and [labels]; empty: random (or the batch-1 example)
  bool batch1_example = false; // --problem batch1: this project's constructed batch-size-1 example
  std::string entries = "integer";
  int classes = 3;
  long n = 4, samples = 8;
  unsigned digits = 30;
  long steps = 2000;
  std::string schedule = "power:lr=0.1,p=0.5";
  std::string batch = "full";
  bool normalize = false;      // divide each gradient by its Frobenius norm (with gd: normalized GD)
  std::uint64_t seed = 1;
  int records = 200;
  double tol = 1e-2;
  std::string out;
  bool json = false;
};

/// Runs, prints (table or JSON) and returns the exit code.
int run_bias_classify(const ClassifyArgs& args);

}  // namespace muonlab::cli
