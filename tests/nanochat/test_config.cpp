// The LibTorch path's configuration (nanochat/config.hpp): presets, validation messages that name the option, the
// optimizer-dependent default learning rate, and the JSON round trip that run directories rely on.
#include "nanochat/config.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

using namespace muonlab::nanochat;
namespace solvers = muonlab::solvers;

TEST_CASE("presets fill both structs consistently and validate", "[nanochat][config]") {
  for (const char* name : {"tiny", "cpu", "gpu"}) {
    INFO(name);
    ModelConfig m;
    TrainConfig t;
    apply_preset(name, m, t);
    CHECK(t.preset == name);
    CHECK(m.vocab_size == t.vocab_size);  // the model's vocabulary is the tokenizer's
    CHECK_NOTHROW(m.validate());
    CHECK_NOTHROW(t.validate());
    CHECK(m.n_embd() % m.n_head() == 0);
  }
  ModelConfig m;
  TrainConfig t;
  apply_preset("gpu", m, t);
  CHECK(m.n_embd() == 768);  // depth 12 → width 64·12, six heads of 128 (REFERENCE §5)
  CHECK(m.n_head() == 6);
  CHECK(t.device == "cuda");
  apply_preset("tiny", m, t);
  CHECK(m.n_embd() == 64);
  CHECK(m.n_head() == 1);  // max(1, 64/128)
  CHECK(m.actual_head_dim() == 64);
  CHECK_THROWS_WITH(apply_preset("huge", m, t), Catch::Contains("--preset must be tiny, cpu or gpu, got 'huge'"));
}

TEST_CASE("ModelConfig::validate names what is wrong", "[nanochat][config][errors]") {
  auto bad = [](auto edit, const std::string& message) {
    ModelConfig c;
    edit(c);
    INFO(message);
    CHECK_THROWS_AS(c.validate(), std::invalid_argument);
    CHECK_THROWS_WITH(c.validate(), Catch::Contains(message));
  };
  bad([](ModelConfig& c) { c.depth = 0; }, "--depth must be in [1, 64], got 0");
  bad([](ModelConfig& c) { c.depth = 65; }, "--depth must be in [1, 64]");
  bad([](ModelConfig& c) { c.vocab_size = 1; }, "vocabulary size must be at least 2");
  bad([](ModelConfig& c) { c.seq_len = 1; }, "--seq-len must be in [2, 65536]");
  bad([](ModelConfig& c) { c.head_dim = 1; }, "head dimension must be at least 2");
  bad([](ModelConfig& c) { c.depth = 5, c.head_dim = 96; }, "width 320 is not divisible by 3 heads");
  bad([](ModelConfig& c) { c.depth = 3, c.head_dim = 3; }, "RoPE needs an even head dimension");  // 192/64 heads = 3
  bad([](ModelConfig& c) { c.softcap = 0; }, "softcap must be positive");
}

TEST_CASE("TrainConfig::validate names the flag at fault", "[nanochat][config][errors]") {
  auto bad = [](auto edit, const std::string& message) {
    TrainConfig c;
    edit(c);
    INFO(message);
    CHECK_THROWS_AS(c.validate(), std::invalid_argument);
    CHECK_THROWS_WITH(c.validate(), Catch::Contains(message));
  };
  CHECK_NOTHROW(TrainConfig{}.validate());
  bad([](TrainConfig& c) { c.optimizer = solvers::OptimizerId::signgd; }, "--optimizer must be");  // no torch rule
  bad([](TrainConfig& c) { c.optimizer = solvers::OptimizerId::muon_moonlight; }, "got 'muon-moonlight'");  // a variant
  bad([](TrainConfig& c) { c.muon_variant = "x"; }, "--muon-variant must be keller or moonlight");
  bad([](TrainConfig& c) { c.ns = "cubic"; }, "--ns must be ns5, pe5 or pe-paper");
  bad([](TrainConfig& c) { c.steps = 0; }, "--steps must be at least 1");
  bad([](TrainConfig& c) { c.batch_size = 0; }, "--batch-size must be at least 1");
  bad([](TrainConfig& c) { c.embedding_lr = -1; }, "learning rates must be >= 0");
  bad([](TrainConfig& c) { c.adam_beta2 = 1; }, "Adam betas must be in [0, 1)");
  bad([](TrainConfig& c) { c.adam_eps = -1e-10; }, "Adam eps must be >= 0");
  bad([](TrainConfig& c) { c.grad_clip = -1; }, "--grad-clip must be >= 0");
  bad([](TrainConfig& c) { c.warmdown_ratio = 1.5; }, "warmdown ratio must be in [0, 1]");
  bad([](TrainConfig& c) { c.momentum_end = 1; }, "Muon momentum must be in [0, 1)");
  bad([](TrainConfig& c) { c.eval_every = 0; }, "--eval-every must be at least 1");
  bad([](TrainConfig& c) { c.checkpoint_every = -1; }, "--checkpoint-every must be >= 0");
  bad([](TrainConfig& c) { c.threads = 0; }, "--threads must be in [1, 256]");
  bad([](TrainConfig& c) { c.device = "tpu"; }, "--device must be cpu or cuda, got 'tpu'");
  bad([](TrainConfig& c) { c.val_fraction = 0.5; }, "--val-fraction must be in (0, 0.5)");
  bad([](TrainConfig& c) { c.vocab_size = 259; }, "--vocab-size must be in [260, 1000000]");
  // NaN is never in range: every check is written so that a NaN fails it.
  bad([](TrainConfig& c) { c.unembedding_lr = std::nan(""); }, "learning rates must be >= 0");
  bad([](TrainConfig& c) { c.adam_beta1 = std::nan(""); }, "Adam betas must be in [0, 1)");
}

