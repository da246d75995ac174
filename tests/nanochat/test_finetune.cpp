// Fine-tuning end to end (nanochat/finetune.hpp) on a tiny-preset model pretrained in a temp dir, and the CLI.
#include "nanochat/data.hpp"
#include "nanochat/finetune.hpp"
#include "nanochat/pretrain.hpp"
#include "child_process.hpp"
#include "nanochat/checkpoint.hpp"
#include "nanochat/token_cache.hpp"
#include "nanochat/tokenizer.hpp"
#include "nanochat/optimizer_names.hpp"
#include "synthetic_text.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace muonlab::nanochat;
using namespace muonlab::testing;
namespace solvers = muonlab::solvers;
namespace fs = std::filesystem;

namespace {

// A fine-tuning text unlike the pretraining grammar (other words, other shapes), so there is something to learn.
std::string finetuning_text(std::size_t bytes) {
  const std::vector<std::string> a = {"Ships", "Clouds", "Lanterns", "Old clocks", "Wolves", "Rivers"};
  const std::vector<std::string> b = {"drift", "hum", "glow", "wait", "turn", "sing"};
  const std::vector<std::string> c = {"at midnight", "under the bridge", "in November", "without a sound",
                                      "near the lighthouse", "for a hundred years"};
  std::mt19937 rng(11);
  std::string out;
  while (out.size() < bytes) {
    out += "Q: Why do " + a[rng() % a.size()] + " " + b[rng() % b.size()] + "?\n";
    out += "A: Because " + a[rng() % a.size()] + " " + b[rng() % b.size()] + " " + c[rng() % c.size()] + ".\n\n";
  }
  return out;
}

// Directories of their own per test process (CTest may run test cases in parallel).
std::string unique_dir(const std::string& name) { return fresh_dir(name); }  // fresh_dir appends the process id

struct Fixture {
  std::string root, pretrained, data;
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

// One tiny Muon-pretrained run shared by the tests of this file (a few seconds once).
const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const std::string root = unique_dir("muonlab_ft_fixture");
    x.root = root;
    const std::string pt_text = (fs::path(root) / "pretrain.txt").string();
    std::ofstream(pt_text, std::ios::binary) << synthetic_text(120000);
    x.data = (fs::path(root) / "finetune.txt").string();
    std::ofstream(x.data, std::ios::binary) << finetuning_text(40000);
    PretrainRequest r;
    apply_preset("tiny", r.model, r.train);
    r.train.optimizer = solvers::OptimizerId::muon;
    r.train.data = pt_text;
    r.train.threads = 1;
    r.train.probe_every = 0;
    r.run_dir = (fs::path(root) / "pretrained").string();
    r.progress = false;
    r.finetune_data = x.data;  // finetune_tokens.pt: the fine-tuning text, encoded with the run's tokenizer
    pretrain(r);
    x.pretrained = r.run_dir;
    return x;
  }();
  return f;
}

FinetuneRequest request(const std::string& method, const std::string& optimizer, double lr) {
  FinetuneRequest r;
  r.from = fixture().pretrained;
  r.config.method = method;
  r.config.optimizer = torch_rule_id(optimizer);
  r.config.lr = lr;
  r.config.data = fixture().data;
  r.config.threads = 1;
  r.config.eval_tokens = 1024;
  r.config.lora.rank = 4;
  r.progress = false;
  return r;
}

}  // namespace

