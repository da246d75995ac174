#include "nanochat/finetune_command.hpp"

#include "nanochat/optimizer_names.hpp"
#include "nanochat/trainer.hpp"

#include <fmt/core.h>

#include <sstream>

namespace muonlab::nanochat {

std::string FinetuneOptions::validate() const {
  if (!torch_optimizer_id(optimizer)) return not_a_torch_rule("--optimizer", optimizer);
  if (lr_given && !(req.config.lr >= 0)) return "--lr must be >= 0, got " + fmt::format("{}", req.config.lr);
  if (req.resume && !req.from.empty())
    return "--resume takes --from and every setting from the run's config.json: drop --from";
  return {};
}

FinetuneRequest finetune_request(const FinetuneOptions& o) {
  FinetuneRequest req = o.req;
  req.config.optimizer = torch_rule_id(o.optimizer);
  if (!o.targets.empty()) req.config.lora.targets = split_list(o.targets);
  req.progress = !o.quiet;
  return req;
}

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
std::string update_table(const FinetuneSummary& s) {
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

std::string brief(const FinetuneSummary& s) {
  const std::string method = s.method == "lora" ? fmt::format("lora r={} ({})", s.rank, s.init) : "full";
  const std::string status = s.diverged ? fmt::format(" | DIVERGED at step {}", s.diverged_step)
                             : s.status == "stopped"
                                 ? fmt::format(" of {} (stopped: --resume continues)", s.planned_steps)
                                 : std::string();
  std::string out = fmt::format("finetune {} ({}-pretrained): {} {} lr {:.4g} (peak {:.4g}), {} steps{}\n", s.from,
                                s.pretrain_optimizer, method, s.optimizer, s.lr, s.peak_lr, s.steps, status);
  out += fmt::format("fine-tuning ppl {} -> {} (ratio {}) | forgetting {} bpb ({} -> {}) | L2 distance {}, cosine "
                     "distance {} | {:.1f} s, {} ms/step\n",
                     format_measured(finite_or_none(s.pretrained_ppl)), format_measured(finite_or_none(s.final_ppl)),
                     format_measured(finite_or_none(s.ppl_ratio)),
                     format_measured(finite_or_none(s.forgetting_bpb), "{:+.4f}"),
                     format_measured(finite_or_none(s.pretrained_bpb)), format_measured(finite_or_none(s.final_bpb)),
                     format_measured(finite_or_none(s.l2_distance), "{:.4g}"),
                     format_measured(finite_or_none(s.cosine_distance), "{:.4g}"), s.elapsed_s,
                     format_measured(s.steps > s.start_step ? finite_or_none(s.mean_step_ms) : std::nullopt, "{:.0f}"));
  return out + update_table(s);
}

std::string diverged_message(const FinetuneSummary& s) {
  return fmt::format("training diverged at step {} (non-finite loss): lower the learning rate{}", s.diverged_step,
                     s.run_dir.empty() ? std::string() : "; " + s.run_dir + "/summary.json records it");
}

}  // namespace muonlab::nanochat