TEST_CASE("the matrix learning rate defaults by optimizer unless given", "[nanochat][config]") {
  TrainConfig t;
  CHECK(t.default_matrix_lr() == 0.02);  // nanochat's Muon (Keller)
  t.muon_variant = "moonlight";
  CHECK(t.default_matrix_lr() == 5e-3);
  t.optimizer = solvers::OptimizerId::adam;
  CHECK(t.default_matrix_lr() == 1e-3);
  t.optimizer = solvers::OptimizerId::adamuon;
  CHECK(t.default_matrix_lr() == 5e-3);
  t.optimizer = solvers::OptimizerId::normuon;
  CHECK(t.default_matrix_lr() == 0.02);
  CHECK(t.effective_matrix_lr() == 0.02);
  t.matrix_lr = 0;  // 0 is a given value, not "use the default"
  CHECK(t.effective_matrix_lr() == 0);
}

TEST_CASE("configs round-trip through JSON; absent train keys take the defaults; the model is validated on reading",
          "[nanochat][config][json]") {
  ModelConfig m;
  TrainConfig t;
  apply_preset("tiny", m, t);
  t.optimizer = solvers::OptimizerId::adamuon, t.seed = 1234567890123ull, t.matrix_lr = 3e-3, t.data = "/some/text.txt";
  m.softcap = 30, m.rope_base = 500000;
  const nlohmann::json jm = to_json(m), jt = to_json(t);
  CHECK(jm.at("n_embd") == 64);  // derived values are written for readers of config.json
  CHECK(jt.at("matrix_lr") == 3e-3);
  CHECK(to_json(model_config_from_json(jm)) == jm);
  CHECK(to_json(train_config_from_json(jt)) == jt);  // doubles print with 17 digits: exact
  CHECK(train_config_from_json(jt).seed == 1234567890123ull);
  CHECK(jt.at("optimizer") == "adamuon");  // config.json spells the id by its name
  CHECK(train_config_from_json(jt).optimizer == solvers::OptimizerId::adamuon);
  nlohmann::json unknown = jt;
  unknown["optimizer"] = "sgd";
  CHECK_THROWS_WITH(train_config_from_json(unknown), Catch::Contains("unknown optimizer 'sgd'"));
  // An old config.json without the newer keys reads with today's defaults.
  const TrainConfig d = train_config_from_json(nlohmann::json::object());
  CHECK(to_json(d) == to_json(TrainConfig{}));
  nlohmann::json partial = {{"depth", 2}, {"vocab_size", 300}, {"seq_len", 64}};
  CHECK(model_config_from_json(partial).head_dim == 128);
  CHECK(model_config_from_json(partial).softcap == 15);
  partial["depth"] = 0;
  CHECK_THROWS_AS(model_config_from_json(partial), std::invalid_argument);
  CHECK_THROWS(model_config_from_json(nlohmann::json{{"depth", 2}}));  // vocab_size and seq_len are required
  nlohmann::json bad_train = jt;
  bad_train["device"] = "tpu";
  CHECK_THROWS_AS(train_config_from_json(bad_train), std::invalid_argument);
}