TEST_CASE("lr = 0 leaves the hidden matrices exactly as pretrained", "[nanochat][finetune]") {
  // LoRA at lr 0: B stays 0, the merge adds exact zeros: the final model is the pretrained one bit for bit.
  const FinetuneSummary s = finetune(request("lora", "muon", 0.0));
  CHECK(s.steps > 0);
  CHECK_FALSE(s.diverged);
  CHECK(s.ppl_ratio == 1.0);
  CHECK(s.forgetting_bpb == 0.0);
  CHECK(s.l2_distance == 0.0);
  CHECK(s.cosine_distance == 0.0);
  REQUIRE(s.updates.size() == 6);
  for (const auto& u : s.updates) CHECK((u.norm_max == 0 && u.norm_spectral == 0 && u.stable_rank == 0));
  // PiSSA at lr 0: A and B keep their initial values, so ΔW = s·(B A − B₀ A₀) = 0 exactly; the merged model differs
  // from the pretrained one only by float32 rounding of W − s·B₀A₀ + s·B₀A₀: logits move by ≤ 5e-5 (test_lora), the
  // mean NLL by at most twice that (log-softmax is 2-Lipschitz in the max-norm), so |ratio − 1| ≤ 1e-4.
  FinetuneRequest p = request("lora", "muon", 0.0);
  p.config.lora.init = "pissa";
  const FinetuneSummary ps = finetune(p);
  CHECK(ps.l2_distance == 0.0);
  CHECK(std::abs(ps.ppl_ratio - 1.0) <= 1e-4);
  // Full at lr 0: the hidden matrices do not move (the embedding and head still train at their own lrs).
  const FinetuneSummary f = finetune(request("full", "adam", 0.0));
  CHECK(f.l2_distance == 0.0);
  for (const auto& u : f.updates) CHECK(u.norm_frobenius == 0);
  CHECK(f.ppl_ratio != 1.0);
  // Full with every lr × 0: nothing moves at all.
  FinetuneRequest z = request("full", "muon", 0.02);
  z.config.lr_frac = 0;
  CHECK(finetune(z).ppl_ratio == 1.0);
}

TEST_CASE("full fine-tuning at a sane lr lowers the fine-tuning perplexity", "[nanochat][finetune]") {
  for (const auto& [optimizer, lr] : {std::pair<const char*, double>{"muon", 0.02}, {"adam", 1e-3}}) {
    FinetuneRequest r = request("full", optimizer, lr);
    r.config.lr_frac = 1.0;  // the pretraining lrs: the tiny run has few steps, so the SFT fraction 0.02 barely moves
    const FinetuneSummary s = finetune(r);
    INFO(optimizer << ": ppl " << s.pretrained_ppl << " -> " << s.final_ppl << " in " << s.steps << " steps");
    CHECK_FALSE(s.diverged);
    // A new grammar the pretrained model never saw: one epoch must cut the perplexity by far more than noise.
    CHECK(s.ppl_ratio < 0.8);
    CHECK(s.l2_distance > 0);
    CHECK(s.cosine_distance > 0);
    CHECK(s.cosine_distance < 1);
    CHECK(s.steps == s.planned_steps);
    for (const auto& u : s.updates) {
      CHECK(u.norm_spectral > 0);
      CHECK(u.norm_spectral <= u.norm_frobenius * (1 + 1e-12));  // ‖·‖2 ≤ ‖·‖F
      CHECK(u.stable_rank >= 1.0 - 1e-12);
    }
  }
}

