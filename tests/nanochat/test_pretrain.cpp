// Pretraining end to end at the tiny preset (nanochat/pretrain.hpp, checkpoint.hpp, probes.hpp) and the CLI.
#include "nanochat/checkpoint.hpp"
#include "nanochat/model.hpp"
#include "nanochat/pretrain.hpp"
#include "nanochat/probes.hpp"
#include "nanochat/tokenizer.hpp"
#include "nanochat/optimizer_names.hpp"
#include "child_process.hpp"
#include "synthetic_text.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace muonlab::nanochat;
using namespace muonlab::testing;
namespace fs = std::filesystem;

namespace {

const std::string& text_file() {
  static const std::string path = write_synthetic_text("muonlab_nano_pretrain.txt", 120000);
  return path;
}

PretrainRequest tiny(const std::string& optimizer, const std::string& dir) {
  PretrainRequest r;
  apply_preset("tiny", r.model, r.train);
  r.train.optimizer = torch_rule_id(optimizer);
  r.train.data = text_file();
  r.train.threads = 1;
  r.run_dir = dir;
  r.progress = false;
  r.finetune_data = "none";  // the tests that need fine-tuning tokens name their text
  return r;
}

// The final models of two run directories are equal, parameter for parameter, bit for bit.
void check_same_weights(const std::string& a, const std::string& b) {
  LoadedModel ma = load_model(a), mb = load_model(b);
  auto pa = ma.model->parameters(), pb = mb.model->parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(torch::equal(pa[i], pb[i]));
}

std::size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

}  // namespace

TEST_CASE("tiny pretraining learns, writes its run directory and reloads", "[nanochat][pretrain]") {
  for (const char* optimizer : {"muon", "adam"}) {
    const std::string dir = fresh_dir(std::string("muonlab_nano_run_") + optimizer);
    const PretrainSummary s = pretrain(tiny(optimizer, dir));
    INFO(optimizer << ": " << to_json(s).dump());
    // The zero head starts at the uniform distribution: ln V nats per token. V is the tokenizer's: 512 BPE pieces,
    // or 256 bytes where SentencePiece's tools are missing (pretrain falls back to bytes; then bpb = 8 exactly).
    std::ifstream cfg(fs::path(dir) / "config.json");
    const auto config = nlohmann::json::parse(cfg);
    const int vocab = config.at("tokenizer").at("vocab_size");
    const bool bpe = config.at("tokenizer").at("kind") == "sentencepiece-bpe";
    CHECK(vocab == (bpe ? 512 : 256));
    CHECK(bpe == have_sentencepiece());
    // bytes_per_token is the training split's mean; the validation split's differs by a few percent.
    REQUIRE(s.initial_val_bpb);
    REQUIRE(s.final_val_bpb);
    CHECK(*s.initial_val_bpb == Approx(std::log2(double(vocab)) / s.bytes_per_token).epsilon(0.1));
    // 30 steps on a repetitive grammar must beat the start clearly (uniform ≈ 2.5–3 bpb here).
    CHECK(*s.final_val_bpb < 0.8 * *s.initial_val_bpb);
    CHECK(s.final_val_step == 30);
    CHECK(s.status == "finished");
    CHECK(s.unigram_val_bpb);
    CHECK(s.qkv_stable_rank);
    CHECK_FALSE(s.mfu);  // MFU is against a GPU's bf16 peak: not measured on the CPU
    for (const char* f : {"config.json", "metrics.csv", "probes.csv", "checkpoint.pt", "model.pt", "summary.json",
                          "tokens.pt"})
      CHECK(fs::exists(fs::path(dir) / f));
    CHECK(fs::exists(fs::path(dir) / "tokenizer.model") == bpe);  // the byte tokenizer needs no model file
    CHECK(count_lines(fs::path(dir) / "metrics.csv") == 1 + 4);        // header + steps 0, 10, 20, 30
    CHECK(count_lines(fs::path(dir) / "probes.csv") == 1 + 4 * 6);     // 6 matrices of one block at 4 steps
    const CheckpointSpectrum cs = checkpoint_spectrum(dir);
    CHECK(cs.step == 30);
    REQUIRE(cs.probes.size() == 6);
    for (const auto& p : cs.probes) {
      REQUIRE(p.stable_rank);  // every matrix has moved away from zero
      CHECK(*p.stable_rank >= 1.0);
      CHECK(*p.stable_rank <= double(std::min(p.rows, p.cols)) + 1e-9);
      CHECK(*p.svd_entropy >= 0.0);
      CHECK(*p.svd_entropy <= 1.0 + 1e-12);
    }
    // A second run into the same directory needs --resume or --force.
    CHECK_THROWS_AS(pretrain(tiny(optimizer, dir)), std::invalid_argument);
  }
}

