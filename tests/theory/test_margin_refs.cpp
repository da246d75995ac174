// The max-margin references and comparisons (theory/margin_refs.hpp) on the batch-1 example, where every value is
// known by hand: γ*_max = 4 at W = [1 −1; −1 1], γ*_2 = γ*_F = 2 at W/2.
#include "theory/margin_refs.hpp"

#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::theory;

TEST_CASE("margin_references: hand values and certificates", "[theory][margin]") {
  const spectral::Precision precision(40);
  auto scope = precision.scope();
  const toy::Classification<Real> p = toy::batch_one_counterexample<Real>();
  const std::vector<MarginReference> refs = margin_references(p, default_spectral_gap(precision));
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
  CHECK(refs[1].rel_gap <= default_spectral_gap(precision));
  CHECK(default_spectral_gap(precision) == pow(Real(10), Real(-16)));  // 10^(−0.4·40)
}

TEST_CASE("default_spectral_gap follows the precision it is given and not the ambient one", "[theory][margin]") {
  PrecisionScope ambient(20);  // a different thread precision must not matter
  const spectral::Precision p500(500), p10(10);
  const Real g500 = default_spectral_gap(p500), g10 = default_spectral_gap(p10);
  // Each is a Real of its own precision (an ambient 20 digits would give 67 bits).
  CHECK(mpfr_get_prec(g500.backend().data()) == static_cast<mpfr_prec_t>(p500.bits()));
  CHECK(mpfr_get_prec(g10.backend().data()) == static_cast<mpfr_prec_t>(p10.bits()));
  auto scope = p500.scope();
  CHECK(g500 == pow(Real(10), Real(-60)));  // 10^(−0.4·500) capped at 1e-60
  // 10^(−0.4·10) = 1e-4, rounded to 10 digits: within its unit roundoff.
  CHECK(abs(g10 / pow(Real(10), Real(-4)) - Real(1)) <= p10.unit_roundoff());
}

TEST_CASE("compare_margins: zero gaps at the maximizer, positive elsewhere", "[theory][margin]") {
  const spectral::Precision precision(40);
  auto scope = precision.scope();
  const toy::Classification<Real> p = toy::batch_one_counterexample<Real>();
  const std::vector<MarginReference> refs = margin_references(p, default_spectral_gap(precision));
  MatR w(2, 2);
  w << 1, -1, -1, 1;
  const std::vector<MarginComparison> at = compare_margins(p, refs, MatR(Real(7) * w));  // scale-invariant
  for (const auto& c : at) {
    INFO(c.norm);
    CHECK(c.defined);
    CHECK(abs(c.gap) <= Real("1e-15"));  // the spectral reference's bracket is 1e-16 wide
    CHECK(abs(c.distance) <= Real("1e-15"));
  }
  MatR v(2, 2);
  v << 1, Real(-1) / 2, -1, Real(1) / 2;  // d = v0 − v1 = (2, −1): margins 5, 1, 19 → γ = 1, ‖V‖max = 1
  const std::vector<MarginComparison> off = compare_margins(p, refs, v);
  CHECK(abs(off[0].normalized_margin - Real(1)) <= Real("1e-30"));
  CHECK(abs(off[0].gap - Real(3) / 4) <= Real("1e-30"));
  // The max-norm maximizer is unique here (d = (2, −2) is forced by the margins of x1 and x2), so the optimal face
  // is the point W above and the distance is |V − W|max = 1/2 (the simplex's threshold is ~1e-37 at 40 digits).
  CHECK(abs(off[0].distance - Real(1) / 2) <= Real("1e-30"));
  CHECK(off[2].gap > Real(1) / 10);
  // W = 0 has no direction.
  const std::vector<MarginComparison> zero = compare_margins(p, refs, MatR::Zero(2, 2));
  CHECK(!zero[0].defined);
  CHECK(!is_finite(zero[0].gap));
}