TEST_CASE("a LoRA run: only adapters train, ΔW has rank at most r, files are written", "[nanochat][finetune]") {
  const std::string dir = unique_dir("muonlab_ft_lora_run");
  FinetuneRequest r = request("lora", "muon", 0.02);
  r.config.lr_frac = 1.0;
  r.config.eval_every = 10;
  r.config.lora.targets = {"Q", "V", "MLP_up"};
  r.run_dir = dir;
  const FinetuneSummary s = finetune(r);
  CHECK_FALSE(s.diverged);
  CHECK(s.ppl_ratio < 1.0);
  // r·(in + out) per target: Q, V are 64×64, MLP up 256×64.
  CHECK(s.trainable_params == 4 * (64 + 64) * 2 + 4 * (64 + 256));
  for (const auto& u : s.updates) {
    INFO(u.name);
    const bool target = u.kind == "Q" || u.kind == "V" || u.kind == "MLP_up";
    if (target) {
      CHECK(u.norm_spectral > 0);
      CHECK(u.stable_rank >= 1.0 - 1e-12);
      CHECK(u.stable_rank <= 4.0 + 1e-9);  // ΔW = s·B A has rank ≤ r = 4
    } else {
      CHECK(u.norm_frobenius == 0);  // untouched matrices
    }
  }
  for (const char* f : {"config.json", "metrics.csv", "updates.csv", "summary.json"})
    CHECK(fs::exists(fs::path(dir) / f));
  std::ifstream in(fs::path(dir) / "summary.json");
  const FinetuneSummary back = finetune_summary_from_json(nlohmann::json::parse(in));
  CHECK(back.final_ppl == s.final_ppl);
  CHECK(back.updates.size() == s.updates.size());
  // metrics: header, step 0, every 10 steps before the end, the end.
  std::ifstream m(fs::path(dir) / "metrics.csv");
  std::size_t lines = 0;
  for (std::string line; std::getline(m, line);) ++lines;
  CHECK(lines == std::size_t(1 + 1 + (s.steps - 1) / 10 + 1));
  // A finished run is kept unless forced.
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r.force = true;
  const FinetuneSummary again = finetune(r);
  // Same seed, same everything: the same run (the cached pretrained evaluations give the same numbers).
  CHECK(again.final_ppl == s.final_ppl);
  CHECK(again.pretrained_ppl == s.pretrained_ppl);
  fs::remove_all(dir);
}

