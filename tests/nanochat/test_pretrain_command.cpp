// `muonlab pretrain` as options and text (nanochat/pretrain_command.hpp): the given settings override the preset and
// the others keep it, the checks, and the one-screen text of hand-made summaries ("—" for what was not measured).
// The command end to end: tests/nanochat/test_pretrain.cpp.
#include "nanochat/pretrain_command.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace muonlab::nanochat;
namespace solvers = muonlab::solvers;

TEST_CASE("pretrain options: the given settings override the preset, the others keep it", "[nanochat][pretrain]") {
  PretrainOptions o;
  o.preset = "tiny";
  o.model.depth = 3, o.model.seq_len = 999;  // seq_len is not given: the preset's stays
  o.train.steps = 7, o.optimizer = "adam", o.train.vocab_size = 300, o.train.batch_size = 99;
  o.given = {"depth", "steps", "optimizer", "vocab-size"};
  const PretrainRequest req = pretrain_request(o);
  ModelConfig pm;
  TrainConfig pt;
  apply_preset("tiny", pm, pt);
  CHECK(req.model.depth == 3);
  CHECK(req.model.seq_len == pm.seq_len);
  CHECK(req.train.steps == 7);
  CHECK(req.train.optimizer == solvers::OptimizerId::adam);
  CHECK(req.train.batch_size == pt.batch_size);
  CHECK(req.train.eval_every == pt.eval_every);
  CHECK(req.train.vocab_size == 300);
  CHECK(req.model.vocab_size == 300);  // the model's vocabulary is the tokenizer's
  CHECK(req.train.preset == "tiny");
  CHECK(req.run_dir == "runs/pretrain-tiny-adam-d3-s" + std::to_string(pt.seed));
  CHECK(req.progress);
  CHECK_FALSE(req.resume);

  o.run_dir = "my-run", o.quiet = true, o.resume = true, o.stop_after = 5, o.tokenizer = "bytes";
  const PretrainRequest named = pretrain_request(o);
  CHECK(named.run_dir == "my-run");
  CHECK_FALSE(named.progress);
  CHECK(named.resume);
  CHECK(named.stop_after == 5);
  CHECK(named.tokenizer == "bytes");

  // Every setting of the table applies: give them all with values that differ from every preset.
  PretrainOptions all;
  all.preset = "cpu";
  for (const auto& name : pretrain_override_names()) all.given.insert(name);
  all.model.depth = 5, all.model.seq_len = 77;
  all.optimizer = "normuon", all.train.muon_variant = "moonlight", all.train.ns = "pe5";
  all.train.steps = 11, all.train.batch_size = 3, all.train.matrix_lr = 0.123, all.train.embedding_lr = 0.5;
  all.train.unembedding_lr = 0.25, all.train.weight_decay = 0.01, all.train.grad_clip = 2;
  all.train.eval_every = 9, all.train.eval_tokens = 111, all.train.probe_every = 8, all.train.checkpoint_every = 6;
  all.train.seed = 5, all.train.threads = 1, all.train.device = "cuda", all.train.data = "x.txt";
  all.train.max_bytes = 1234, all.train.val_fraction = 0.3, all.train.vocab_size = 4000;
  const PretrainRequest r = pretrain_request(all);
  CHECK(pretrain_override_names().size() == 23);
  CHECK(r.model.depth == 5);
  CHECK(r.model.seq_len == 77);
  CHECK(r.train.optimizer == solvers::OptimizerId::normuon);
  CHECK(r.train.muon_variant == "moonlight");
  CHECK(r.train.ns == "pe5");
  CHECK(r.train.steps == 11);
  CHECK(r.train.batch_size == 3);
  CHECK(r.train.matrix_lr == 0.123);
  CHECK(r.train.embedding_lr == 0.5);
  CHECK(r.train.unembedding_lr == 0.25);
  CHECK(r.train.weight_decay == 0.01);
  CHECK(r.train.grad_clip == 2);
  CHECK(r.train.eval_every == 9);
  CHECK(r.train.eval_tokens == 111);
  CHECK(r.train.probe_every == 8);
  CHECK(r.train.checkpoint_every == 6);
  CHECK(r.train.seed == 5);
  CHECK(r.train.threads == 1);
  CHECK(r.train.device == "cuda");
  CHECK(r.train.data == "x.txt");
  CHECK(r.train.max_bytes == 1234);
  CHECK(r.train.val_fraction == 0.3);
  CHECK(r.model.vocab_size == 4000);
}