TEST_CASE("an interrupted run resumes bit for bit", "[nanochat][pretrain]") {
  const std::string a = fresh_dir("muonlab_nano_straight"), b = fresh_dir("muonlab_nano_split");
  const PretrainSummary sa = pretrain(tiny("muon", a));
  PretrainRequest rb = tiny("muon", b);
  rb.stop_after = 15;  // stops between checkpoints 10 and 20: the stop writes its own checkpoint
  const PretrainSummary stopped = pretrain(rb);
  CHECK(stopped.status == "stopped");
  CHECK(stopped.steps == 15);
  CHECK(stopped.planned_steps == 30);
  // A stopped invocation still reports its throughput (the GPU stages run in such pieces).
  REQUIRE(stopped.tokens_per_second);
  CHECK(*stopped.tokens_per_second > 0);
  std::ifstream cfg(fs::path(b) / "config.json");
  const ModelConfig used = model_config_from_json(nlohmann::json::parse(cfg).at("model"));  // the tokenizer's vocab
  CHECK(stopped.model_flops_per_token == flops_per_token(used));
  REQUIRE(stopped.model_tflops);
  CHECK(*stopped.model_tflops == Approx(flops_per_token(used) * *stopped.tokens_per_second / 1e12).epsilon(1e-12));
  CHECK_FALSE(stopped.mfu);  // MFU is against the bf16 peak of a GPU: not measured on the CPU
  // The stop's summary is measured at the stop: its own evaluation and probes, not the ones of step 10.
  REQUIRE(stopped.final_val_bpb);
  CHECK(stopped.final_val_step == 15);
  CHECK(*stopped.final_val_bpb != *stopped.initial_val_bpb);
  REQUIRE(stopped.qkv_stable_rank);
  CHECK(*stopped.qkv_stable_rank >= 1.0);
  CHECK_FALSE(fs::exists(fs::path(b) / "model.pt"));
  CHECK_FALSE(fs::exists(fs::path(b) / "summary.json"));  // written when the run ends
  rb.stop_after = 0;
  rb.resume = true;
  const PretrainSummary sb = pretrain(rb);
  CHECK(sb.start_step == 15);
  CHECK(sb.status == "finished");
  // Same data order (batches depend on (seed, step) only), same optimizer state: identical result.
  CHECK(sb.final_val_bpb == sa.final_val_bpb);
  check_same_weights(a, b);
  // The resumed run's summary keeps what the first invocation measured and the time it took.
  CHECK(sb.initial_val_bpb == sa.initial_val_bpb);
  CHECK(sb.elapsed_s >= stopped.elapsed_s);
  std::ifstream sj(fs::path(b) / "summary.json");
  const auto js = nlohmann::json::parse(sj);
  CHECK(js.at("initial_val_bpb").get<double>() == *sa.initial_val_bpb);
  CHECK(js.at("elapsed_s").get<double>() >= stopped.elapsed_s);
  // Each step's metrics once, plus the stop's own evaluation at step 15 (steps 0, 10, 15, 20, 30).
  CHECK(count_lines(fs::path(b) / "metrics.csv") == 1 + 5);
}

