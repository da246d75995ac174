// `muonlab finetune` as options and text (nanochat/finetune_command.hpp): the checks, the request, and the
// one-screen text of hand-made summaries ("—" for what was not measured or is not finite). The command end to end:
// tests/nanochat/test_finetune.cpp; the help of both training commands (cli::HelpFormatter) here too.
#include "nanochat/finetune_command.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace muonlab::nanochat;
using muonlab::testing::run_cli;

TEST_CASE("finetune options: checks and the request", "[nanochat][finetune]") {
  FinetuneOptions o;
  CHECK(o.validate().empty());  // lr < 0 (the default) is fine when --lr was not given
  o.lr_given = true;
  CHECK(o.validate() == "--lr must be >= 0, got -1");
  o.req.config.lr = std::numeric_limits<double>::quiet_NaN();
  CHECK(o.validate() == "--lr must be >= 0, got nan");
  o.req.config.lr = 0;
  CHECK(o.validate().empty());
  o.req.resume = true, o.req.from = "runs/x";
  CHECK(o.validate() == "--resume takes --from and every setting from the run's config.json: drop --from");
  o.req.resume = false, o.optimizer = "signgd";  // a shared name without a torch rule
  CHECK(o.validate() == "--optimizer must be muon, adam, adamuon or normuon, got 'signgd'");

  FinetuneOptions r;
  r.req.from = "runs/x";
  CHECK(finetune_request(r).config.lora.targets.size() == 6);  // no --targets: the config's (all)
  CHECK(finetune_request(r).progress);
  r.targets = " Q, V ,,MLP_up ";
  r.quiet = true;
  const FinetuneRequest req = finetune_request(r);
  CHECK(req.config.lora.targets == std::vector<std::string>{"Q", "V", "MLP_up"});
  CHECK_FALSE(req.progress);
  CHECK(req.from == "runs/x");
  CHECK(req.config.optimizer == muonlab::solvers::OptimizerId::muon);  // the default, as a typed id
  r.optimizer = "adamuon";
  CHECK(finetune_request(r).config.optimizer == muonlab::solvers::OptimizerId::adamuon);
  CHECK(split_list("").empty());
  CHECK(split_list(" , ").empty());
}

TEST_CASE("finetune brief: the run line, the measures with dashes, the ΔW table", "[nanochat][finetune]") {
  FinetuneSummary s;
  s.from = "runs/p", s.pretrain_optimizer = "adam", s.method = "lora", s.rank = 8, s.init = "lora";
  s.optimizer = "muon", s.lr = 0.02, s.peak_lr = 0.0004, s.steps = 6, s.status = "finished";
  s.pretrained_ppl = 100, s.final_ppl = std::numeric_limits<double>::infinity(), s.ppl_ratio = 0.5;
  s.pretrained_bpb = 2, s.final_bpb = 2.25, s.forgetting_bpb = 0.25, s.l2_distance = 1.5, s.cosine_distance = 0.001;
  s.elapsed_s = 2.04, s.mean_step_ms = 12.6;
  MatrixUpdate q1, q2;
  q1.kind = "Q", q1.norm_max = 1, q1.norm_spectral = 2, q1.norm_frobenius = 3, q1.stable_rank = 1, q1.rel_max = 0.1;
  q2 = q1;
  q2.norm_max = 3, q2.stable_rank = 2;
  s.updates = {q1, q2};
  const std::string text = brief(s);
  CHECK(text ==
        "finetune runs/p (adam-pretrained): lora r=8 (lora) muon lr 0.02 (peak 0.0004), 6 steps\n"
        "fine-tuning ppl 100.0000 -> — (ratio 0.5000) | forgetting +0.2500 bpb (2.0000 -> 2.2500) | L2 distance 1.5, "
        "cosine distance 0.001 | 2.0 s, 13 ms/step\n" +
            update_table(s));
  CHECK(update_table(s) ==
        "ΔW kind      max-norm    spectral   Frobenius  st. rank   rel. max  rel. spec\n"
        "Q          2.0000e+00  2.0000e+00  3.0000e+00     1.500 1.0000e-01 0.0000e+00\n"
        "(means over layers; rel. = relative to the pretrained matrix's norm)\n");

  s.method = "full", s.status = "stopped", s.planned_steps = 10, s.start_step = 6;  // no step this invocation
  CHECK(brief(s).rfind("finetune runs/p (adam-pretrained): full muon lr 0.02 (peak 0.0004), 6 steps of 10 (stopped: "
                       "--resume continues)\n", 0) == 0);
  CHECK(brief(s).find("| 2.0 s, — ms/step\n") != std::string::npos);

  s.diverged = true, s.diverged_step = 3;
  CHECK(brief(s).find("6 steps | DIVERGED at step 3\n") != std::string::npos);
  CHECK(diverged_message(s) == "training diverged at step 3 (non-finite loss): lower the learning rate");
  s.run_dir = "runs/f";
  CHECK(diverged_message(s) ==
        "training diverged at step 3 (non-finite loss): lower the learning rate; runs/f/summary.json records it");
}

TEST_CASE("finetune and pretrain --help show defaults as (default X)", "[nanochat][finetune][cli]") {
  const auto help = run_cli("finetune --help");
  REQUIRE(help.code == 0);
  CHECK(help.out.find("full | lora (default full)") != std::string::npos);
  CHECK(help.out.find("(nanochat SFT: 0.02) (default 0.02)") != std::string::npos);
  CHECK(help.out.find("=full") == std::string::npos);  // not CLI11's TYPE=X
  const auto pre = run_cli("pretrain --help");
  REQUIRE(pre.code == 0);
  CHECK(pre.out.find("other options override it (default cpu)") != std::string::npos);
  CHECK(pre.out.find("=cpu") == std::string::npos);
}
