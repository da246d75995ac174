// solvers/optimizer_id.hpp: the one enum and name table both backends key their registries by.
#include "solvers/optimizer_id.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace muonlab::solvers;

namespace {
// OptimizerId's enumerators are 0 … normuon, in table order (the last one closes the range).
constexpr int kCount = static_cast<int>(OptimizerId::normuon) + 1;
}  // namespace

TEST_CASE("optimizer_id: every enumerator has one row, in enum order, with a unique name", "[solvers][optimizer_id]") {
  REQUIRE(kOptimizerNames.size() == static_cast<std::size_t>(kCount));
  std::set<std::string> names;
  for (int i = 0; i < kCount; ++i) {
    const auto id = static_cast<OptimizerId>(i);
    const OptimizerName& row = optimizer_row(id);
    CHECK(row.id == id);
    CHECK(kOptimizerNames[static_cast<std::size_t>(i)].id == id);
    CHECK(!row.name.empty());
    CHECK(names.insert(std::string(row.name)).second);
  }
}

TEST_CASE("optimizer_id: names round-trip, case-insensitively; unknown names are nullopt", "[solvers][optimizer_id]") {
  for (const auto& row : kOptimizerNames) {
    INFO(row.name);
    REQUIRE(optimizer_id(row.name).has_value());
    CHECK(*optimizer_id(row.name) == row.id);
    CHECK(optimizer_name(row.id) == row.name);
    std::string upper(row.name);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(optimizer_id(upper) == row.id);
  }
  CHECK_FALSE(optimizer_id("lion").has_value());
  CHECK_FALSE(optimizer_id("").has_value());
  CHECK_FALSE(optimizer_id("muon ").has_value());  // callers trim; the table matches exactly
}

TEST_CASE("optimizer_id: aliases resolve and never shadow a canonical name", "[solvers][optimizer_id]") {
  for (const auto& a : kOptimizerAliases) {
    INFO(a.alias);
    CHECK(optimizer_id(a.alias) == a.id);
    for (const auto& row : kOptimizerNames) CHECK(row.name != a.alias);
  }
  // The torch side's --muon-variant words name the same rules as the Eigen names.
  CHECK(optimizer_id("moonlight") == OptimizerId::muon_moonlight);
  CHECK(optimizer_id("muon-keller") == OptimizerId::muon);
}

TEST_CASE("optimizer_id: a variant is its base rule plus a preset", "[solvers][optimizer_id]") {
  // Each rule has exactly one entry without a preset: the rule itself, by its own name.
  for (UpdateRule r : {UpdateRule::gd, UpdateRule::signgd, UpdateRule::adam, UpdateRule::muon, UpdateRule::adamuon,
                       UpdateRule::normuon}) {
    int plain = 0;
    for (const auto& row : kOptimizerNames) plain += row.rule == r && row.preset.empty();
    CHECK(plain == 1);
  }
  CHECK(optimizer_row(OptimizerId::adamw).rule == UpdateRule::adam);
  CHECK(optimizer_row(OptimizerId::adamw).preset == "wd=0.01");
  CHECK(optimizer_row(OptimizerId::muon_moonlight).rule == UpdateRule::muon);
  // The torch backend runs the hidden matrices with adam, muon, muon-moonlight, adamuon, normuon; its adam differs
  // from torch.optim.Adam's defaults only by the documented nanochat option set.
  CHECK(optimizer_names_text(true) == "adam, muon, muon-moonlight, adamuon, normuon");
  CHECK(optimizer_row(OptimizerId::adam).torch_preset == "beta1=0.8,beta2=0.95,eps=1e-10");
  CHECK(optimizer_names_text() ==
        "gd, signgd, adam, adamw, muon, muon-moonlight, muon-ideal, muonall, adamuon, normuon");
}
