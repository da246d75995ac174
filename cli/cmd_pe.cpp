// muonlab pe: Polar Express coefficient design (Remez + composition), certification (Arb) and the reproduction of
// the published tables. Parses, calls theory::run_pe, writes the result.
#include "cli/commands.hpp"
#include "theory/pe_command.hpp"

#include <memory>

namespace muonlab::cli {
namespace {

/// The state one `pe` subcommand parses into.
struct PeArgs {
  theory::PeOptions options;
  unsigned digits = 50;
  bool json = false;
  std::string out = "-";
};

int run(PeArgs& a, theory::PeOptions::Mode mode) {
  a.options.mode = mode;
  a.options.precision = spectral::Precision(a.digits);
  if (a.json) a.options.format = "json";
  const theory::PeSummary s = theory::run_pe(a.options);
  write_file_atomic(a.out, a.json ? s.to_json().dump(2) + "\n" : s.brief());
  return s.exit_code();
}

void add_common(CLI::App* sub, PeArgs& a, const char* digits_help) {
  sub->add_option("--digits", a.digits, digits_help)->check(digits_validator());
  sub->add_flag("--json", a.json, "Machine-readable output");
  sub->add_option("--out", a.out, "Write the result to this file (atomically; default stdout)");
}

}  // namespace

Command add_pe(CLI::App& app) {
  CLI::App* pe = app.add_subcommand(
      "pe",
      "Polar Express (Amsel et al. 2025) orthogonalization polynomials: design them (Remez + composition), certify "
      "them (Arb ball arithmetic), and reproduce the published tables.");
  pe->require_subcommand(1, 1);

  auto da = std::make_shared<PeArgs>();
  theory::PeOptions& d = da->options;
  CLI::App* design = pe->add_subcommand(
      "design",
      "Designs a schedule: each step is the minimax odd polynomial for 1 on [max(l_k, cushion*u_k), u_k], composed "
      "over iterations (REFERENCE §4). Defaults reproduce the modded-nanogpt/nanochat table; the paper's setting "
      "is --lower 1e-3 --iters 10 --safety 1e-2 --cushion 0.02.");
  design->add_option("--lower", d.lower, "l: smallest normalized singular value to handle, 0 < l < 1 (default 1e-3)");
  design->add_option("--iters", d.iters, "Number of iterations (steps), >= 1 (default 5)");
  design->add_option("--safety", d.safety,
                     "Safety factor s >= 0: steps divided by (1+s, (1+s)^3, (1+s)^5) (default 2e-2)");
  design->add_option("--cushion", d.cushion,
                     "Cushion: the minimax is taken on [max(l, cushion*u), u] (default 0.02; 0.02407327424182761 "
                     "with --variant paper)");
  design->add_option("--variant", d.variant,
                     "reference (default): the current reference code (safety inside the loop); paper: the listing's "
                     "composition (rescale always, raw table, safety afterwards)");
  design->add_option("--degree", d.degree, "Odd degree of each step (default 5; 3 gives cubic steps)");
  design->add_option("--format", d.format, "table (default), cpp or python (paste-ready steps as applied), json");
  add_common(design, *da, "Working precision in decimal digits (default 50)");
  design->get_option("--json")->description("Same as --format json");

  auto ca = std::make_shared<PeArgs>();
  theory::PeOptions& c = ca->options;
  CLI::App* certify = pe->add_subcommand(
      "certify",
      "Certifies, in ball arithmetic, the image of [l, u] under the composed polynomial of a schedule, max|phi-1| "
      "on it and phi'(0). Exit 0 when certified, 3 when undecided at this precision (raise --digits).");
  certify->add_option("--coeffs", c.coeffs, kCoeffsHelp)->required();
  certify->add_option("--lower", c.lower, "Lower end l > 0 of the input interval (default 1e-3)");
  certify->add_option("--upper", c.upper, "Upper end u > l (default 1)");
  certify->add_option("--rel-tol", c.rel_tol,
                      "Relative width to which the bounds must be decided (default 1e-6); at least 100 x the unit "
                      "roundoff of --digits (exit 2 otherwise)")
      ->check(CLI::Range(1e-300, 1.0));
  add_common(certify, *ca, "Precision of the balls in decimal digits (default 50)");

  auto ta = std::make_shared<PeArgs>();
  CLI::App* table = pe->add_subcommand(
      "table",
      "Reproduces the published tables (modded-nanogpt/nanochat; the paper's Algorithm 1 listing), names the "
      "settings that generate each, and prints per entry the significant digits of agreement, why agreement is "
      "limited where it is (float64 conditioning) and whether each step maps its interval as designed. Exit 1 if "
      "a well-conditioned entry agrees to < 14 digits or a step does not map its interval.");
  add_common(table, *ta, "Working precision of the reproduction in decimal digits (default 50)");

  using Mode = theory::PeOptions::Mode;
  return {pe, [design, certify, table, da, ca, ta] {
            if (design->parsed()) return run(*da, Mode::design);
            if (certify->parsed()) return run(*ca, Mode::certify);
            if (table->parsed()) return run(*ta, Mode::table);
            return static_cast<int>(kBadInput);
          }};
}

}  // namespace muonlab::cli
