// The map Muon-type optimizers apply to their momentum (solvers/orthogonalizer.hpp): the exact polar factor or a
// Newton-Schulz schedule, its options and their errors, and the O(n) diagonal path MuonAll uses.
#include "spectral/errors.hpp"  // before orthogonalizer.hpp and polar.hpp, which use InputError without including it
#include "solvers/orthogonalizer.hpp"
#include "spectral/norms.hpp"
#include "spectral/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace muonlab;
using namespace muonlab::solvers;

TEST_CASE("orthogonalizer: polar is ortho, a schedule is newton_schulz with it", "[solvers][ortho]") {
  spectral::Rng rng(5);
  const MatD g = spectral::random_gaussian<double>(rng, 4, 6);
  const auto polar = Orthogonalizer<double>::make("polar");
  CHECK(polar.exact());
  CHECK(polar.name() == "polar");
  CHECK(polar(g) == spectral::ortho(g));
  const auto pe5 = Orthogonalizer<double>::make("pe5");
  CHECK_FALSE(pe5.exact());
  CHECK(pe5.schedule().steps.size() == 5);
  CHECK(pe5(g) == spectral::newton_schulz(g, spectral::schedule_cast<double>(spectral::named_schedule("pe5"))));
  // ns_steps repeats Keller's quintic; ns_eps replaces the normalization epsilon.
  const auto ns3 = Orthogonalizer<double>::make("ns5", 3, 1e-3);
  REQUIRE(ns3.schedule().steps.size() == 3);
  CHECK(ns3.schedule().steps[2].a == 3.4445);
  CHECK(ns3.schedule().eps == 1e-3);
  CHECK(Orthogonalizer<double>::make("cubic", 12).schedule().steps.size() == 12);
}

TEST_CASE("orthogonalizer: options that do not apply and unknown names are InputErrors", "[solvers][ortho][errors]") {
  CHECK_THROWS_WITH(Orthogonalizer<double>::make("polar", 5), Catch::Contains("'ns_steps' applies to Newton-Schulz"));
  CHECK_THROWS_WITH(Orthogonalizer<double>::make("polar", 0, 1e-7), Catch::Contains("'ns_eps' applies to Newton-Schulz"));
  CHECK_THROWS_WITH(Orthogonalizer<double>::make("pe5", 3), Catch::Contains("'pe5' is a fixed table"));
  CHECK_THROWS_AS(Orthogonalizer<double>::make("ns9"), InputError);
}

TEST_CASE("orthogonalizer: the diagonal path equals the matrix iteration on diag(u)", "[solvers][ortho][muonall]") {
  VecD u(5);
  u << 3, -0.5, 1e-3, 0, -2;
  const auto polar = Orthogonalizer<double>::make("polar");
  VecD sign(5);
  sign << 1, -1, 1, 0, -1;
  CHECK(polar.diagonal(u) == sign);  // ortho(diag v) = diag(sign v)
  for (const char* name : {"ns5", "pe5", "cubic"}) {
    INFO(name);
    const auto o = Orthogonalizer<double>::make(name);
    const VecD d = o.diagonal(u);
    const MatD m = o(MatD(u.asDiagonal()));
    // Same arithmetic entry by entry, but the matrix path sums zero off-diagonal products and normalizes by the
    // Frobenius norm computed over 25 entries: agreement to a few ulps of the O(1) outputs, 64·u is ample.
    CHECK((m.diagonal() - d).cwiseAbs().maxCoeff() <= 64 * std::numeric_limits<double>::epsilon());
    CHECK(m.norm() == Approx(d.norm()).epsilon(1e-12));
    CHECK(d(3) == 0);  // a zero entry stays zero
  }
  CHECK(Orthogonalizer<double>::make("ns5", 0, 0.0).diagonal(VecD::Zero(3)) == VecD::Zero(3));  // NS(0) = 0, eps = 0
}
