// muonlab finetune: fine-tunes a pretrained NanoChat, Full or LoRA, with a Muon-family or Adam rule (REFERENCE §5,
// paper §3). Parses into nanochat::FinetuneOptions, starts or joins the data-parallel ranks, calls nanochat::finetune,
// prints; the checks and the text are nanochat/finetune_command.hpp.
// Tested by tests/nanochat/test_finetune.cpp ("muonlab finetune from the command line")
#include "cli/commands.hpp"
#include "cli/data_parallel.hpp"
#include "nanochat/finetune_command.hpp"
#include "nanochat/optimizer_names.hpp"

#include <memory>

namespace muonlab::cli {
namespace {

struct FinetuneArgs : nanochat::FinetuneOptions {
  bool json = false;
  CLI::Option* lr = nullptr;
};

int run(FinetuneArgs& a) {
  a.lr_given = a.lr->count() > 0;
  if (const std::string problem = a.validate(); !problem.empty()) throw std::invalid_argument(problem);
  const nanochat::FinetuneRequest req = nanochat::finetune_request(a);
  return run_data_parallel("finetune", a.nproc, a.dist_timeout, req.config.device, a.quiet, a.json, req,
                           nanochat::finetune);
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
  sub->add_option("--optimizer", a->optimizer, "Matrix rule: muon | adam | adamuon | normuon (embedding, head: AdamW)")
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
  sub->add_option("--max-bytes", c.max_bytes,
                  "Fine-tune on the whole documents within this many bytes of the text (0: all)")
      ->capture_default_str();
  sub->add_option("--val-fraction", c.val_fraction, "Fine-tuning documents held out for perplexity")
      ->capture_default_str();
  sub->add_option("--seed", c.seed, "Adapter init, block order and dropout")->capture_default_str();
  sub->add_option("--split-seed", c.split_seed, "Fine-tuning train/validation split (fixed across a sweep)")
      ->capture_default_str();
  sub->add_option("--eval-every", c.eval_every, "Also evaluate every K steps (metrics.csv; 0: before and after only)")
      ->capture_default_str();
  sub->add_option("--eval-tokens", c.eval_tokens, "Validation tokens per evaluation (each text)")
      ->capture_default_str();
  sub->add_option("--grad-clip", c.grad_clip, "Gradient-norm clip (0 disables)")->capture_default_str();
  sub->add_option("--threads", c.threads, "Torch CPU threads")->capture_default_str();
  sub->add_option("--device", c.device, "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  sub->add_option("--data", c.data,
                  "Fine-tuning text or fortune folder, encoded with the run's tokenizer (default: the run's "
                  "finetune_tokens.pt, else data/fortunes.txt, else the fortunes package)");
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
  add_data_parallel_options(sub, a->nproc, a->dist_timeout);
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