TEST_CASE("a diverging pretraining run records it in its summary", "[nanochat][pretrain]") {
  const std::string dir = fresh_dir("muonlab_nano_diverge");
  PretrainRequest r = tiny("adam", dir);
  // Near the float32 maximum: one AdamW step of ±lr overflows the weights (smaller lrs are absorbed by RMSNorm
  // and the logit softcap, which keep even a wild run finite).
  r.train.matrix_lr = 3e38, r.train.embedding_lr = 3e38, r.train.unembedding_lr = 3e38;
  r.train.checkpoint_every = 1;
  const PretrainSummary s = pretrain(r);
  INFO(to_json(s).dump());
  CHECK(s.status == "diverged");
  CHECK(s.diverged_step > 0);
  CHECK(s.diverged_step < 30);
  CHECK_FALSE(s.final_val_bpb);  // not measured: the diverged weights are no result
  CHECK(s.initial_val_bpb);
  std::ifstream in(fs::path(dir) / "summary.json");
  const auto j = nlohmann::json::parse(in);
  CHECK(j.at("diverged") == true);
  CHECK(j.at("diverged_step") == s.diverged_step);
  CHECK(j.at("final_val_bpb").is_null());
  CHECK_FALSE(fs::exists(fs::path(dir) / "model.pt"));
  // The last checkpoint is the step before the divergence (nothing after it is saved).
  CHECK(load_model((fs::path(dir) / "checkpoint.pt").string()).step == s.diverged_step);
  // The command line: the summary, then the reason on stderr, exit 1.
  const auto c = run_cli("pretrain --preset tiny --optimizer adam --matrix-lr 3e38 --embedding-lr 3e38 "
                         "--unembedding-lr 3e38 --threads 1 --quiet --force --finetune-data none --run-dir " + dir +
                         " --data " + text_file());
  INFO(c.out);
  CHECK(c.code == 1);
  CHECK(c.out.find("DIVERGED at step") != std::string::npos);
  CHECK(c.out.find("training diverged at step") != std::string::npos);
  CHECK(c.out.find("\u2014") != std::string::npos);  // the final bpb, not measured
}

TEST_CASE("a run prepared on one machine trains on another from its tokens alone", "[nanochat][pretrain]") {
  // Reference: prepared and trained in one go.
  const std::string a = fresh_dir("muonlab_nano_direct"), b = fresh_dir("muonlab_nano_prepared");
  const PretrainSummary sa = pretrain(tiny("adam", a));
  // Prepared: tokenizer trained and text encoded, nothing trained.
  const std::string text = fresh_dir("muonlab_nano_prepared_text") + "/text.txt";
  fs::copy_file(text_file(), text);
  PretrainRequest rb = tiny("adam", b);
  rb.train.data = text;
  rb.prepare_only = true;
  rb.finetune_data = text_file();  // the fine-tuning text is encoded with the run's tokenizer too
  const PretrainSummary prep = pretrain(rb);
  CHECK(prep.steps == 0);
  CHECK(prep.status == "prepared");
  CHECK(prep.train_tokens == sa.train_tokens);
  CHECK(prep.finetune_tokens > 0);
  for (const char* f : {"config.json", "tokens.pt", "finetune_tokens.pt"}) CHECK(fs::exists(fs::path(b) / f));
  for (const char* f : {"checkpoint.pt", "model.pt", "metrics.csv"}) CHECK_FALSE(fs::exists(fs::path(b) / f));
  // "Another machine": the text is gone and so is the tokenizer model; only config.json and tokens.pt remain.
  fs::remove(text);
  fs::remove(fs::path(b) / "tokenizer.model");
  rb.prepare_only = false;
  rb.resume = true;
  const PretrainSummary sb = pretrain(rb);
  CHECK(sb.start_step == 0);
  // Same tokens, same seed, same steps: the same model, bit for bit.
  CHECK(sb.final_val_bpb == sa.final_val_bpb);
  CHECK(sb.unigram_val_bpb == sa.unigram_val_bpb);
  check_same_weights(a, b);

  // A damaged token cache is reported, not trained on.
  const std::string c = fresh_dir("muonlab_nano_damaged");
  PretrainRequest rc = tiny("adam", c);
  rc.prepare_only = true;
  pretrain(rc);
  fs::resize_file(fs::path(c) / "tokens.pt", 100);
  rc.prepare_only = false;
  rc.resume = true;
  CHECK_THROWS_AS(pretrain(rc), std::runtime_error);
}

