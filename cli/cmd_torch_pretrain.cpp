// muonlab pretrain: pretrains a compact NanoChat with Muon or Adam (REFERENCE §5). Parses into
// nanochat::PretrainOptions, starts or joins the data-parallel ranks, calls nanochat::pretrain, prints; the preset
// with the given settings over it and the text are nanochat/pretrain_command.hpp.
// Tested by tests/nanochat/test_pretrain.cpp ("muonlab pretrain and spectrum --checkpoint/--compare from the command line")
#include "cli/commands.hpp"
#include "nanochat/dist_train.hpp"
#include "nanochat/interrupt.hpp"
#include "nanochat/optimizer_names.hpp"
#include "nanochat/pretrain_command.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>

namespace muonlab::cli {
namespace {

// The options, and the CLI11 nodes of the settings that override the preset (keyed by flag).
struct PretrainArgs : nanochat::PretrainOptions {
  bool json = false;
  std::map<std::string, CLI::Option*> opts;
};

int run(PretrainArgs& a) {
  for (const auto& [flag, option] : a.opts)
    if (option->count() > 0) a.given.insert(flag.substr(2));
  if (const std::string problem = a.validate(); !problem.empty()) throw std::invalid_argument(problem);
  nanochat::PretrainRequest req = nanochat::pretrain_request(a);
  // Data-parallel: start --nproc ranks here, or join the group the torchrun/Slurm environment describes.
  int launched = -1;
  const auto comm = nanochat::join_or_launch(
      {a.nproc, std::chrono::milliseconds(std::int64_t(a.dist_timeout * 1000))},
      torch::Device(req.train.device == "cuda" ? torch::kCUDA : torch::kCPU), !a.quiet, &launched);
  if (launched >= 0) return launched;  // this process was the launcher: its ranks have done the work
  const bool rank0 = !comm || comm->rank() == 0;
  req.comm = comm;
  req.progress = req.progress && rank0;
  if (a.resume && !a.quiet && rank0)
    fmt::print(stderr, "pretrain: resuming {} (its config.json decides every setting)\n", req.run_dir);
  nanochat::PretrainSummary s;
  // Rank 0 tells the ranks waiting for it to prepare the run why it stopped, so that they stop the same way.
  auto tell_waiting = [&](const std::exception& e, nanochat::GateFailure kind) {
    if (comm && rank0) comm->signal("pretrain-prepared", e.what(), kind);
  };
  try {
    s = nanochat::pretrain(req);
  } catch (const nanochat::Interrupted& e) {
    tell_waiting(e, nanochat::GateFailure::interrupted);
    if (rank0) fmt::print(stderr, "muonlab pretrain: {}\n", e.what());  // every rank stopped at the same step
    return kInterrupted;
  } catch (const nanochat::DistError& e) {
    fmt::print(stderr, "muonlab pretrain: error: {}\n", e.what());
    return kInternal;
  } catch (const std::invalid_argument& e) {
    tell_waiting(e, nanochat::GateFailure::bad_input);  // every rank stops as bad input
    throw;
  } catch (const std::exception& e) {
    tell_waiting(e, nanochat::GateFailure::error);  // the waiting ranks stop with rank 0's reason
    throw;
  }
  if (!rank0) return s.status == "diverged" ? kCheckFailed : kOk;  // rank 0 reports; every rank exits alike
  if (a.json)
    std::cout << nanochat::to_json(s).dump(2) << '\n';
  else
    std::cout << nanochat::brief(s);
  if (s.status == "diverged") {
    fmt::print(stderr, "muonlab pretrain: {}\n", nanochat::diverged_message(s));
    return kCheckFailed;
  }
  return kOk;
}

}  // namespace

Command add_pretrain(CLI::App& app) {
  auto a = std::make_shared<PretrainArgs>();
  CLI::App* sub = app.add_subcommand(
      "pretrain",
      "Pretrain a compact NanoChat (REFERENCE §5: depth sets width, RoPE, QK-norm, ReLU², softcap) on a text "
      "(default: the GCIDE dictionary) with Muon or Adam for the hidden matrices and AdamW for embedding and head. "
      "Writes a run directory (config.json, metrics.csv with validation bits per byte, probes.csv with stable rank "
      "and SVD entropy of every Q, K, V, O, MLP matrix, checkpoint.pt, model.pt, summary.json); --resume continues "
      "it. Progress goes to stderr. Exit 1 when training diverges (summary.json records it); on SIGINT/SIGTERM a "
      "checkpoint is written and the exit is 130.");
  auto& o = a->opts;
  sub->add_option("--preset", a->preset,
                  "tiny (seconds, for tests) | cpu (about 10 min on an idle 2-core machine: depth 2, width 128) | gpu (about 10 min "
                  "on one H100: depth 12, width 768); other options override it")
      ->check(CLI::IsMember({"tiny", "cpu", "gpu"}))
      ->capture_default_str();
  o["--optimizer"] = sub->add_option("--optimizer", a->train.optimizer,
                                     "Hidden matrices: muon (lr 0.02) | adam (AdamW, lr 1e-3) | adamuon | normuon | "
                                     "muon-moonlight (= muon --muon-variant moonlight)")
                         ->check(CLI::IsMember(nanochat::torch_optimizer_spellings(true)));
  o["--muon-variant"] = sub->add_option("--muon-variant", a->train.muon_variant,
                                        "keller (nanochat: EMA momentum, √max(1,m/n)) | moonlight (0.2·√max(m,n))")
                            ->check(CLI::IsMember({"keller", "moonlight"}));
  o["--ns"] = sub->add_option("--ns", a->train.ns, "Orthogonalization: ns5 (Keller) | pe5 | pe-paper (Polar Express)")
                  ->check(CLI::IsMember({"ns5", "pe5", "pe-paper"}));
  o["--depth"] = sub->add_option("--depth", a->model.depth, "Blocks; width = 64·depth")->check(CLI::Range(1, 64));
  o["--steps"] = sub->add_option("--steps", a->train.steps, "Optimizer steps")->check(CLI::Range(1, 100000000));
  o["--batch-size"] = sub->add_option("--batch-size", a->train.batch_size, "Sequences per step")
                          ->check(CLI::Range(1, 1 << 20));
  o["--seq-len"] = sub->add_option("--seq-len", a->model.seq_len, "Context length")->check(CLI::Range(2, 65536));
  o["--matrix-lr"] = sub->add_option("--matrix-lr", a->train.matrix_lr,
                                     "Learning rate of the hidden matrices (default by optimizer)")
                         ->check(CLI::PositiveNumber);
  o["--embedding-lr"] = sub->add_option("--embedding-lr", a->train.embedding_lr, "AdamW lr of the embedding (× s)")
                            ->check(CLI::NonNegativeNumber);
  o["--unembedding-lr"] = sub->add_option("--unembedding-lr", a->train.unembedding_lr, "AdamW lr of the head (× s)")
                              ->check(CLI::NonNegativeNumber);
  o["--weight-decay"] = sub->add_option("--weight-decay", a->train.weight_decay, "Weight decay (nanochat: 0)")
                            ->check(CLI::NonNegativeNumber);
  o["--grad-clip"] = sub->add_option("--grad-clip", a->train.grad_clip, "Gradient-norm clip (0 disables)")
                         ->check(CLI::NonNegativeNumber);
  o["--eval-every"] = sub->add_option("--eval-every", a->train.eval_every, "Validation every K steps")
                          ->check(CLI::PositiveNumber);
  o["--eval-tokens"] = sub->add_option("--eval-tokens", a->train.eval_tokens, "Validation tokens per evaluation")
                           ->check(CLI::PositiveNumber);
  o["--probe-every"] = sub->add_option("--probe-every", a->train.probe_every, "Spectral probes every K steps (0: off)")
                           ->check(CLI::NonNegativeNumber);
  o["--checkpoint-every"] = sub->add_option("--checkpoint-every", a->train.checkpoint_every,
                                            "Checkpoint every K steps (0: only at the end)")
                                ->check(CLI::NonNegativeNumber);
  o["--seed"] = sub->add_option("--seed", a->train.seed, "Seed of the init, the data split and the batch order");
  o["--threads"] = sub->add_option("--threads", a->train.threads, "Torch CPU threads")->check(CLI::Range(1, 256));
  o["--device"] = sub->add_option("--device", a->train.device, "cpu | cuda (bf16 matmuls)")
                      ->check(CLI::IsMember({"cpu", "cuda"}));
  o["--data"] = sub->add_option("--data", a->train.data,
                                "Pretraining text (plain, .gz or .dz); default data/gcide.txt or the dict-gcide "
                                "package")
                    ->check(CLI::ExistingFile);
  o["--max-bytes"] = sub->add_option("--max-bytes", a->train.max_bytes, "Read at most this many bytes (0: all)")
                         ->check(CLI::NonNegativeNumber);
  o["--val-fraction"] = sub->add_option("--val-fraction", a->train.val_fraction,
                                        "Fraction of documents held out for validation")
                            ->check(CLI::Range(1e-6, 0.5));
  o["--vocab-size"] = sub->add_option("--vocab-size", a->train.vocab_size, "BPE vocabulary size")
                          ->check(CLI::Range(260, 1000000));
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
                  "Encode the whole documents within this many bytes of the fine-tuning text (0: all; fine-tuning can then "
                  "use any --max-bytes up to it)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--force", a->force, "Replace a run already in --run-dir");
  sub->add_option("--nproc", a->nproc,
                  "Data-parallel ranks to start on this machine (Gloo on the CPU, NCCL with one GPU per rank); under "
                  "torchrun or srun leave it out: their RANK/WORLD_SIZE (SLURM_PROCID/SLURM_NTASKS) decide")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sub->add_option("--dist-timeout", a->dist_timeout,
                  "Seconds a collective may wait for the other ranks before the run stops (a dead or stalled rank)")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  sub->add_flag("--quiet", a->quiet, "No progress on stderr");
  sub->add_flag("--json", a->json, "Machine-readable summary");
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
