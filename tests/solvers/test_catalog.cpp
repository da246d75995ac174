// The optimizer catalog (solvers/catalog.hpp): one entry per name, defaults that pass their own range checks at
// every working type, the published defaults, and the lookup error.
#include "solvers/catalog.hpp"
#include "solvers/optimizer.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

using namespace muonlab;
using namespace muonlab::solvers;

namespace {
const KeyInfo& key_of(const OptimizerInfo& o, const std::string& key) {
  for (const auto& k : o.keys)
    if (k.key == key) return k;
  FAIL("no key " << key << " in " << o.name);
  throw std::logic_error("unreachable");
}
}  // namespace

TEST_CASE("catalog: unique names and keys, described, with defaults that read back in range", "[solvers][catalog]") {
  const auto& cat = optimizer_catalog();
  REQUIRE(!cat.empty());
  std::set<std::string> names;
  for (const OptimizerInfo& o : cat) {
    INFO(o.name);
    CHECK(names.insert(o.name).second);
    CHECK(!o.description.empty());
    CHECK(!o.source.empty());
    CHECK(&optimizer_info(o.name) == &o);  // the lookup returns the catalog's own entry
    std::set<std::string> keys;
    for (const KeyInfo& k : o.keys) {
      CHECK(keys.insert(k.key).second);
      CHECK(!k.help.empty());
    }
    // The defaults are parsed like user values and checked against their ranges: exactly, then after rounding to
    // double and to 30-digit MPFR (a default must never be one the working precision cannot represent).
    const SpecReader r(parse_spec(o.name, "optimizer"), o.keys);
    CHECK(r.display_name() == o.name);
    PrecisionScope scope(30);
    for (const KeyInfo& k : o.keys)
      if (k.kind == KeyKind::scalar && !k.default_text.empty()) {
        CHECK_NOTHROW(r.scalar<double>(k.key));
        CHECK_NOTHROW(r.scalar<Real>(k.key));
        if (o.field_only) CHECK_NOTHROW(r.scalar<Rational>(k.key));
      }
  }
}

TEST_CASE("catalog: the published defaults of the reference implementations", "[solvers][catalog]") {
  // PyTorch torch.optim.Adam / AdamW defaults.
  const OptimizerInfo& adam = optimizer_info("adam");
  CHECK(key_of(adam, "beta1").default_text == "0.9");
  CHECK(key_of(adam, "beta2").default_text == "0.999");
  CHECK(key_of(adam, "eps").default_text == "1e-8");
  CHECK(key_of(adam, "wd").default_text == "0");
  CHECK(key_of(optimizer_info("adamw"), "wd").default_text == "0.01");
  // Keller's Muon (nanochat): momentum 0.95, Nesterov, NS5, sqrt(max(1, m/n)); Moonlight: classical momentum,
  // 0.2 sqrt(max(m, n)), weight decay 0.1; the theory's idealized Muon: exact polar factor, nothing else.
  const OptimizerInfo& muon = optimizer_info("muon");
  CHECK(key_of(muon, "beta").default_text == "0.95");
  CHECK(key_of(muon, "nesterov").default_text == "1");
  CHECK(key_of(muon, "ortho").default_text == "ns5");
  CHECK(key_of(muon, "scaling").default_text == "keller");
  const OptimizerInfo& moon = optimizer_info("muon-moonlight");
  CHECK(key_of(moon, "scaling").default_text == "moonlight");
  CHECK(key_of(moon, "momentum").default_text == "classical");
  CHECK(key_of(moon, "wd").default_text == "0.1");
  const OptimizerInfo& ideal = optimizer_info("muon-ideal");
  CHECK(key_of(ideal, "ortho").default_text == "polar");
  CHECK(key_of(ideal, "momentum").default_text == "none");
  CHECK(key_of(ideal, "scaling").default_text == "none");
  // Only the rules that need + − × ÷ alone run in exact rationals.
  for (const OptimizerInfo& o : optimizer_catalog()) {
    INFO(o.name);
    CHECK(o.field_only == (o.name == "gd" || o.name == "signgd"));
  }
}

TEST_CASE("catalog: an unknown name lists the known ones; help follows the catalog", "[solvers][catalog][errors]") {
  CHECK_THROWS_AS(optimizer_info("sgdm"), InputError);
  CHECK_THROWS_WITH(optimizer_info("sgdm"), Catch::Contains("unknown optimizer 'sgdm' (known: gd, signgd, adam"));
  CHECK_THROWS_AS(optimizer_info("Adam"), InputError);  // lookup is by the canonical (lower-case) name
  const auto help = optimizer_help();
  const auto& cat = optimizer_catalog();
  REQUIRE(help.size() == cat.size());
  for (std::size_t i = 0; i < cat.size(); ++i) {
    INFO(cat[i].name);
    CHECK(help[i].first == cat[i].name);
    CHECK_THAT(help[i].second, Catch::StartsWith(cat[i].description));
    CHECK_THAT(help[i].second, Catch::Contains(describe_keys(cat[i].keys)));
    CHECK((help[i].second.find("exact in rationals") != std::string::npos) == cat[i].field_only);
  }
}
