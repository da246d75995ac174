// libFuzzer target: the toy-problem instance reader (toy/problem.hpp, read_problem_file), used by `muonlab bias
// --problem FILE`, in double and in exact rationals.
// Postconditions of a successful parse: x is n×k and y is m×k with k >= 1, w0 is m×n, a LoRA factor is r×n, all
// given entries finite, x non-zero (Thm 3.1/3.2 need x != 0).
#include "fuzz/fuzz_support.hpp"
#include "spectral/norms.hpp"
#include "toy/problem.hpp"

namespace {

template <class S>
void parse(const std::string& path, const char* who) {
  using namespace muonlab;
  fuzz::expect_input_error_or_success(who, [&] {
    const toy::Problem<S> p = toy::read_problem_file<S>(path);
    const std::string w = std::string(who) + ": ";
    fuzz::expect(p.x.cols() >= 1 && p.x.cols() == p.y.cols(), w + "x and y disagree on the number of samples");
    fuzz::expect(p.w0.rows() == p.y.rows() && p.w0.cols() == p.x.rows(), w + "w0 has the wrong shape");
    fuzz::expect(p.a.size() == 0 || p.a.cols() == p.x.rows(), w + "the LoRA factor has the wrong shape");
    fuzz::expect(all_finite(p.x) && all_finite(p.y) && all_finite(p.w0) && all_finite(p.a),
                 w + "a non-finite entry was accepted");
    fuzz::expect(spectral::norm_max(p.x) != S(0), w + "x = 0 was accepted");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > muonlab::fuzz::kMaxInput) return 0;
  static muonlab::fuzz::ScratchFile scratch;
  const std::string& path = scratch.write(data, size);
  parse<double>(path, "read_problem_file<double>");
  parse<muonlab::Rational>(path, "read_problem_file<Rational>");
  return 0;
}
