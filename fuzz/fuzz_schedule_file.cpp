// libFuzzer target: the Newton–Schulz coefficient-file reader (spectral/newton_schulz.hpp, read_schedule_file),
// used by `--ortho FILE`, `muonlab ns` and `muonlab pe certify`.
// Postconditions of a successful parse: at least one step, every coefficient finite, safety and eps finite and
// >= 0. The schedule is then applied to a few scalars (no crash; the values themselves may overflow, which is
// the user's choice of coefficients).
#include "fuzz/fuzz_support.hpp"
#include "spectral/newton_schulz.hpp"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace muonlab;
  if (size > fuzz::kMaxInput) return 0;
  static fuzz::ScratchFile scratch;
  const std::string& path = scratch.write(data, size);
  fuzz::expect_input_error_or_success("read_schedule_file", [&] {
    const spectral::NsScheduleSpec spec = spectral::read_schedule_file(path);
    fuzz::expect(!spec.steps.empty(), "a schedule without steps was accepted");
    for (const auto& st : spec.steps)
      for (double c : st) fuzz::expect(std::isfinite(c), "a non-finite coefficient was accepted");
    fuzz::expect(std::isfinite(spec.safety) && spec.safety >= 0, "safety must be finite and >= 0");
    fuzz::expect(std::isfinite(spec.eps) && spec.eps >= 0, "eps must be finite and >= 0");
    const auto sch = spectral::schedule_cast<double>(spec);
    for (double x : {0.0, 1e-3, 0.5, 1.0}) (void)spectral::ns_scalar_map(sch, x);
  });
  return 0;
}
