// nanochat/optimizer_names.hpp: the torch backend reads the shared optimizer names (solvers/optimizer_id.hpp), and
// a name means the same rule as in solvers/ (docs/optimizers.md).
#include "nanochat/config.hpp"
#include "nanochat/optim.hpp"
#include "nanochat/optimizer_names.hpp"
#include "synthetic_text.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

using namespace muonlab;
using namespace muonlab::nanochat;
using namespace muonlab::testing;
using solvers::OptimizerId;

namespace {

/// "k=v,k=v" → {k: v} (the table's presets are plain decimals).
std::map<std::string, double> preset_values(std::string_view preset) {
  std::map<std::string, double> out;
  std::string s(preset);
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t comma = s.find(',', pos), end = comma == std::string::npos ? s.size() : comma;
    const std::string item = s.substr(pos, end - pos);
    const std::size_t eq = item.find('=');
    out[item.substr(0, eq)] = std::stod(item.substr(eq + 1));
    pos = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("optimizer names: a config's optimizer and Muon variant are one shared id", "[nanochat][optimizer_names]") {
  CHECK(torch_optimizer_id("muon") == OptimizerId::muon);
  CHECK(torch_optimizer_id("muon", "keller") == OptimizerId::muon);
  CHECK(torch_optimizer_id("muon", "moonlight") == OptimizerId::muon_moonlight);
  CHECK(torch_optimizer_id("adam") == OptimizerId::adam);
  CHECK(torch_optimizer_id("adamuon") == OptimizerId::adamuon);
  CHECK(torch_optimizer_id("normuon") == OptimizerId::normuon);
  // Not a torch rule, not canonical, or a variant name (the config keeps optimizer + muon_variant): rejected.
  for (const char* bad : {"signgd", "adamw", "muon-moonlight", "MUON", "moonlight", "lion", ""})
    CHECK_FALSE(torch_optimizer_id(bad).has_value());
  CHECK_THROWS_AS(torch_rule_id("lion"), std::invalid_argument);
}

TEST_CASE("optimizer names: the CLI spellings, and the Moonlight alias as optimizer + variant",
          "[nanochat][optimizer_names]") {
  CHECK((torch_optimizer_spellings(false) == std::vector<std::string>{"adam", "muon", "adamuon", "normuon"}));
  const auto all = torch_optimizer_spellings(true);
  for (const char* s : {"adam", "muon", "muon-moonlight", "adamuon", "normuon", "moonlight", "muon-keller"})
    CHECK(std::find(all.begin(), all.end(), s) != all.end());
  CHECK(std::find(all.begin(), all.end(), "signgd") == all.end());
  using P = std::pair<OptimizerId, std::string>;
  CHECK((torch_config_names("muon-moonlight") == P{OptimizerId::muon, "moonlight"}));
  CHECK((torch_config_names("moonlight") == P{OptimizerId::muon, "moonlight"}));
  CHECK((torch_config_names("muon-keller") == P{OptimizerId::muon, "keller"}));
  CHECK((torch_config_names("muon") == P{OptimizerId::muon, ""}));
  CHECK((torch_config_names("adam") == P{OptimizerId::adam, ""}));
  CHECK(with_variant(OptimizerId::muon, "moonlight") == OptimizerId::muon_moonlight);
  CHECK(with_variant(OptimizerId::muon, "keller") == OptimizerId::muon);
  CHECK(with_variant(OptimizerId::adam, "moonlight") == OptimizerId::adam);  // the variant is Muon's alone
  CHECK(optimizer_text(OptimizerId::normuon) == "normuon");
  CHECK_THROWS_AS(torch_config_names("signgd"), std::invalid_argument);
}

TEST_CASE("optimizer names: every torch rule has its torch implementation; adam is the Adam rule with nanochat's "
          "documented options", "[nanochat][optimizer_names]") {
  CHECK(matrix_rule(OptimizerId::adam) == Rule::AdamW);
  CHECK(matrix_rule(OptimizerId::muon) == Rule::Muon);
  CHECK(matrix_rule(OptimizerId::adamuon) == Rule::AdaMuon);
  CHECK(matrix_rule(OptimizerId::normuon) == Rule::NorMuon);
  CHECK_THROWS_AS(matrix_rule(OptimizerId::signgd), std::invalid_argument);
  // The shared table's torch preset of `adam` is what TrainConfig and AdamWHyper default to: nothing else differs.
  const auto p = preset_values(solvers::optimizer_row(OptimizerId::adam).torch_preset);
  const TrainConfig c;
  CHECK(p.at("beta1") == c.adam_beta1);
  CHECK(p.at("beta2") == c.adam_beta2);
  CHECK(p.at("eps") == c.adam_eps);
  const AdamWHyper h;
  CHECK((h.beta1 == c.adam_beta1 && h.beta2 == c.adam_beta2 && h.eps == c.adam_eps));
  CHECK(c.weight_decay == preset_values(solvers::optimizer_row(OptimizerId::muon_moonlight).torch_preset).at("wd"));
  // The default matrix lr follows the shared id: Moonlight's Muon gets its own.
  TrainConfig m;
  m.optimizer = OptimizerId::muon, m.muon_variant = "moonlight";
  CHECK(m.default_matrix_lr() == 5e-3);
  m.muon_variant = "keller";
  CHECK(m.default_matrix_lr() == 0.02);
}

TEST_CASE("optimizer names: pretrain --optimizer muon-moonlight is --optimizer muon --muon-variant moonlight",
          "[nanochat][optimizer_names][cli]") {
  // Prepared only (tokenizer and tokens, no training: seconds): the run's config.json is what both spellings share,
  // in the old spelling, so every file and output a run writes stays as it was.
  const std::string root = fresh_dir("muonlab_nano_optimizer_names");
  const std::string text = write_synthetic_text("muonlab_nano_optimizer_names.txt", 20000);
  const std::string common = " --preset tiny --threads 1 --quiet --prepare-only --finetune-data none --data " + text;
  auto train_config = [&](const std::string& dir) {
    std::ifstream in(std::filesystem::path(root) / dir / "config.json");
    return nlohmann::json::parse(in).at("train");
  };
  REQUIRE(run_cli("pretrain --optimizer muon-moonlight --run-dir " + root + "/alias" + common).code == 0);
  REQUIRE(run_cli("pretrain --optimizer muon --muon-variant moonlight --run-dir " + root + "/old" + common).code == 0);
  const auto alias = train_config("alias"), old = train_config("old");
  CHECK(alias.at("optimizer") == "muon");
  CHECK(alias.at("muon_variant") == "moonlight");
  CHECK(alias.at("optimizer") == old.at("optimizer"));
  CHECK(alias.at("muon_variant") == old.at("muon_variant"));
  CHECK(alias.at("matrix_lr") == old.at("matrix_lr"));
  // Names the torch backend does not run are bad input (exit 2), as before.
  CHECK(run_cli("pretrain --optimizer signgd --run-dir " + root + "/bad" + common).code == 2);
  CHECK(run_cli("finetune --optimizer muon-moonlight --run-dir " + root + "/old").code == 2);
}