TEST_CASE("a diverging lr reports diverged instead of throwing, and the command exits 1", "[nanochat][finetune]") {
  const std::string dir = unique_dir("muonlab_ft_diverge");
  FinetuneRequest r = request("full", "adam", 1e35);
  r.config.lr_frac = 1.0;
  r.run_dir = dir;
  const FinetuneSummary s = finetune(r);
  INFO("steps " << s.steps << ", diverged at " << s.diverged_step);
  CHECK(s.diverged);
  CHECK(std::isinf(s.final_ppl));
  CHECK(std::isinf(s.ppl_ratio));
  CHECK(std::isfinite(s.pretrained_ppl));
  std::ifstream in(fs::path(dir) / "summary.json");
  const auto j = nlohmann::json::parse(in);
  CHECK(j.at("diverged") == true);
  CHECK(j.at("final_ppl").is_null());  // JSON has no inf
  CHECK(std::isinf(finetune_summary_from_json(j).final_ppl));
  CHECK(j.at("status") == "diverged");
  CHECK_FALSE(fs::exists(fs::path(dir) / "checkpoint.pt"));  // the run has ended
  // The command line: the summary with "—" for what was not measured, the reason on stderr, exit 1 (as pretrain).
  const auto c = run_cli("finetune --method full --optimizer adam --lr 1e35 --lr-frac 1 --threads 1 --eval-tokens 1024 "
                         "--quiet --from " + fixture().pretrained + " --data " + fixture().data);
  INFO(c.out);
  CHECK(c.code == 1);
  CHECK(c.out.find("DIVERGED at step") != std::string::npos);
  CHECK(c.out.find("-> \u2014") != std::string::npos);
  CHECK(c.out.find("training diverged at step") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("finetune takes a run directory or its model file as --from", "[nanochat][finetune]") {
  FinetuneRequest r = request("lora", "adam", 1e-3);
  r.config.max_steps = 2;
  const FinetuneSummary by_dir = finetune(r);
  r.from = (fs::path(fixture().pretrained) / "model.pt").string();  // the tokenizer is found beside it
  const FinetuneSummary by_file = finetune(r);
  CHECK(by_file.steps == 2);
  CHECK(by_file.pretrained_ppl == by_dir.pretrained_ppl);  // the same weights, windows and evaluation
  CHECK(by_file.final_ppl == by_dir.final_ppl);            // and the same seeded run
  CHECK(by_file.pretrain_optimizer == "muon");
}

TEST_CASE("finetune rejects bad requests with std::invalid_argument", "[nanochat][finetune]") {
  CHECK_THROWS_AS(finetune(FinetuneRequest{}), std::invalid_argument);  // no --from
  FinetuneRequest r = request("lora", "muon", 0.02);
  r.config.lora.rank = 0;
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r.config.lora.rank = 65;  // width 64
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r = request("lora", "muon", 0.02);
  r.config.lora.targets = {"W_gate"};
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  CHECK_THROWS_AS(request("full", "sgd", 0.02), std::invalid_argument);  // not a name (torch_rule_id)
  r = request("full", "muon", 0.02);
  r.config.optimizer = solvers::OptimizerId::signgd;  // a name without a torch rule
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r = request("full", "muon", std::nan(""));
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r = request("full", "muon", 0.02);
  r.config.seq_len = 1000;  // longer than the model's context (32)
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r = request("full", "muon", 0.02);
  r.config.batch_size = 100000;  // more blocks per step than the text has
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r = request("full", "muon", 0.02);
  r.config.data = "/nonexistent/text.txt";
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
  r = request("full", "muon", 0.02);
  r.from = "/nonexistent/run";
  CHECK_THROWS_AS(finetune(r), std::invalid_argument);
}

TEST_CASE("muonlab finetune from the command line", "[nanochat][finetune][cli]") {
  const std::string common = " --from " + fixture().pretrained + " --data " + fixture().data +
                             " --threads 1 --eval-tokens 1024 --quiet";
  const auto j = run_cli("finetune --method lora --optimizer adam --lr 1e-3 --rank 2 --max-steps 5 --json" + common,
                         "", false);
  REQUIRE(j.code == 0);
  const auto js = nlohmann::json::parse(j.out);
  CHECK(js.at("method") == "lora");
  CHECK(js.at("optimizer") == "adam");
  CHECK(js.at("steps") == 5);
  CHECK(js.at("rank") == 2);
  CHECK(js.at("updates").size() == 6);
  const auto t = run_cli("finetune --method full --optimizer muon --max-steps 3" + common);
  REQUIRE(t.code == 0);
  CHECK(t.out.find("fine-tuning ppl") != std::string::npos);
  CHECK(t.out.find("MLP_down") != std::string::npos);  // the per-kind ΔW table

  // Bad input: exit 2 with a message that names the problem.
  auto bad = [&](const std::string& args, const std::string& needle) {
    const auto r = run_cli("finetune " + args);
    INFO(args << " -> " << r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find(needle) != std::string::npos);
  };
  bad("--method lora --data " + fixture().data, "--from");
  bad("--method lora --rank 0" + common, "--rank must be at least 1");
  bad("--method lora --rank 1000" + common, "exceeds min(out, in)");
  bad("--lr -0.5" + common, "--lr must be >= 0");
  bad("--method lora --targets Q,gate" + common, "unknown LoRA target 'gate'");
  bad("--from /nonexistent/run", "no pretraining run");
  const std::string unfinished = unique_dir("muonlab_ft_cli_unfinished");
  bad("--resume --run-dir " + unfinished, "cannot resume");
  bad("--resume --quiet", "--run-dir");
  REQUIRE(run_cli("finetune --max-steps 4 --stop-after 1 --run-dir " + unfinished + common).code == 0);
  bad("--max-steps 4 --run-dir " + unfinished + common, "--resume to continue it");
  bad("--resume --run-dir " + unfinished + common, "drop --from");
  const auto resumed = run_cli("finetune --resume --quiet --json --run-dir " + unfinished, "", false);
  REQUIRE(resumed.code == 0);
  CHECK(nlohmann::json::parse(resumed.out).at("start_step") == 1);
  bad("--resume --run-dir " + unfinished, "finished");
  fs::remove_all(unfinished);
}

TEST_CASE("the run's prepared fine-tuning tokens give exactly the run that its text gives", "[nanochat][finetune]") {
  // The fixture's run encoded fixture().data into finetune_tokens.pt: without --data it is the default data.
  FinetuneRequest by_text = request("lora", "adam", 1e-3);
  by_text.config.max_steps = 4;
  FinetuneRequest by_tokens = by_text;
  by_tokens.config.data.clear();
  const DocumentCache dc = load_document_cache(fixture().pretrained + "/finetune_tokens.pt");
  CHECK(dc.source == fixture().data);
  CHECK(dc.complete);
  // Whole text; --max-bytes on a document boundary (after the 20th Q&A) and inside the next document (it is left
  // out either way); another split seed.
  const std::string text = read_text(fixture().data, 0);
  std::size_t boundary = 0;
  for (int k = 0; k < 20; ++k) boundary = text.find("\n\n", boundary) + 2;
  for (const auto& [max_bytes, split_seed] : {std::pair<std::int64_t, std::uint64_t>{0, 0}, {std::int64_t(boundary), 0},
                                              {std::int64_t(boundary) + 5, 0}, {0, 7}}) {
    INFO("max_bytes " << max_bytes << ", split seed " << split_seed);
    by_text.config.max_bytes = by_tokens.config.max_bytes = max_bytes;
    by_text.config.split_seed = by_tokens.config.split_seed = split_seed;
    by_text.config.batch_size = by_tokens.config.batch_size = max_bytes > 0 ? 2 : 8;
    const FinetuneSummary a = finetune(by_text), b = finetune(by_tokens);
    CHECK(b.data == fixture().pretrained + "/finetune_tokens.pt");
    CHECK(a.train_split_tokens == b.train_split_tokens);
    CHECK(a.val_tokens == b.val_tokens);
    CHECK(a.pretrained_ppl == b.pretrained_ppl);
    CHECK(a.final_ppl == b.final_ppl);
    CHECK(a.l2_distance == b.l2_distance);
  }
}

TEST_CASE("a run directory is all a machine needs to fine-tune: no texts, no tokenizer model, no SentencePiece",
          "[nanochat][finetune]") {
  // Prepared where the texts (and SentencePiece, when installed) are; pretrained from its tokens.
  const std::string root = unique_dir("muonlab_ft_run_only");
  const std::string pt_text = root + "/pretrain.txt", ft_text = root + "/finetune.txt";
  std::ofstream(pt_text, std::ios::binary) << synthetic_text(120000);
  std::ofstream(ft_text, std::ios::binary) << finetuning_text(40000);
  PretrainRequest p;
  apply_preset("tiny", p.model, p.train);
  p.train.data = pt_text, p.train.threads = 1, p.train.probe_every = 0;
  p.run_dir = root + "/run";
  p.progress = false;
  p.finetune_data = ft_text;
  p.prepare_only = true;
  pretrain(p);
  p.prepare_only = false, p.resume = true;
  pretrain(p);
  FinetuneRequest r;
  r.from = p.run_dir;
  r.config.method = "lora", r.config.optimizer = solvers::OptimizerId::muon, r.config.lr = 0.02, r.config.lr_frac = 1.0;
  r.config.threads = 1, r.config.eval_tokens = 1024, r.config.max_steps = 5, r.config.lora.rank = 4;
  r.config.data = ft_text;
  r.progress = false;
  const FinetuneSummary here = finetune(r);

  // "Another machine": the texts and the tokenizer model are gone, SentencePiece's tools are not on the PATH.
  fs::remove(pt_text), fs::remove(ft_text), fs::remove(p.run_dir + "/tokenizer.model");
  clear_finetune_cache();
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (root + "/empty-bin").c_str(), 1);
  CHECK_FALSE(have_sentencepiece());
  r.config.data.clear();
  FinetuneSummary there;
  CHECK_NOTHROW(there = finetune(r));
  CHECK(there.final_ppl == here.final_ppl);
  CHECK(there.pretrained_bpb == here.pretrained_bpb);  // the forgetting split from tokens.pt
  CHECK(there.l2_distance == here.l2_distance);
  // And the command line, in a child process without SentencePiece.
  const auto c = run_cli("finetune --from " + p.run_dir + " --method full --max-steps 2 --threads 1 "
                         "--eval-tokens 1024 --quiet --json", "", false);
  ::setenv("PATH", path.c_str(), 1);
  REQUIRE(c.code == 0);
  CHECK(nlohmann::json::parse(c.out).at("steps") == 2);
  // A text to encode needs the tokenizer the run no longer has here: a clear message, exit 2.
  const std::string other = root + "/other.txt";
  std::ofstream(other) << finetuning_text(5000);
  r.config.data = other;
  clear_finetune_cache();
  std::ifstream cfg(p.run_dir + "/config.json");
  if (nlohmann::json::parse(cfg).at("tokenizer").at("kind") == "bytes") {
    CHECK_NOTHROW(finetune(r));  // bytes need no model: any text can be encoded anywhere
  } else {
    try {
      finetune(r);
      FAIL("a text was encoded without the run's tokenizer");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("tokenizer.model") != std::string::npos);
    }
  }
  fs::remove_all(root);
}

