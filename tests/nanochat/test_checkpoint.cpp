// Model files and resumable checkpoints (nanochat/checkpoint.hpp): atomic writes, what a model file and a checkpoint
// hold, run directories, bit-identical continuation after a restore, and the errors for files that are not ours.
#include "nanochat/checkpoint.hpp"
#include "small_model.hpp"
#include "synthetic_text.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

using namespace muonlab::nanochat;
using namespace muonlab::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::pair<std::string, torch::Tensor>> named(GPT& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model->named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}

/// One optimizer step on a fixed batch (depends only on `seed`).
void train_step(GPT& model, ModelOptimizer& opt, std::uint64_t seed) {
  torch::manual_seed(seed);
  const ModelConfig c = small_model_config();
  const torch::Tensor idx = torch::randint(c.vocab_size, {2, c.seq_len}, torch::kInt64);
  const torch::Tensor tgt = torch::randint(c.vocab_size, {2, c.seq_len}, torch::kInt64);
  opt.zero_grad();
  model->loss(idx, tgt).backward();
  opt.step(1.0, 0.9);
}

bool same_weights(GPT& a, GPT& b) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  if (pa.size() != pb.size()) return false;
  for (const auto& p : pa)
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  return true;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("write_text_atomic creates folders, replaces the file and leaves no temporary behind",
          "[nanochat][checkpoint]") {
  const std::string dir = fresh_dir("muonlab_nano_atomic");
  const std::string path = dir + "/a/b/config.json";
  write_text_atomic(path, "first");
  CHECK(read_file(path) == "first");
  write_text_atomic(path, "second\n");
  CHECK(read_file(path) == "second\n");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/a/b")) {
    ++files;
    CHECK(e.path().filename() == "config.json");
  }
  CHECK(files == 1);
  fs::remove_all(dir);
}

TEST_CASE("a model file holds the config and the weights; a run directory prefers model.pt", "[nanochat][checkpoint]") {
  const std::string dir = fresh_dir("muonlab_nano_modelfile");
  torch::manual_seed(3);
  GPT model(small_model_config());
  const nlohmann::json config = {{"model", to_json(small_model_config())}, {"steps_done", 17}, {"note", "x"}};
  save_model(dir + "/model.pt", model, config);
  LoadedModel m = load_model(dir + "/model.pt");
  CHECK(m.config == config);
  CHECK(m.step == 17);  // model files store the steps done
  CHECK(m.path == dir + "/model.pt");
  CHECK(same_weights(m.model, model));
  // A checkpoint loads with load_model too; the directory picks model.pt when both exist.
  TrainConfig tc;
  ModelOptimizer opt(named(model), small_model_config().n_embd(), tc, false);
  train_step(model, opt, 5);
  save_checkpoint(dir + "/checkpoint.pt", model, opt, 1, config);
  CHECK(load_model(dir).path == dir + "/model.pt");
  fs::remove(dir + "/model.pt");
  LoadedModel c = load_model(dir);
  CHECK(c.path == dir + "/checkpoint.pt");
  CHECK(c.step == 1);
  CHECK(same_weights(c.model, model));
  fs::remove_all(dir);
}

TEST_CASE("a restored checkpoint continues bit for bit, with its trainer state and extra tensors",
          "[nanochat][checkpoint]") {
  const std::string dir = fresh_dir("muonlab_nano_ckpt");
  const ModelConfig mc = small_model_config();
  TrainConfig tc;
  torch::manual_seed(1);
  GPT a(mc);
  ModelOptimizer oa(named(a), mc.n_embd(), tc, false);
  train_step(a, oa, 10);
  train_step(a, oa, 11);  // momentum buffers and Adam moments are non-zero now
  CheckpointExtras extras;
  extras.trainer = {{"initial_eval", 6.5}, {"elapsed_s", 2.25}};
  extras.tensors = {{"lora.h.0.A", torch::arange(6, torch::kFloat32).reshape({2, 3})},
                    {"rng", torch::tensor(std::vector<std::int64_t>{42, 7})}};
  save_checkpoint(dir + "/checkpoint.pt", a, oa, 2, {{"model", to_json(mc)}}, extras);

  torch::manual_seed(99);  // another initialization, overwritten by the restore
  GPT b(mc);
  ModelOptimizer ob(named(b), mc.n_embd(), tc, false);
  REQUIRE_FALSE(same_weights(a, b));
  const RestoredCheckpoint r = restore_checkpoint(dir + "/checkpoint.pt", b, ob);
  CHECK(r.step == 2);
  CHECK(r.trainer == extras.trainer);
  REQUIRE(r.tensors.size() == 2);
  CHECK(torch::equal(r.tensors.at("lora.h.0.A"), extras.tensors[0].second));
  CHECK(torch::equal(r.tensors.at("rng"), extras.tensors[1].second));
  CHECK(same_weights(a, b));
  const auto sa = oa.state_dict(), sb = ob.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (const auto& [k, t] : sa) CHECK(torch::equal(t, sb.at(k)));
  // The next step from the restored state equals the next step of the original, exactly (same ops, same inputs).
  train_step(a, oa, 12);
  train_step(b, ob, 12);
  CHECK(same_weights(a, b));
  CHECK(load_checkpoint(dir + "/checkpoint.pt", b, ob) == 2);
  // Without extras, nothing extra comes back.
  save_checkpoint(dir + "/plain.pt", a, oa, 3, {{"model", to_json(mc)}});
  const RestoredCheckpoint p = restore_checkpoint(dir + "/plain.pt", b, ob);
  CHECK(p.trainer.is_null());
  CHECK(p.tensors.empty());
  fs::remove_all(dir);
}

TEST_CASE("files that are not model files or do not fit the run are invalid_argument", "[nanochat][checkpoint][errors]") {
  const std::string dir = fresh_dir("muonlab_nano_ckpt_bad");
  CHECK_THROWS_WITH(load_model(dir), Catch::Contains("has no model.pt or checkpoint.pt"));
  CHECK_THROWS_WITH(load_model(dir + "/nothing.pt"), Catch::Contains("no such model file"));
  write_text_atomic(dir + "/text.pt", "not a torch archive\n");
  CHECK_THROWS_AS(load_model(dir + "/text.pt"), std::invalid_argument);
  const ModelConfig mc = small_model_config();
  TrainConfig tc;
  GPT small(mc);
  ModelOptimizer os(named(small), mc.n_embd(), tc, false);
  CHECK_THROWS_AS(restore_checkpoint(dir + "/text.pt", small, os), std::invalid_argument);
  // A checkpoint of a wider model does not fit this one.
  ModelConfig wide = mc;
  wide.depth = 3;
  GPT big(wide);
  ModelOptimizer ob(named(big), wide.n_embd(), tc, false);
  save_checkpoint(dir + "/wide.pt", big, ob, 0, {{"model", to_json(wide)}});
  CHECK_THROWS_WITH(restore_checkpoint(dir + "/wide.pt", small, os),
                    Catch::Contains("does not fit this run") && Catch::Contains("192] there") && Catch::Contains("128] here"));
  // A torch archive without our config is not a model file.
  torch::serialize::OutputArchive ar;
  ar.write("x", torch::ones({1}));
  save_archive_atomic(ar, dir + "/foreign.pt");
  CHECK_THROWS_WITH(load_model(dir + "/foreign.pt"), Catch::Contains("is not a muonlab model file (no config)"));
  fs::remove_all(dir);
}