TEST_CASE("muonlab pretrain and spectrum --checkpoint/--compare from the command line", "[nanochat][cli]") {
  const std::string root = fresh_dir("muonlab_nano_cli");
  const std::string common = " --preset tiny --threads 1 --quiet --finetune-data none --data " + text_file();
  const auto m = run_cli("pretrain --optimizer muon --run-dir " + root + "/muon --json" + common, "", false);
  REQUIRE(m.code == 0);
  const auto js = nlohmann::json::parse(m.out);
  CHECK(js.at("optimizer") == "muon");
  CHECK(js.at("final_val_bpb").get<double>() < js.at("initial_val_bpb").get<double>());
  CHECK(js.at("mfu").is_null());  // not measured on the CPU
  CHECK(js.at("status") == "finished");
  const auto adam = run_cli("pretrain --optimizer adam --run-dir " + root + "/adam" + common);
  REQUIRE(adam.code == 0);
  CHECK(adam.out.find("at step 30") != std::string::npos);  // the step the final value is from
  // Resuming a finished run trains nothing: no throughput is reported ("—", null), the rest is kept.
  const auto again = run_cli("pretrain --resume --run-dir " + root + "/muon --json --quiet", "", false);
  REQUIRE(again.code == 0);
  const auto ja = nlohmann::json::parse(again.out);
  CHECK(ja.at("tokens_per_second").is_null());
  CHECK(ja.at("initial_val_bpb") == js.at("initial_val_bpb"));
  CHECK(ja.at("final_val_bpb") == js.at("final_val_bpb"));
  CHECK(ja.at("elapsed_s").get<double>() >= js.at("elapsed_s").get<double>());
  const auto again_text = run_cli("pretrain --resume --run-dir " + root + "/muon --quiet");
  CHECK(again_text.out.find("\u2014 tok/s") != std::string::npos);
  // Progress lines (stderr, one per step here: 30 steps, not a terminal) name the step of their validation value.
  const auto progress = run_cli("pretrain --optimizer muon --eval-every 10 --run-dir " + root + "/progress --preset tiny "
                                "--threads 1 --finetune-data none --data " + text_file());
  REQUIRE(progress.code == 0);
  CHECK(progress.out.find("step     9/30 | loss ") != std::string::npos);
  CHECK(progress.out.find("| val bpb ") != std::string::npos);
  CHECK(progress.out.find(" (step 0) |") != std::string::npos);
  CHECK(progress.out.find(" (step 10) |") != std::string::npos);
  CHECK(progress.out.find(" (step 20) |") != std::string::npos);

  const auto c = run_cli("spectrum --checkpoint " + root + "/muon/model.pt --json", "", false);
  REQUIRE(c.code == 0);
  CHECK(nlohmann::json::parse(c.out).at("matrices").size() == 6);
  CHECK(run_cli("spectrum --checkpoint " + root + "/adam").code == 0);  // a run directory works too

  const auto cmp = run_cli("spectrum --compare " + root + "/muon " + root + "/adam --json", "", false);
  // Exit 0 when the Figure 2 claim holds, 1 when violated; at 30 tiny steps either can happen, both are honest.
  REQUIRE((cmp.code == 0 || cmp.code == 1));
  const auto jc = nlohmann::json::parse(cmp.out);
  CHECK(jc.at("verdict") == (cmp.code == 0 ? "holds" : "violated"));
  CHECK(jc.at("kinds").size() == 6);

  // Bad input: exit 2 with a message, never a crash.
  CHECK(run_cli("pretrain --preset tiny --depth 0").code == 2);
  CHECK(run_cli("pretrain --preset huge").code == 2);
  CHECK(run_cli("pretrain --resume --run-dir " + root + "/nothing-here" + common).code == 2);
  CHECK(run_cli("pretrain --resume --prepare-only --run-dir " + root + "/both" + common).code == 2);
  const auto prep = run_cli("pretrain --preset tiny --prepare-only --run-dir " + root + "/prep --data " + text_file());
  CHECK(prep.code == 0);
  CHECK(prep.out.find("prepared") != std::string::npos);
  CHECK(run_cli("pretrain --optimizer muon --run-dir " + root + "/muon" + common).code == 2);  // exists
  const TempFile not_a_model("hello", ".pt");
  const auto bad = run_cli("spectrum --checkpoint " + not_a_model.path());
  CHECK(bad.code == 2);
  CHECK(bad.out.find("not a model file") != std::string::npos);
  CHECK(run_cli("spectrum --checkpoint /nonexistent/model.pt").code == 2);
  CHECK(run_cli("spectrum --compare " + root + "/muon").code == 2);  // needs two runs
}

