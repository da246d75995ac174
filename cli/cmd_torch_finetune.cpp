// muonlab finetune: fine-tunes a pretrained NanoChat, Full or LoRA, with a Muon-family or Adam rule (REFERENCE §5,
// paper §3). Parsing and dispatch only; the work is nanochat::finetune.
// Tested by tests/nanochat/test_finetune.cpp ("muonlab finetune from the command line")
#include "cli/commands.hpp"
#include "nanochat/dist_train.hpp"
#include "nanochat/finetune.hpp"
#include "nanochat/interrupt.hpp"
#include "nanochat/optimizer_names.hpp"
#include "nanochat/trainer.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace muonlab::cli {
namespace {

struct FinetuneArgs {
  nanochat::FinetuneRequest req;
  std::string targets;
  bool json = false, quiet = false;
  int nproc = 1;
  double dist_timeout = 300;
  CLI::Option* lr = nullptr;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// Mean over layers per kind of the ΔW statistics.
std::string update_table(const nanochat::FinetuneSummary& s) {
  const std::vector<std::string> kinds = {"Q", "K", "V", "O", "MLP_up", "MLP_down"};
  std::string out = fmt::format("{:<9} {:>11} {:>11} {:>11} {:>9} {:>10} {:>10}\n", "ΔW kind", "max-norm", "spectral",
                                "Frobenius", "st. rank", "rel. max", "rel. spec");
  for (const auto& k : kinds) {
    double mx = 0, sp = 0, fr = 0, sr = 0, rm = 0, rs = 0;
    int n = 0;
    for (const auto& u : s.updates)
      if (u.kind == k) mx += u.norm_max, sp += u.norm_spectral, fr += u.norm_frobenius, sr += u.stable_rank,
                       rm += u.rel_max, rs += u.rel_spectral, ++n;
    if (n == 0) continue;
    out += fmt::format("{:<9} {:>11.4e} {:>11.4e} {:>11.4e} {:>9.3f} {:>10.4e} {:>10.4e}\n", k, mx / n, sp / n, fr / n,
                       sr / n, rm / n, rs / n);
  }
  out += "(means over layers; rel. = relative to the pretrained matrix's norm)\n";
  return out;
}

int run(FinetuneArgs& a) {
  nanochat::FinetuneRequest& req = a.req;
  if (a.lr->count() > 0 && !(req.config.lr >= 0))
    throw std::invalid_argument("--lr must be >= 0, got " + fmt::format("{}", req.config.lr));
  if (!a.targets.empty()) req.config.lora.targets = split_list(a.targets);
  if (req.resume && !req.from.empty())
    throw std::invalid_argument("--resume takes --from and every setting from the run's config.json: drop --from");
  req.progress = !a.quiet;
  // Data-parallel: start --nproc ranks here, or join the group the torchrun/Slurm environment describes.
  int launched = -1;
  req.comm = nanochat::join_or_launch(
      {a.nproc, std::chrono::milliseconds(std::int64_t(a.dist_timeout * 1000))},
      torch::Device(req.config.device == "cuda" ? torch::kCUDA : torch::kCPU), !a.quiet, &launched);
  if (launched >= 0) return launched;  // this process was the launcher: its ranks have done the work
  const bool rank0 = !req.comm || req.comm->rank() == 0;
  req.progress = req.progress && rank0;
  nanochat::FinetuneSummary s;
  try {
    s = nanochat::finetune(req);
  } catch (const nanochat::Interrupted& e) {
    if (rank0) fmt::print(stderr, "muonlab finetune: {}\n", e.what());  // every rank stopped at the same step
    return kInterrupted;
  } catch (const nanochat::DistError& e) {
    fmt::print(stderr, "muonlab finetune: error: {}\n", e.what());
    return kInternal;
  }
  if (!rank0) return s.diverged ? kCheckFailed : kOk;  // rank 0 reports; every rank exits alike
  if (a.json) {
    std::cout << nanochat::to_json(s).dump(2) << '\n';
  } else {
    using nanochat::finite_or_none;
    using nanochat::format_measured;
    const std::string method = s.method == "lora" ? fmt::format("lora r={} ({})", s.rank, s.init) : "full";
    const std::string status = s.diverged ? fmt::format(" | DIVERGED at step {}", s.diverged_step)
                               : s.status == "stopped"
                                   ? fmt::format(" of {} (stopped: --resume continues)", s.planned_steps)
                                   : std::string();
    fmt::print("finetune {} ({}-pretrained): {} {} lr {:.4g} (peak {:.4g}), {} steps{}\n", s.from,
               s.pretrain_optimizer, method, s.optimizer, s.lr, s.peak_lr, s.steps, status);
    fmt::print("fine-tuning ppl {} -> {} (ratio {}) | forgetting {} bpb ({} -> {}) | L2 distance {}, cosine "
               "distance {} | {:.1f} s, {} ms/step\n",
               format_measured(finite_or_none(s.pretrained_ppl)), format_measured(finite_or_none(s.final_ppl)),
               format_measured(finite_or_none(s.ppl_ratio)), format_measured(finite_or_none(s.forgetting_bpb), "{:+.4f}"),
               format_measured(finite_or_none(s.pretrained_bpb)), format_measured(finite_or_none(s.final_bpb)),
               format_measured(finite_or_none(s.l2_distance), "{:.4g}"),
               format_measured(finite_or_none(s.cosine_distance), "{:.4g}"), s.elapsed_s,
               format_measured(s.steps > s.start_step ? finite_or_none(s.mean_step_ms) : std::nullopt, "{:.0f}"));
    fmt::print("{}", update_table(s));
  }
  if (s.diverged) {
    fmt::print(stderr, "muonlab finetune: training diverged at step {} (non-finite loss): lower the learning rate{}\n",
               s.diverged_step, s.run_dir.empty() ? std::string() : "; " + s.run_dir + "/summary.json records it");
    return kCheckFailed;
  }
  return kOk;
}

}  // namespace

Command add_finetune(CLI::App& app) {
  auto a = std::make_shared<FinetuneArgs>();
  nanochat::FinetuneConfig& c = a->req.config;
  CLI::App* sub = app.add_subcommand(
      "finetune",
      "Fine-tune a pretrained NanoChat run (muonlab pretrain) on a text (default: the fortunes), Full or LoRA, with "
      "any matrix rule; reports the fine-tuning perplexity and its ratio to the pretrained model's, forgetting "
      "(pretraining validation bits per byte), the L2 and cosine distance from the pretrained weights, and per "
      "matrix the update ΔW's max-norm, spectral norm and stable rank. Recipe (REFERENCE §5): pretraining routing "
      "and lrs, every lr × --lr-frac, linear decay to 0, no warm-up, one epoch of non-overlapping blocks. Exit 1 when "
      "training diverges; on SIGINT/SIGTERM a checkpoint is written (with --run-dir) and the exit is 130.");
  sub->add_option("--from", a->req.from,
                  "Pretraining run directory (model.pt or checkpoint.pt, tokens.pt or tokenizer.model, "
                  "finetune_tokens.pt) or model file; required unless --resume");
  sub->add_option("--method", c.method, "full | lora")->check(CLI::IsMember({"full", "lora"}))->capture_default_str();
  sub->add_option("--optimizer", c.optimizer, "Matrix rule: muon | adam | adamuon | normuon (embedding, head: AdamW)")
      ->check(CLI::IsMember(nanochat::torch_optimizer_spellings(false)))
      ->capture_default_str();
  a->lr = sub->add_option("--lr", c.lr,
                          "Base lr of the hidden matrices (Full) or adapters (LoRA), before --lr-frac (default: the "
                          "optimizer's pretraining lr: muon 0.02, adam 1e-3)");
  sub->add_option("--lr-frac", c.lr_frac, "Peak lr = lr × this (nanochat SFT: 0.02)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--rank", c.lora.rank, "LoRA rank r")->capture_default_str();
  sub->add_option("--alpha", c.lora.alpha, "LoRA α (scale α/r, rsLoRA α/√r)")->capture_default_str();
  sub->add_option("--dropout", c.lora.dropout, "Dropout on the adapters' input")->capture_default_str();
  sub->add_flag("--rslora", c.lora.rslora, "rsLoRA scaling α/√r");
  sub->add_option("--init", c.lora.init, "lora (A uniform, B = 0) | pissa (top-r SVD of W)")
      ->check(CLI::IsMember({"lora", "pissa"}))
      ->capture_default_str();
  sub->add_flag("--lora-a-adamw", c.lora.a_adamw, "Under a Muon-family rule, train A with AdamW (B stays on the rule)");
  sub->add_option("--targets", a->targets, "LoRA targets, comma-separated: Q,K,V,O,MLP_up,MLP_down (default: all)");
  sub->add_option("--batch-size", c.batch_size, "Blocks per step")->capture_default_str();
  sub->add_option("--seq-len", c.seq_len, "Block length (0: the model's context length)")->capture_default_str();
  sub->add_option("--epochs", c.epochs, "Passes over the training blocks")->capture_default_str();
  sub->add_option("--max-steps", c.max_steps, "Stop after this many steps (0: no cap)")->capture_default_str();
  sub->add_option("--max-bytes", c.max_bytes, "Fine-tune on the whole documents within this many bytes of the text (0: all)")
      ->capture_default_str();
  sub->add_option("--val-fraction", c.val_fraction, "Fine-tuning documents held out for perplexity")
      ->capture_default_str();
  sub->add_option("--seed", c.seed, "Adapter init, block order and dropout")->capture_default_str();
  sub->add_option("--split-seed", c.split_seed, "Fine-tuning train/validation split (fixed across a sweep)")
      ->capture_default_str();
  sub->add_option("--eval-every", c.eval_every, "Also evaluate every K steps (metrics.csv; 0: before and after only)")
      ->capture_default_str();
  sub->add_option("--eval-tokens", c.eval_tokens, "Validation tokens per evaluation (each text)")->capture_default_str();
  sub->add_option("--grad-clip", c.grad_clip, "Gradient-norm clip (0 disables)")->capture_default_str();
  sub->add_option("--threads", c.threads, "Torch CPU threads")->capture_default_str();
  sub->add_option("--device", c.device, "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  sub->add_option("--data", c.data, "Fine-tuning text or fortune folder, encoded with the run's tokenizer (default: "
                                    "the run's finetune_tokens.pt, else data/fortunes.txt, else the fortunes package)");
  sub->add_option("--run-dir", a->req.run_dir,
                  "Write config.json, metrics.csv, updates.csv and summary.json here (default: nothing written)");
  sub->add_flag("--force", a->req.force, "Replace a finished or unfinished run in --run-dir");
  sub->add_flag("--resume", a->req.resume,
                "Continue the unfinished run in --run-dir from its checkpoint (its config.json decides every setting)")
      ->excludes("--force");
  sub->add_option("--stop-after", a->req.stop_after,
                  "Evaluate, checkpoint and stop after this many steps (needs --run-dir; continue with --resume)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--checkpoint-every", a->req.checkpoint_every,
                  "Also checkpoint every K steps (needs --run-dir; 0: only at a stop or an interrupt)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", a->json, "Machine-readable summary");
  sub->add_flag("--quiet", a->quiet, "No progress on stderr");
  sub->add_option("--nproc", a->nproc,
                  "Data-parallel ranks to start on this machine (Gloo on the CPU, NCCL with one GPU per rank); under "
                  "torchrun or srun leave it out")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sub->add_option("--dist-timeout", a->dist_timeout,
                  "Seconds a collective may wait for the other ranks before the run stops")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