TEST_CASE("a fine-tuning run stops, resumes bit for bit (LoRA dropout included), and keeps its time",
          "[nanochat][finetune]") {
  const std::string a = unique_dir("muonlab_ft_straight"), b = unique_dir("muonlab_ft_split");
  FinetuneRequest r = request("lora", "muon", 0.02);
  r.config.lr_frac = 1.0, r.config.max_steps = 8, r.config.eval_every = 2;
  r.config.lora.dropout = 0.1;  // the dropout masks come from the generator the checkpoint saves
  r.run_dir = a;
  const FinetuneSummary straight = finetune(r);
  r.run_dir = b;
  r.stop_after = 3;
  const FinetuneSummary stopped = finetune(r);
  CHECK(stopped.status == "stopped");
  CHECK(stopped.steps == 3);
  CHECK(stopped.final_ppl != stopped.pretrained_ppl);  // measured at the stop
  CHECK(std::isfinite(stopped.final_ppl));
  CHECK(fs::exists(fs::path(b) / "checkpoint.pt"));
  CHECK_FALSE(fs::exists(fs::path(b) / "summary.json"));
  FinetuneRequest resume;
  resume.run_dir = b;
  resume.resume = true;
  resume.progress = false;
  const FinetuneSummary resumed = finetune(resume);
  CHECK(resumed.start_step == 3);
  CHECK(resumed.steps == 8);
  CHECK(resumed.status == "finished");
  CHECK(resumed.final_ppl == straight.final_ppl);
  CHECK(resumed.final_bpb == straight.final_bpb);
  CHECK(resumed.l2_distance == straight.l2_distance);
  REQUIRE(resumed.updates.size() == straight.updates.size());
  for (std::size_t i = 0; i < resumed.updates.size(); ++i)
    CHECK(resumed.updates[i].norm_frobenius == straight.updates[i].norm_frobenius);
  CHECK(resumed.elapsed_s >= stopped.elapsed_s);
  CHECK_FALSE(fs::exists(fs::path(b) / "checkpoint.pt"));  // the run has ended
  // metrics.csv: the straight run's rows (0, 2, 4, 6, 8) and the stop's own evaluation at step 3.
  std::ifstream ma(fs::path(a) / "metrics.csv"), mb(fs::path(b) / "metrics.csv");
  std::size_t la = 0, lb = 0;
  for (std::string line; std::getline(ma, line);) ++la;
  for (std::string line; std::getline(mb, line);) ++lb;
  CHECK(la == 1 + 5);
  CHECK(lb == la + 1);
  fs::remove_all(a), fs::remove_all(b);
}

