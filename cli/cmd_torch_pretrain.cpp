// muonlab pretrain: pretrains a compact NanoChat with Muon or Adam (REFERENCE §5). Parses into
// nanochat::PretrainOptions, starts or joins the data-parallel ranks, calls nanochat::pretrain, prints; the preset
// with the given settings over it and the text are nanochat/pretrain_command.hpp.
// Tested by tests/nanochat/test_pretrain.cpp ("muonlab pretrain and spectrum --checkpoint/--compare from the command line")
#include "cli/commands.hpp"
#include "cli/data_parallel.hpp"
#include "nanochat/optimizer_names.hpp"
#include "nanochat/pretrain_command.hpp"

#include <memory>

namespace muonlab::cli {
namespace {

struct PretrainArgs : nanochat::PretrainOptions {
  bool json = false;
  CLI::App* sub = nullptr;
};

int run(PretrainArgs& a) {
  a.given = given_settings(*a.sub, nanochat::pretrain_override_names());
  if (const std::string problem = a.validate(); !problem.empty()) throw std::invalid_argument(problem);
  const nanochat::PretrainRequest req = nanochat::pretrain_request(a);
  return run_data_parallel("pretrain", a.nproc, a.dist_timeout, req.train.device, a.quiet, a.json, req,
                           nanochat::pretrain);
}

}  // namespace

Command add_pretrain(CLI::App& app) {
  auto a = std::make_shared<PretrainArgs>();
  CLI::App* sub = a->sub = app.add_subcommand(
      "pretrain",
      "Pretrain a compact NanoChat (REFERENCE §5: depth sets width, RoPE, QK-norm, ReLU², softcap) on a text "
      "(default: the GCIDE dictionary) with Muon or Adam for the hidden matrices and AdamW for embedding and head. "
      "Writes a run directory (config.json, metrics.csv with validation bits per byte, probes.csv with stable rank "
      "and SVD entropy of every Q, K, V, O, MLP matrix, checkpoint.pt, model.pt, summary.json); --resume continues "
      "it. Progress goes to stderr. Exit 1 when training diverges (summary.json records it); on SIGINT/SIGTERM a "
      "checkpoint is written and the exit is 130.");
  sub->add_option("--preset", a->preset,
                  "tiny (seconds, for tests) | cpu (about 10 min on an idle 2-core machine: depth 2, width 128) | gpu "
                  "(about 10 min on one H100: depth 12, width 768); other options override it")
      ->check(CLI::IsMember({"tiny", "cpu", "gpu"}))
      ->capture_default_str();
  sub->add_option("--optimizer", a->optimizer,
                  "Hidden matrices: muon (lr 0.02) | adam (AdamW, lr 1e-3) | adamuon | normuon | "
                  "muon-moonlight (= muon --muon-variant moonlight)")
      ->check(CLI::IsMember(nanochat::torch_optimizer_spellings(true)));
  sub->add_option("--muon-variant", a->train.muon_variant,
                  "keller (nanochat: EMA momentum, √max(1,m/n)) | moonlight (0.2·√max(m,n))")
      ->check(CLI::IsMember({"keller", "moonlight"}));
  sub->add_option("--ns", a->train.ns, "Orthogonalization: ns5 (Keller) | pe5 | pe-paper (Polar Express)")
      ->check(CLI::IsMember({"ns5", "pe5", "pe-paper"}));
  sub->add_option("--depth", a->model.depth, "Blocks; width = 64·depth")->check(CLI::Range(1, 64));
  sub->add_option("--steps", a->train.steps, "Optimizer steps")->check(CLI::Range(1, 100000000));
  sub->add_option("--batch-size", a->train.batch_size, "Sequences per step")->check(CLI::Range(1, 1 << 20));
  sub->add_option("--seq-len", a->model.seq_len, "Context length")->check(CLI::Range(2, 65536));
  sub->add_option("--matrix-lr", a->train.matrix_lr, "Learning rate of the hidden matrices (default by optimizer)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--embedding-lr", a->train.embedding_lr, "AdamW lr of the embedding (× s)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--unembedding-lr", a->train.unembedding_lr, "AdamW lr of the head (× s)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--weight-decay", a->train.weight_decay, "Weight decay (nanochat: 0)")->check(CLI::NonNegativeNumber);
  sub->add_option("--grad-clip", a->train.grad_clip, "Gradient-norm clip (0 disables)")->check(CLI::NonNegativeNumber);
  sub->add_option("--eval-every", a->train.eval_every, "Validation every K steps")->check(CLI::PositiveNumber);
  sub->add_option("--eval-tokens", a->train.eval_tokens, "Validation tokens per evaluation")
      ->check(CLI::PositiveNumber);
  sub->add_option("--probe-every", a->train.probe_every, "Spectral probes every K steps (0: off)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--checkpoint-every", a->train.checkpoint_every, "Checkpoint every K steps (0: only at the end)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--seed", a->train.seed, "Seed of the init, the data split and the batch order");
  sub->add_option("--threads", a->train.threads, "Torch CPU threads")->check(CLI::Range(1, 256));
  sub->add_option("--device", a->train.device, "cpu | cuda (bf16 matmuls)")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--data", a->train.data,
                  "Pretraining text (plain, .gz or .dz); default data/gcide.txt or the dict-gcide package")
      ->check(CLI::ExistingFile);
  sub->add_option("--max-bytes", a->train.max_bytes, "Read at most this many bytes (0: all)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--val-fraction", a->train.val_fraction, "Fraction of documents held out for validation")
      ->check(CLI::Range(1e-6, 0.5));
  sub->add_option("--vocab-size", a->train.vocab_size, "BPE vocabulary size")->check(CLI::Range(260, 1000000));
  sub->add_option("--tokenizer", a->tokenizer, "bpe (SentencePiece, trained on the training split) | bytes")
      ->check(CLI::IsMember({"bpe", "bytes"}))
      ->capture_default_str();
  sub->add_option("--run-dir", a->run_dir, "Run directory (default runs/pretrain-PRESET-OPTIMIZER-dDEPTH-sSEED)");
  sub->add_flag("--resume", a->resume,
                "Continue the run in --run-dir from its checkpoint (or start a --prepare-only run); its tokens.pt "
                "is read, so neither the text nor SentencePiece is needed");
  sub->add_flag("--prepare-only", a->prepare_only,
                "Read the text, train the tokenizer, write config.json, tokens.pt and finetune_tokens.pt, and "
                "stop: prepare a run here (e.g. --preset gpu), then train it (--resume) and fine-tune it on "
                "another machine")
      ->excludes("--resume");
  sub->add_option("--stop-after", a->stop_after,
                  "Evaluate, probe, checkpoint and stop after this many steps (split a long run; continue with "
                  "--resume)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--finetune-data", a->finetune_data,
                  "Fine-tuning text (or fortune folder) a new run encodes with its tokenizer into finetune_tokens.pt, "
                  "so `finetune --from RUN` needs neither the text nor SentencePiece (default: data/fortunes.txt or "
                  "the fortunes package when present; none: skip)");
  sub->add_option("--finetune-max-bytes", a->finetune_max_bytes,
                  "Encode the whole documents within this many bytes of the fine-tuning text (0: all; fine-tuning "
                  "can then use any --max-bytes up to it)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--force", a->force, "Replace a run already in --run-dir");
  add_data_parallel_options(sub, a->nproc, a->dist_timeout);
  sub->add_flag("--quiet", a->quiet, "No progress on stderr");
  sub->add_flag("--json", a->json, "Machine-readable summary");
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