TEST_CASE("the MFU peak comes from MUONLAB_PEAK_TFLOPS when set, and a bad value is an error", "[nanochat][pretrain]") {
  ::unsetenv("MUONLAB_PEAK_TFLOPS");
  CHECK(peak_bf16_tflops() == 989.0);
  ::setenv("MUONLAB_PEAK_TFLOPS", "1979", 1);
  CHECK(peak_bf16_tflops() == 1979.0);
  for (const char* bad : {"0", "-5", "fast", "12x", "inf"}) {
    ::setenv("MUONLAB_PEAK_TFLOPS", bad, 1);
    CHECK_THROWS_AS(peak_bf16_tflops(), std::invalid_argument);
  }
  ::unsetenv("MUONLAB_PEAK_TFLOPS");
}

TEST_CASE("SIGINT to muonlab pretrain writes a checkpoint, exits 130 and names --resume", "[nanochat][pretrain][cli]") {
  const std::string dir = fresh_dir("muonlab_nano_sigint");
  fs::remove_all(dir);
  ChildProcess child({MUONLAB_BINARY, "pretrain", "--preset", "tiny", "--steps", "1000000", "--threads", "1",
                      "--finetune-data", "none", "--data", text_file(), "--run-dir", dir},
                     dir + ".log");
  REQUIRE(child.started());
  // Training is under way once metrics.csv has two evaluations after step 0 (tiny: every 10 steps).
  const bool ready = child.wait_until([&] { return count_lines(fs::path(dir) / "metrics.csv") >= 4; }, 300);
  INFO(child.output());
  REQUIRE(ready);
  child.signal(SIGINT);
  CHECK(child.wait() == 130);
  const std::string out = child.output();
  CHECK(out.find("interrupted by SIGINT at step") != std::string::npos);
  CHECK(out.find("muonlab pretrain --run-dir " + dir + " --resume") != std::string::npos);
  CHECK(out.find("internal error") == std::string::npos);
  REQUIRE(fs::exists(fs::path(dir) / "checkpoint.pt"));
  const std::int64_t step = load_model(dir + "/checkpoint.pt").step;
  CHECK(step >= 20);
  // --resume continues from there, keeping the first invocation's initial evaluation.
  const auto r = run_cli("pretrain --resume --stop-after 2 --quiet --json --run-dir " + dir, "", false);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("start_step") == step);
  CHECK(j.at("steps") == step + 2);
  CHECK(j.at("initial_val_bpb").is_number());
  CHECK(j.at("final_val_step") == step + 2);
  fs::remove_all(dir);
  fs::remove(dir + ".log");
}

TEST_CASE("Ctrl-C during tokenizer training says it was interrupted and exits 130", "[nanochat][pretrain][cli]") {
  if (!have_sentencepiece()) {
    WARN("SentencePiece's tools are not installed: no tokenizer training to interrupt (skipped)");
    return;
  }
  const std::string dir = fresh_dir("muonlab_nano_spm_int");
  const std::string text = write_synthetic_text("muonlab_nano_spm_int.txt", 6'000'000);
  fs::remove_all(dir);
  ChildProcess child({MUONLAB_BINARY, "pretrain", "--preset", "tiny", "--vocab-size", "8000", "--max-bytes", "0",
                      "--threads", "1", "--finetune-data", "none", "--prepare-only", "--data", text, "--run-dir", dir},
                     dir + ".log");
  REQUIRE(child.started());
  const bool training = child.wait_until([&] { return child.output().find("BPE tokenizer") != std::string::npos; }, 120);
  INFO(child.output());
  REQUIRE(training);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // spm_train under way
  child.signal_group(SIGINT);  // as a terminal's Ctrl-C: muonlab, its shell and spm_train
  CHECK(child.wait() == 130);
  const std::string out = child.output();
  CHECK(out.find("interrupted by SIGINT during tokenizer training") != std::string::npos);
  CHECK(out.find("run the command again") != std::string::npos);
  CHECK(out.find("internal error") == std::string::npos);
  CHECK_FALSE(fs::exists(fs::path(dir) / "config.json"));  // no half-made run
  fs::remove_all(dir);
  fs::remove(text);
  fs::remove(dir + ".log");
}
