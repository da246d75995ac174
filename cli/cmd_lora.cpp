// muonlab lora: Prop D.8 for one adapter (thresholds, inflation factors and their bounds), the inflation factors
// against the rank r for random A, and the sharpness search (--sharpness). The work lives in theory/.
#include "cli/commands.hpp"
#include "spectral/errors.hpp"
#include "spectral/random.hpp"
#include "spectral/scalar.hpp"
#include "spectral/text_io.hpp"
#include "theory/lora_bounds.hpp"
#include "theory/sharpness.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

namespace muonlab::cli {
namespace {

struct LoraArgs {
  std::string a_file, z, r0;
  long m = 4, n = 8, rank = 2;
  std::uint64_t seed = 1;
  unsigned digits = 0;
  bool sharpness = false;
  int starts = 40;
  long scan = 0;
  int trials = 200;
  bool json = false;
};

VecD vec_of(const std::string& text, const char* what) {
  const std::vector<std::string> f = split_fields(text);
  if (f.empty()) throw InputError(std::string("--") + what + " is empty");
  VecD v(static_cast<Eigen::Index>(f.size()));
  for (std::size_t i = 0; i < f.size(); ++i) v(static_cast<Eigen::Index>(i)) = parse_scalar<double>(f[i]);
  return v;
}

nlohmann::json to_json(const theory::SharpnessReport& r) {
  return {{"factor", r.factor},
          {"rank", r.rank},
          {"digits", r.digits},
          {"formula", r.formula},
          {"supremum", r.closed_form},
          {"refined", r.refined},
          {"refine_error", r.refine_error},
          {"attained", r.attained},
          {"maximizer", r.maximizer},
          {"structure", r.structure},
          {"search_best", r.search_best},
          {"search_argmax", r.search_argmax},
          {"best_by_support", r.best_by_support},
          {"sqrt_r", r.sqrt_r},
          {"paper_bound_sharp", r.paper_bound_sharp},
          {"paper_bound_attained", r.paper_bound_attained}};
}

int run_sharpness(const LoraArgs& a) {
  const unsigned digits = a.digits ? a.digits : 50;
  nlohmann::json arr = nlohmann::json::array();
  for (const char* f : {"f1", "f2"}) {
    std::cerr << "searching " << f << " over R^" << a.rank << "...\n";
    const theory::SharpnessReport r = theory::sharpness_search(f, a.rank, digits, a.seed, a.starts);
    arr.push_back(to_json(r));
    if (a.json) continue;
    fmt::print("{} over u in R^{}:  {}\n", f == std::string("f1") ? "f1 = ||u||1 ||u||inf / ||u||2^2"
                                                                  : "f2 = sqrt(||u||0) ||u||2 / ||u||1",
               a.rank, "");
    fmt::print("  supremum        {} = {}\n", r.formula, r.closed_form);
    fmt::print("  refined         {}  (|refined - formula| = {:.2e}, {} digits)\n", r.refined, r.refine_error, digits);
    fmt::print("  global search   {:.15g}; best per support size k=1..R: ", r.search_best);
    for (double b : r.best_by_support) fmt::print("{:.6g} ", b);
    fmt::print("\n  structure       {}\n  maximizer       {}\n", r.structure, r.maximizer);
    fmt::print("  attained        {}\n  paper's sqrt(R) = {:.6g}: {}\n\n", r.attained ? "yes" : "no", r.sqrt_r,
               r.paper_bound_attained ? "attained (R = 1)"
                                      : (r.paper_bound_sharp ? "sharp, but only as a supremum" : "not sharp"));
  }
  if (a.json) std::cout << nlohmann::json{{"sharpness", arr}}.dump(2) << '\n';
  return kOk;
}

/// Inflation factors against r for random Gaussian A (r×n) and z: mean and max over the trials, with the bounds.
int run_scan(const LoraArgs& a) {
  if (a.scan > a.n) throw InputError("--scan R_MAX must be <= --n (A is r x n with r <= n)");
  nlohmann::json rows = nlohmann::json::array();
  if (!a.json)
    fmt::print("inflation factors for random Gaussian A (r x {}), z, {} trials per r\n{:>4} {:>10} {:>10} {:>12} {:>10} "
               "{:>10} {:>10}\n",
               a.n, a.trials, "r", "f1 mean", "f1 max", "(1+sqrt r)/2", "f2 mean", "f2 max", "sqrt r");
  for (long r = 1; r <= a.scan; ++r) {
    double s1 = 0, m1 = 0, s2 = 0, m2 = 0;
    for (int t = 0; t < a.trials; ++t) {
      spectral::Rng rng(a.seed, static_cast<std::uint64_t>(r * 100000 + t));
      const MatD am = spectral::random_gaussian<double>(rng, r, a.n);
      const VecD z = spectral::random_gaussian<double>(rng, a.n, 1).col(0);
      const VecD r0 = spectral::random_gaussian<double>(rng, a.m, 1).col(0);
      const theory::LoraReport rep = theory::lora_report(am, z, r0, 0);
      s1 += rep.f1, s2 += rep.f2, m1 = std::max(m1, rep.f1), m2 = std::max(m2, rep.f2);
    }
    const double sr = std::sqrt(static_cast<double>(r));
    rows.push_back({{"r", r},
                    {"f1_mean", s1 / a.trials},
                    {"f1_max", m1},
                    {"f1_sup", (1 + sr) / 2},
                    {"f2_mean", s2 / a.trials},
                    {"f2_max", m2},
                    {"f2_sup", sr}});
    if (!a.json)
      fmt::print("{:>4} {:>10.4f} {:>10.4f} {:>12.4f} {:>10.4f} {:>10.4f} {:>10.4f}\n", r, s1 / a.trials, m1,
                 (1 + sr) / 2, s2 / a.trials, m2, sr);
  }
  if (a.json) std::cout << nlohmann::json{{"n", a.n}, {"trials", a.trials}, {"rows", rows}}.dump(2) << '\n';
  return kOk;
}

int run(const LoraArgs& a) {
  if (a.sharpness) return run_sharpness(a);
  if (a.scan > 0) return run_scan(a);
  MatD am;
  VecD z, r0;
  if (!a.a_file.empty() || !a.z.empty() || !a.r0.empty()) {
    if (a.a_file.empty() || a.z.empty() || a.r0.empty())
      throw InputError("give all of --a FILE, --z and --r0, or none of them (a random instance)");
    am = read_matrix_file<double>(a.a_file);
    z = vec_of(a.z, "z");
    r0 = vec_of(a.r0, "r0");
  } else {
    if (a.rank > a.n) throw InputError("--rank must be <= --n");
    spectral::Rng rng(a.seed, 0);
    am = spectral::random_gaussian<double>(rng, a.rank, a.n);
    z = spectral::random_gaussian<double>(rng, a.n, 1).col(0);
    r0 = spectral::random_gaussian<double>(rng, a.m, 1).col(0);
  }
  const theory::LoraReport r = theory::lora_report(am, z, r0, a.digits);
  if (a.json) {
    std::cout << nlohmann::json{{"r", r.r},
                                {"support", r.support},
                                {"u", r.u},
                                {"thresholds",
                                 {{"rho_max", r.thresholds[0]},
                                  {"rho_2", r.thresholds[1]},
                                  {"rho_muon_max", r.thresholds[2]},
                                  {"rho_sign_2", r.thresholds[3]}}},
                                {"f1", r.f1},
                                {"f2", r.f2},
                                {"f1_sharp_bound", r.f1_sharp},
                                {"sqrt_support", r.sqrt_support},
                                {"sqrt_r", r.sqrt_r},
                                {"b_equal", r.b_equal}}
                     .dump(2)
              << '\n';
    return kOk;
  }
  fmt::print("Prop D.8, LoRA adapter: r = {}, u = A z has {} non-zeros\n", r.r, r.support);
  fmt::print("  threshold (max budget)       ||r0||inf/||u||1          {:.10g}\n", r.thresholds[0]);
  fmt::print("  threshold (spectral budget)  ||r0||2/||u||2            {:.10g}\n", r.thresholds[1]);
  fmt::print("  mismatched ||B*_mu||max      ||r0||inf||u||inf/||u||2^2 {:.10g}\n", r.thresholds[2]);
  fmt::print("  mismatched ||B*_s||2         sqrt(||u||0)||r0||2/||u||1 {:.10g}\n", r.thresholds[3]);
  fmt::print("  f1 = ||u||1||u||inf/||u||2^2 {:.10g}  <= (1+sqrt||u||0)/2 = {:.6g} <= sqrt||u||0 = {:.6g} <= sqrt r = "
             "{:.6g}\n",
             r.f1, r.f1_sharp, r.sqrt_support, r.sqrt_r);
  fmt::print("  f2 = sqrt||u||0 ||u||2/||u||1 {:.10g} <= sqrt||u||0 = {:.6g} <= sqrt r = {:.6g}\n", r.f2,
             r.sqrt_support, r.sqrt_r);
  fmt::print("  B*_s = B*_mu: {}\n", r.b_equal ? "yes" : "no");
  return kOk;
}

}  // namespace

Command add_lora(CLI::App& app) {
  auto a = std::make_shared<LoraArgs>();
  CLI::App* sub = app.add_subcommand(
      "lora",
      "Prop D.8 on the LoRA surrogate W = W0 + B A (A fixed, u = A z): the adapter thresholds, the mismatched "
      "thresholds and the inflation factors f1 = ||u||1||u||inf/||u||2^2, f2 = sqrt(||u||0)||u||2/||u||1 with their "
      "bounds, for a given A (--a, --z, --r0) or a random one. --scan R: the factors against r for random A. "
      "--sharpness --rank R: the worst case of f1 and f2 over all u in R^R (sharp constants (1+sqrt R)/2 and "
      "sqrt R; global search, then refinement at --digits).");
  sub->add_option("--a", a->a_file, "The fixed factor A (r x n), CSV file or '-' for stdin");
  sub->add_option("--z", a->z, "The fine-tuning input z (n entries, comma-separated)");
  sub->add_option("--r0", a->r0, "The residual r0 = b - W0 z (m entries, comma-separated)");
  sub->add_option("--m", a->m, "Random instance: length of r0 (default 4)")->check(CLI::Range(1L, 4096L));
  sub->add_option("--n", a->n, "Random instance: length of z (default 8)")->check(CLI::Range(1L, 4096L));
  sub->add_option("--rank", a->rank, "LoRA rank r (random instance and --sharpness; default 2; at most 64 for "
                                     "--sharpness)")
      ->check(CLI::Range(1L, 4096L));
  sub->add_option("--seed", a->seed, "Seed (default 1)");
  sub->add_option("--digits", a->digits,
                  "MPFR digits (default: double; --sharpness refines at 50 unless given)")
      ->check(digits_validator());
  sub->add_flag("--sharpness", a->sharpness, "Search the worst case of the inflation factors over u in R^rank");
  sub->add_option("--starts", a->starts, "--sharpness: random starts per support size (default 40)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--scan", a->scan, "Inflation factors for r = 1..R_MAX with random Gaussian A")
      ->check(CLI::Range(1L, 4096L));
  sub->add_option("--trials", a->trials, "--scan: random A per rank (default 200)")->check(CLI::Range(1, 1000000));
  sub->add_flag("--json", a->json, "Machine-readable output");
  return {sub, [a] { return run(*a); }};
}

}  // namespace muonlab::cli