TEST_CASE("pretrain options: bad input is named", "[nanochat][pretrain]") {
  PretrainOptions o;
  CHECK(o.validate().empty());
  o.prepare_only = true, o.nproc = 2;
  CHECK(o.validate() == "--prepare-only runs on one process: drop --nproc");
  o.nproc = 1;
  CHECK(o.validate().empty());
  o.given = {"depht"};
  CHECK_THROWS_WITH(pretrain_request(o), "pretrain: 'depht' is not a setting that overrides the preset");
  o.given.clear();
  o.preset = "huge";
  CHECK_THROWS_AS(pretrain_request(o), std::invalid_argument);
}

TEST_CASE("pretrain brief: the run line, with a dash for every value not measured", "[nanochat][pretrain]") {
  PretrainSummary s;
  s.run_dir = "runs/x", s.optimizer = "muon", s.status = "finished", s.steps = 30, s.planned_steps = 30;
  s.final_val_bpb = 2.5, s.final_val_step = 30, s.initial_val_bpb = 8.0;
  s.tokens_per_second = 1234.4, s.mean_step_ms = 12.34, s.elapsed_s = 3.21;
  CHECK(brief(s) ==
        "run runs/x: 30 steps of muon | final val 2.5000 bpb at step 30 (initial 8.0000, unigram baseline —) | "
        "1234 tok/s, 12.3 ms/step (— ms optimizer), — model TFLOP/s | Q,K,V stable rank —, SVD entropy — | 3.2 s\n");

  s.status = "stopped", s.steps = 10, s.final_val_step = -1, s.final_val_bpb.reset();
  CHECK(brief(s) ==
        "run runs/x: stopped at step 10 of 30 (muon; --resume continues) | final val — bpb (initial 8.0000, unigram "
        "baseline —) | 1234 tok/s, 12.3 ms/step (— ms optimizer), — model TFLOP/s | Q,K,V stable rank —, SVD "
        "entropy — | 3.2 s\n");

  s.status = "diverged", s.diverged_step = 4;
  CHECK(brief(s).rfind("run runs/x: DIVERGED at step 4 of 30 (muon) | ", 0) == 0);
  CHECK(diverged_message(s) ==
        "training diverged at step 4 (non-finite loss): lower the learning rate; runs/x/summary.json records it");

  s.status = "finished", s.mfu = 0.4;
  ::setenv("MUONLAB_PEAK_TFLOPS", "100", 1);
  const std::string text = brief(s);
  ::unsetenv("MUONLAB_PEAK_TFLOPS");
  CHECK(text.rfind("model FLOPs utilization 40.0% of 100 TFLOP/s (bf16 peak; MUONLAB_PEAK_TFLOPS sets it)\nrun ",
                   0) == 0);
}

TEST_CASE("pretrain brief: a prepared run is one line without steps", "[nanochat][pretrain]") {
  PretrainSummary s;
  s.run_dir = "runs/p", s.status = "prepared", s.tokenizer = "bpe", s.train_tokens = 1000, s.bytes_per_token = 3.456;
  CHECK(brief(s) == "run runs/p: prepared (bpe tokenizer, 1000 train tokens, 3.46 bytes/token, no fine-tuning "
                    "tokens); no steps taken\n");
  s.finetune_tokens = 50;
  CHECK(brief(s) == "run runs/p: prepared (bpe tokenizer, 1000 train tokens, 3.46 bytes/token, 50 fine-tuning "
                    "tokens); no steps taken\n");
}
