// libFuzzer target: the matrix CSV reader (spectral/text_io.hpp, read_matrix_csv), used by `muonlab spectrum
// --matrix` and every command that reads a matrix, in the three scalar types.
// Postconditions of a successful parse: at least one row and one column, and every entry finite.
#include "fuzz/fuzz_support.hpp"
#include "spectral/text_io.hpp"

#include <sstream>

namespace {

template <class S>
void parse(const std::string& text, const char* who) {
  muonlab::fuzz::expect_input_error_or_success(who, [&] {
    std::istringstream in(text);
    const muonlab::Mat<S> a = muonlab::read_matrix_csv<S>(in, "<fuzz>");
    muonlab::fuzz::expect(a.rows() > 0 && a.cols() > 0, std::string(who) + ": parsed an empty matrix");
    muonlab::fuzz::expect(muonlab::all_finite(a), std::string(who) + ": parsed a non-finite entry");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > muonlab::fuzz::kMaxInput) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  parse<double>(text, "read_matrix_csv<double>");
  parse<muonlab::Rational>(text, "read_matrix_csv<Rational>");
  muonlab::PrecisionScope scope(30);
  parse<muonlab::Real>(text, "read_matrix_csv<Real>");
  return 0;
}
