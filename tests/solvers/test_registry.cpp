// solvers/registry: one entry per OptimizerId with its help, its keys (defaults from the rule's Defaults struct,
// the variant's preset applied) and its factories; make_optimizer resolves a name once, here.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

namespace {

const KeyInfo& key_of(const OptimizerEntry& e, const std::string& key) {
  for (const auto& k : e.keys)
    if (k.key == key) return k;
  FAIL("no key " << key << " in " << e.name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("registry: every id has a name, help, keys and a factory that builds it", "[solvers][registry]") {
  REQUIRE(optimizer_registry().size() == kOptimizerNames.size());
  for (const auto& row : kOptimizerNames) {
    INFO(row.name);
    const OptimizerEntry& e = optimizer_entry(row.id);
    CHECK(e.id == row.id);
    CHECK(e.name == row.name);
    CHECK(!e.description.empty());
    CHECK(!e.source.empty());
    CHECK(!e.keys.empty());
    REQUIRE(e.make.f64 != nullptr);
    REQUIRE(e.make.real != nullptr);
    REQUIRE(e.make.rational != nullptr);
    CHECK(make_optimizer<double>(e.name)->name() == e.name);
    {
      PrecisionScope p(30);
      CHECK(make_optimizer<Real>(e.name)->name() == e.name);
    }
    if (e.field_only)
      CHECK(make_optimizer<Rational>(e.name)->name() == e.name);
    else
      CHECK_THROWS_WITH(make_optimizer<Rational>(e.name), Catch::Contains("needs square roots"));
    CHECK(&optimizer_entry(e.name) == &e);
  }
}

TEST_CASE("registry: unknown names list every canonical name", "[solvers][registry]") {
  try {
    (void)optimizer_entry(std::string("lion"));
    FAIL("no error");
  } catch (const InputError& err) {
    const std::string msg = err.what();
    CHECK_THAT(msg, Catch::Contains("unknown optimizer 'lion'"));
    for (const auto& row : kOptimizerNames) CHECK_THAT(msg, Catch::Contains(std::string(row.name)));
  }
}

TEST_CASE("registry: aliases build the canonical optimizer and print its name", "[solvers][registry]") {
  CHECK(make_optimizer<double>("moonlight")->name() == "muon-moonlight");
  CHECK(make_optimizer<double>("MUON-KELLER")->name() == "muon");
  CHECK(make_optimizer<double>("moonlight:beta=0.9")->name() == "muon-moonlight(beta=0.9)");
  const auto* m = dynamic_cast<const Muon<double>*>(make_optimizer<double>("moonlight").get());
  REQUIRE(m != nullptr);
  CHECK(m->options().scaling == MuonScaling::moonlight);
}

TEST_CASE("registry: key defaults are the options structs' defaults, written once", "[solvers][registry]") {
  // The key table's default text is the Defaults constant, and a default-constructed options struct holds the same
  // value: exactly, in rationals (0.9 is 9/10), so neither can drift from the other.
  const OptimizerEntry& adam = optimizer_entry(OptimizerId::adam);
  CHECK(key_of(adam, "beta1").default_text == AdamDefaults::beta1);
  CHECK(key_of(adam, "beta2").default_text == AdamDefaults::beta2);
  CHECK(key_of(adam, "eps").default_text == AdamDefaults::eps);
  CHECK(AdamOptions<Rational>{}.beta1 == Rational(9, 10));
  CHECK(AdamOptions<Rational>{}.eps == Rational(1, 100000000));
  CHECK(key_of(optimizer_entry(OptimizerId::muon), "beta").default_text == MuonDefaults::beta);
  CHECK(key_of(optimizer_entry(OptimizerId::normuon), "eps").default_text == NorMuonDefaults::eps);
  CHECK(key_of(optimizer_entry(OptimizerId::adamuon), "eps").default_text == AdaMuonDefaults::eps);
  CHECK(GdOptions<Rational>{}.wd == Rational(0));

  // Built from a spec with nothing given, every option equals the struct's default (double: same rounding).
  const auto a = make_optimizer<double>("adam");
  const auto& ao = dynamic_cast<const Adam<double>&>(*a).options();
  const AdamOptions<double> ad;
  CHECK((ao.beta1 == ad.beta1 && ao.beta2 == ad.beta2 && ao.eps == ad.eps && ao.wd == ad.wd &&
         ao.bias_correction == ad.bias_correction));
  const auto n = make_optimizer<double>("normuon");
  const auto& no = dynamic_cast<const NorMuon<double>&>(*n).options();
  const NorMuonOptions<double> nd;
  CHECK((no.beta == nd.beta && no.beta2 == nd.beta2 && no.eps == nd.eps && no.nesterov == nd.nesterov));
}

TEST_CASE("registry: the Muon family reads its shared keys alike", "[solvers][registry]") {
  // Muon, AdaMuon and NorMuon read ortho, ns_steps, ns_eps, beta and nesterov through OrthoMomentumOptions
  // (solvers/ortho_momentum.hpp): the same spec text gives the same values and the same orthogonalizer.
  const std::string keys = ":ortho=cubic,ns_steps=7,ns_eps=0.001,beta=0.9,nesterov=0";
  const auto check = [](const auto& o) {
    CHECK(o.ortho == "cubic");
    CHECK(o.ns_steps == 7);
    REQUIRE(o.ns_eps.has_value());
    CHECK(*o.ns_eps == 0.001);
    CHECK(o.beta == 0.9);
    CHECK_FALSE(o.nesterov);
    const auto ortho = o.orthogonalizer();
    CHECK(ortho.schedule().steps.size() == 7);
    CHECK(ortho.schedule().eps == 0.001);
  };
  check(dynamic_cast<const Muon<double>&>(*make_optimizer<double>("muon" + keys)).options());
  check(dynamic_cast<const AdaMuon<double>&>(*make_optimizer<double>("adamuon" + keys)).options());
  check(dynamic_cast<const NorMuon<double>&>(*make_optimizer<double>("normuon" + keys)).options());
}

TEST_CASE("registry: variants are their base rule with the preset's options", "[solvers][registry]") {
  const auto w = make_optimizer<double>("adamw");
  REQUIRE(dynamic_cast<const Adam<double>*>(w.get()) != nullptr);
  CHECK(dynamic_cast<const Adam<double>&>(*w).options().wd == 0.01);
  CHECK(key_of(optimizer_entry(OptimizerId::adamw), "wd").default_text == "0.01");

  const auto ml = make_optimizer<double>("muon-moonlight");
  const auto& mo = dynamic_cast<const Muon<double>&>(*ml).options();
  CHECK(mo.scaling == MuonScaling::moonlight);
  CHECK(mo.momentum == MomentumKind::classical);
  CHECK(mo.wd == 0.1);
  CHECK(mo.nesterov);

  const auto id = make_optimizer<double>("muon-ideal");
  const auto& io = dynamic_cast<const Muon<double>&>(*id).options();
  CHECK((io.ortho == "polar" && io.scaling == MuonScaling::none && io.momentum == MomentumKind::none && !io.nesterov));

  const auto all = make_optimizer<double>("muonall");
  CHECK(dynamic_cast<const Muon<double>&>(*all).options().diag_vectors);
  CHECK_FALSE(dynamic_cast<const Muon<double>&>(*make_optimizer<double>("muon")).options().diag_vectors);
}

TEST_CASE("registry: a preset-only option is neither listed nor accepted from a user", "[solvers][registry]") {
  for (const auto& [name, help] : optimizer_help()) CHECK_THAT(help, !Catch::Contains("diag_vectors"));
  CHECK_THROWS_WITH(make_optimizer<double>("muon:diag_vectors=1"),
                    Catch::Contains("no key 'diag_vectors'") &&
                        Catch::Contains("(valid keys: ortho, ns_steps, ns_eps, scaling, momentum, beta, nesterov, wd)"));
}
