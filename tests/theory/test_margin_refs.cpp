// The max-margin references and comparisons (theory/margin_refs.hpp) on the batch-1 example, where every value is
// known by hand: γ*_max = 4 at W = [1 −1; −1 1], γ*_2 = γ*_F = 2 at W/2.
#include "theory/margin_refs.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("margin_references: hand values and certificates", "[theory][margin]") {
  PrecisionScope scope(40);
  const toy::Classification<Real> p = toy::batch_one_counterexample<Real>();
  const std::vector<MarginReference> refs = margin_references(p, default_spectral_gap());
  REQUIRE(refs.size() == 3);
  CHECK(refs[0].norm == "max");
  CHECK(refs[0].exact);
  CHECK(refs[0].lower == Real(4));
  CHECK(refs[0].rel_gap == 0);
  CHECK(refs[2].norm == "F");
  CHECK(abs(refs[2].lower - Real(2)) <= Real("1e-38"));
  CHECK(refs[2].rel_gap == 0);
  CHECK(refs[1].norm == "2");
  CHECK(refs[1].lower <= Real(2) + Real("1e-38"));
  CHECK(refs[1].upper >= Real(2) - Real("1e-38"));
  CHECK(refs[1].rel_gap <= to_double(default_spectral_gap()));
  CHECK(default_spectral_gap() == pow(Real(10), Real(-16)));  // 10^(−0.4·40)
}

TEST_CASE("compare_margins: zero gaps at the maximizer, positive elsewhere", "[theory][margin]") {
  PrecisionScope scope(40);
  const toy::Classification<Real> p = toy::batch_one_counterexample<Real>();
  const std::vector<MarginReference> refs = margin_references(p, default_spectral_gap());
  MatR w(2, 2);
  w << 1, -1, -1, 1;
  const std::vector<MarginComparison> at = compare_margins(p, refs, MatR(Real(7) * w));  // scale-invariant
  for (const auto& c : at) {
    INFO(c.norm);
    CHECK(std::abs(c.gap) <= 1e-15);      // the spectral reference's bracket is 1e-16 wide
    CHECK(std::abs(c.distance) <= 1e-15);
  }
  MatR v(2, 2);
  v << 1, Real(-1) / 2, -1, Real(1) / 2;  // d = v0 − v1 = (2, −1): margins 5, 1, 19 → γ = 1, ‖V‖max = 1
  const std::vector<MarginComparison> off = compare_margins(p, refs, v);
  CHECK(std::abs(off[0].normalized_margin - 1.0) <= 1e-30);
  CHECK(std::abs(off[0].gap - 0.75) <= 1e-30);
  // The max-norm maximizer is unique here (d = (2, −2) is forced by the margins of x1 and x2), so the optimal face
  // is the point W above and the distance is |V − W|max = 1/2 (the simplex's threshold is ~1e-37 at 40 digits).
  CHECK(std::abs(off[0].distance - 0.5) <= 1e-30);
  CHECK(off[2].gap > 0.1);
  // W = 0 has no direction.
  const std::vector<MarginComparison> zero = compare_margins(p, refs, MatR::Zero(2, 2));
  CHECK(std::isnan(zero[0].gap));
}