TEST_CASE("SIGTERM to muonlab finetune writes a checkpoint, exits 130 and names --resume", "[nanochat][finetune][cli]") {
  const std::string dir = unique_dir("muonlab_ft_sigterm");
  fs::remove_all(dir);
  ChildProcess child({MUONLAB_BINARY, "finetune", "--from", fixture().pretrained, "--data", fixture().data,
                      "--threads", "1", "--eval-tokens", "256", "--epochs", "100000", "--eval-every", "3",
                      "--run-dir", dir},
                     dir + ".log");
  REQUIRE(child.started());
  // Training is under way once metrics.csv has a row after step 0 (header, step 0, step 3).
  const bool ready = child.wait_until([&] {
    std::ifstream in(fs::path(dir) / "metrics.csv");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n >= 3;
  }, 120);
  INFO(child.output());
  REQUIRE(ready);
  child.signal(SIGTERM);
  CHECK(child.wait() == 130);
  const std::string out = child.output();
  CHECK(out.find("interrupted by SIGTERM") != std::string::npos);
  CHECK(out.find("muonlab finetune --run-dir " + dir + " --resume") != std::string::npos);
  CHECK(out.find("internal error") == std::string::npos);
  REQUIRE(fs::exists(fs::path(dir) / "checkpoint.pt"));
  const std::int64_t step = load_model((fs::path(dir) / "checkpoint.pt").string()).step;
  CHECK(step >= 3);  // the row of step 3 is written before step 3 trains; the signal may come right after it
  const auto resumed = run_cli("finetune --resume --stop-after 1 --quiet --json --run-dir " + dir, "", false);
  REQUIRE(resumed.code == 0);
  const auto j = nlohmann::json::parse(resumed.out);
  CHECK(j.at("start_step") == step);
  CHECK(j.at("steps") == step + 1);
  fs::remove_all(dir);
  fs::remove(dir + ".log");
}

