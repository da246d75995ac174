#include "theory/lora_command.hpp"

#include "spectral/errors.hpp"
#include "spectral/random.hpp"
#include "spectral/text_io.hpp"

#include <fmt/core.h>

#include <iostream>

namespace muonlab::theory {
namespace {

VecD vec_of(const std::string& text, const char* what) {
  const std::vector<std::string> f = split_fields(text);
  if (f.empty()) throw InputError(std::string("--") + what + " is empty");
  VecD v(static_cast<Eigen::Index>(f.size()));
  for (std::size_t i = 0; i < f.size(); ++i) v(static_cast<Eigen::Index>(i)) = parse_scalar<double>(f[i]);
  return v;
}

nlohmann::json sharpness_json(const SharpnessReport& r) {
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

}  // namespace

std::string LoraOptions::validate() const {
  const bool given = !a_file.empty() || !z.empty() || !r0.empty();
  if (mode == Mode::adapter && given && (a_file.empty() || z.empty() || r0.empty()))
    return "give all of --a FILE, --z and --r0, or none of them (a random instance)";
  if (mode == Mode::adapter && !given && rank > n) return "--rank must be <= --n";
  if (mode == Mode::scan && scan > n) return "--scan R_MAX must be <= --n (A is r x n with r <= n)";
  if (m < 1 || n < 1 || rank < 1) return "--m, --n and --rank must be >= 1";
  if (starts < 1 || trials < 1) return "--starts and --trials must be >= 1";
  return {};
}

LoraSummary run_lora(const LoraOptions& o) {
  if (const std::string e = o.validate(); !e.empty()) throw InputError(e);
  LoraSummary s;
  s.mode = o.mode;
  s.n = o.n;
  s.trials = o.trials;
  s.digits = o.precision ? o.precision->digits() : 0;
  if (o.mode == LoraOptions::Mode::sharpness) {
    s.digits = o.precision ? o.precision->digits() : kDefaultSharpnessDigits;
    for (const char* f : {"f1", "f2"}) {
      std::cerr << "searching " << f << " over R^" << o.rank << "...\n";
      s.sharpness.push_back(sharpness_search(f, o.rank, s.digits, o.seed, o.starts));
    }
    return s;
  }
  if (o.mode == LoraOptions::Mode::scan) {
    s.scan = inflation_scan(o.m, o.n, o.scan, o.trials, o.seed);
    return s;
  }
  MatD am;
  VecD z, r0;
  if (!o.a_file.empty()) {
    am = read_matrix_file<double>(o.a_file);
    z = vec_of(o.z, "z");
    r0 = vec_of(o.r0, "r0");
  } else {
    spectral::Rng rng(o.seed, 0);
    am = spectral::random_gaussian<double>(rng, o.rank, o.n);
    z = spectral::random_gaussian<double>(rng, o.n, 1).col(0);
    r0 = spectral::random_gaussian<double>(rng, o.m, 1).col(0);
  }
  s.report = lora_report(am, z, r0, s.digits);
  return s;
}

std::string LoraSummary::brief() const {
  std::string out;
  if (mode == LoraOptions::Mode::sharpness) {
    for (const SharpnessReport& r : sharpness) {
      out += fmt::format("{} over u in R^{}:  {}\n",
                         r.factor == "f1" ? "f1 = ||u||1 ||u||inf / ||u||2^2" : "f2 = sqrt(||u||0) ||u||2 / ||u||1",
                         r.rank, "");
      out += fmt::format("  supremum        {} = {}\n", r.formula, r.closed_form);
      out += fmt::format("  refined         {}  (|refined - formula| = {:.2e}, {} digits)\n", r.refined,
                         r.refine_error, digits);
      out += fmt::format("  global search   {:.15g}; best per support size k=1..R: ", r.search_best);
      for (double b : r.best_by_support) out += fmt::format("{:.6g} ", b);
      out += fmt::format("\n  structure       {}\n  maximizer       {}\n", r.structure, r.maximizer);
      out += fmt::format("  attained        {}\n  paper's sqrt(R) = {:.6g}: {}\n\n", r.attained ? "yes" : "no",
                         r.sqrt_r,
                         r.paper_bound_attained ? "attained (R = 1)"
                                                : (r.paper_bound_sharp ? "sharp, but only as a supremum" : "not sharp"));
    }
    return out;
  }
  if (mode == LoraOptions::Mode::scan) {
    out += fmt::format("inflation factors for random Gaussian A (r x {}), z, {} trials per r\n{:>4} {:>10} {:>10} "
                       "{:>12} {:>10} {:>10} {:>10}\n",
                       n, trials, "r", "f1 mean", "f1 max", "(1+sqrt r)/2", "f2 mean", "f2 max", "sqrt r");
    for (const InflationScanRow& w : scan)
      out += fmt::format("{:>4} {:>10.4f} {:>10.4f} {:>12.4f} {:>10.4f} {:>10.4f} {:>10.4f}\n", w.r, w.f1_mean,
                         w.f1_max, w.f1_sup, w.f2_mean, w.f2_max, w.f2_sup);
    return out;
  }
  const LoraReport& r = report;
  out += fmt::format("Prop D.8, LoRA adapter: r = {}, u = A z has {} non-zeros\n", r.r, r.support);
  out += fmt::format("  threshold (max budget)       ||r0||inf/||u||1          {:.10g}\n", r.thresholds[0]);
  out += fmt::format("  threshold (spectral budget)  ||r0||2/||u||2            {:.10g}\n", r.thresholds[1]);
  out += fmt::format("  mismatched ||B*_mu||max      ||r0||inf||u||inf/||u||2^2 {:.10g}\n", r.thresholds[2]);
  out += fmt::format("  mismatched ||B*_s||2         sqrt(||u||0)||r0||2/||u||1 {:.10g}\n", r.thresholds[3]);
  out += fmt::format("  f1 = ||u||1||u||inf/||u||2^2 {:.10g}  <= (1+sqrt||u||0)/2 = {:.6g} <= sqrt||u||0 = {:.6g} "
                     "<= sqrt r = {:.6g}\n",
                     r.f1, r.f1_sharp, r.sqrt_support, r.sqrt_r);
  out += fmt::format("  f2 = sqrt||u||0 ||u||2/||u||1 {:.10g} <= sqrt||u||0 = {:.6g} <= sqrt r = {:.6g}\n", r.f2,
                     r.sqrt_support, r.sqrt_r);
  out += fmt::format("  B*_s = B*_mu: {}\n", r.b_equal ? "yes" : "no");
  return out;
}

nlohmann::json LoraSummary::to_json() const {
  if (mode == LoraOptions::Mode::sharpness) {
    nlohmann::json arr = nlohmann::json::array();
    for (const SharpnessReport& r : sharpness) arr.push_back(sharpness_json(r));
    return {{"sharpness", arr}};
  }
  if (mode == LoraOptions::Mode::scan) {
    nlohmann::json rows = nlohmann::json::array();
    for (const InflationScanRow& w : scan)
      rows.push_back({{"r", w.r},
                      {"f1_mean", w.f1_mean},
                      {"f1_max", w.f1_max},
                      {"f1_sup", w.f1_sup},
                      {"f2_mean", w.f2_mean},
                      {"f2_max", w.f2_max},
                      {"f2_sup", w.f2_sup}});
    return {{"n", n}, {"trials", trials}, {"rows", rows}};
  }
  const LoraReport& r = report;
  return {{"r", r.r},
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
          {"b_equal", r.b_equal}};
}

}  // namespace muonlab::theory
