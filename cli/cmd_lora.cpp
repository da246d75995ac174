// muonlab lora: Prop D.8 for one adapter (thresholds, inflation factors and their bounds), the inflation factors
// against the rank r for random A, and the sharpness search (--sharpness). Parses, calls theory::run_lora, prints.
#include "cli/commands.hpp"
#include "theory/lora_command.hpp"

#include <memory>

namespace muonlab::cli {

Command add_lora(CLI::App& app) {
  auto o = std::make_shared<theory::LoraOptions>();
  auto digits = std::make_shared<unsigned>(0);
  auto sharpness = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "lora",
      "Prop D.8 on the LoRA surrogate W = W0 + B A (A fixed, u = A z): the adapter thresholds, the mismatched "
      "thresholds and the inflation factors f1 = ||u||1||u||inf/||u||2^2, f2 = sqrt(||u||0)||u||2/||u||1 with their "
      "bounds, for a given A (--a, --z, --r0) or a random one. --scan R: the factors against r for random A. "
      "--sharpness --rank R: the worst case of f1 and f2 over all u in R^R (sharp constants (1+sqrt R)/2 and "
      "sqrt R; global search, then refinement at --digits).");
  sub->add_option("--a", o->a_file, "The fixed factor A (r x n), CSV file or '-' for stdin");
  sub->add_option("--z", o->z, "The fine-tuning input z (n entries, comma-separated)");
  sub->add_option("--r0", o->r0, "The residual r0 = b - W0 z (m entries, comma-separated)");
  sub->add_option("--m", o->m, "Random instance: length of r0 (default 4)")->check(CLI::Range(1L, 4096L));
  sub->add_option("--n", o->n, "Random instance: length of z (default 8)")->check(CLI::Range(1L, 4096L));
  sub->add_option("--rank", o->rank, "LoRA rank r (random instance and --sharpness; default 2; at most 64 for "
                                     "--sharpness)")
      ->check(CLI::Range(1L, 4096L));
  sub->add_option("--seed", o->seed, "Seed (default 1)");
  sub->add_option("--digits", *digits,
                  "MPFR digits (default: double; --sharpness refines at 50, the project's default, unless given)")
      ->check(digits_validator());
  sub->add_flag("--sharpness", *sharpness, "Search the worst case of the inflation factors over u in R^rank");
  sub->add_option("--starts", o->starts, "--sharpness: random starts per support size (default 40)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--scan", o->scan, "Inflation factors for r = 1..R_MAX with random Gaussian A")
      ->check(CLI::Range(1L, 4096L));
  sub->add_option("--trials", o->trials, "--scan: random A per rank (default 200)")->check(CLI::Range(1, 1000000));
  sub->add_flag("--json", *json, "Machine-readable output");
  return {sub, [=] {
            using Mode = theory::LoraOptions::Mode;
            o->mode = *sharpness ? Mode::sharpness : o->scan > 0 ? Mode::scan : Mode::adapter;
            if (*digits) o->precision = spectral::Precision(*digits);
            print_summary(theory::run_lora(*o), *json);
            return static_cast<int>(kOk);
          }};
}

}  // namespace muonlab::cli