TEST_CASE("a fortune folder reads as scripts/prepare_data flattens it", "[nanochat][finetune][data]") {
  // The default fine-tuning text without data/fortunes.txt is the fortunes package folder: plain files in name
  // order, *.dat indexes, *.u8 and other links skipped, every '%' line made blank (a document boundary).
  const std::string dir = unique_dir("muonlab_ft_fortunes");
  std::ofstream(fs::path(dir) / "b") << "Second.\n%\nThird.\n%\n";
  std::ofstream(fs::path(dir) / "a") << "First one,\n  two lines.\n%\n";
  std::ofstream(fs::path(dir) / "a.dat") << "binary index";
  fs::create_symlink(fs::path(dir) / "a", fs::path(dir) / "a.u8");
  fs::create_symlink(fs::path(dir) / "b", fs::path(dir) / "c-link");
  const std::string text = read_text(dir, 0);
  CHECK(text == "First one,\n  two lines.\n\nSecond.\n\nThird.\n\n");
  CHECK(read_text(dir, 10) == "First one,");
  const TextSplit split = split_documents(text, 0.3, 1);
  CHECK(split.train.size() + split.val.size() == 3);  // one document per fortune
  fs::remove_all(dir);
  // The installed package (when there is one) gives exactly the bytes of scripts/prepare_data's pipeline.
  const std::string pkg = "/usr/share/games/fortunes";
  if (fs::is_directory(pkg)) {
    const std::string flat = (fs::temp_directory_path() / ("muonlab_ft_fortunes_" + std::to_string(::getpid()))).string();
    const std::string cmd = "find " + pkg + " -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' -print0 | "
                            "LC_ALL=C sort -z | xargs -0 cat | sed 's/^%$//' > " + flat;
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(read_text(pkg, 0) == read_text(flat, 0));
    fs::remove(flat);
  }
}
