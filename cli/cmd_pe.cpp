// muonlab pe: Polar Express coefficient design (Remez + composition), certification (Arb) and the reproduction of
// the published tables. Parsing and printing only; the work lives in spectral/polar_express, spectral/certify.
#include "cli/commands.hpp"
#include "spectral/certify.hpp"
#include "spectral/errors.hpp"
#include "spectral/polar_express.hpp"
#include "spectral/scalar.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <sstream>

namespace muonlab::cli {
namespace {

using spectral::PeVariant;

struct DesignArgs {
  std::string lower = "1e-3", safety = "2e-2", cushion, variant = "reference", format = "table", out = "-";
  int iters = 5;
  int degree = 5;
  unsigned digits = 50;
  bool json = false;
};

struct CertifyArgs {
  std::string coeffs, lower = "1e-3", upper = "1", out = "-";
  unsigned digits = 50;
  double rel_tol = 1e-6;
  bool json = false;
};

struct TableArgs {
  unsigned digits = 50;
  bool json = false;
  std::string out = "-";
};

Real parse_real(const std::string& text, const std::string& what) {
  try {
    return parse_scalar<Real>(text);
  } catch (const InputError& e) {
    throw InputError(what + ": " + e.what());
  }
}

std::string str(const Real& x, unsigned digits) { return muonlab::to_string(x, digits); }
std::string d17(const Real& x) { return fmt::format("{:.17g}", to_double(x)); }

// ---- design ----------------------------------------------------------------------------------------------------

std::string design_command_line(const DesignArgs& a, const std::string& cushion) {
  return fmt::format("muonlab pe design --lower {} --iters {} --safety {} --cushion {} --variant {} --degree {} --digits {}",
                     a.lower, a.iters, a.safety, cushion, a.variant, a.degree, a.digits);
}

std::string render_design(const DesignArgs& a, const spectral::PeDesign<Real>& d, const std::string& cushion,
                          std::string format) {
  const auto& o = d.options;
  const unsigned shown = std::min(a.digits, 25u);
  std::ostringstream os;
  if (format == "json") {
    nlohmann::json j;
    j["settings"] = {{"lower", a.lower},     {"iterations", a.iters}, {"safety", a.safety},
                     {"cushion", cushion},   {"variant", a.variant},  {"degree", a.degree},
                     {"digits", a.digits},   {"normalizer", fmt::format("||X||_F * (1 + {}) + 1e-7", a.safety)}};
    j["iterations"] = nlohmann::json::array();
    for (std::size_t k = 0; k < d.iterations.size(); ++k) {
      const auto& it = d.iterations[k];
      nlohmann::json e{{"k", k + 1},
                       {"lower", str(it.lower, a.digits)},
                       {"upper", str(it.upper, a.digits)},
                       {"design_lower", str(it.design_lower, a.digits)},
                       {"minimax_error", str(it.minimax_error, a.digits)},
                       {"closed_form", it.closed_form},
                       {"rescaled", it.rescaled},
                       {"remez_iterations", it.remez_iterations}};
      for (const char* key : {"raw", "used"}) {
        const auto& c = std::string(key) == "raw" ? it.raw : it.used;
        nlohmann::json arr = nlohmann::json::array(), dbl = nlohmann::json::array();
        for (const Real& x : c) {
          arr.push_back(str(x, a.digits));
          dbl.push_back(to_double(x));
        }
        e[key] = arr;
        e[std::string(key) + "_double"] = dbl;
      }
      j["iterations"].push_back(e);
    }
    j["final_interval"] = {str(d.final_lower, a.digits), str(d.final_upper, a.digits)};
    return j.dump(2) + "\n";
  }
  const std::string cmd = design_command_line(a, cushion);
  if (format == "python") {
    os << "# " << cmd << "\n";
    os << "# Polar Express (" << a.variant << " composition), steps as applied; normalize X first by\n";
    os << "# X.norm() * (1 + " << a.safety << ") + 1e-7.\n";
    os << "coeffs_list = [\n";
    for (const auto& it : d.iterations) {
      os << "    (";
      for (std::size_t j = 0; j < 3; ++j) os << (j ? ", " : "") << (j < it.used.size() ? d17(it.used[j]) : "0.0");
      os << "),\n";
    }
    os << "]\n";
    return os.str();
  }
  if (format == "cpp") {
    os << "// " << cmd << "\n";
    os << "// Polar Express (" << a.variant << " composition), steps as applied; normalize X first by\n";
    os << "// ||X||_F * (1 + " << a.safety << ") + 1e-7.\n";
    os << "constexpr std::array<std::array<double, 3>, " << d.iterations.size() << "> kPolarExpressCoeffs = {{\n";
    for (const auto& it : d.iterations) {
      os << "    {";
      for (std::size_t j = 0; j < 3; ++j) os << (j ? ", " : "") << (j < it.used.size() ? d17(it.used[j]) : "0.0");
      os << "},\n";
    }
    os << "}};\n";
    return os.str();
  }
  // table
  os << fmt::format("Polar Express design: l = {}, {} iterations, safety {}, cushion {}, {} composition, degree {}, "
                    "{} digits\n",
                    a.lower, a.iters, a.safety, cushion, a.variant, o.degree, a.digits);
  os << fmt::format("{:>3}  {:<26} {:<26} {:<12} {:<6} coefficients ({})\n", "k", "l_k", "u_k", "minimax E", "kind",
                    o.variant == PeVariant::paper ? "raw table" : "as applied");
  const auto table = d.table();
  for (std::size_t k = 0; k < d.iterations.size(); ++k) {
    const auto& it = d.iterations[k];
    std::string coeffs;
    for (const Real& x : table[k]) coeffs += (coeffs.empty() ? "" : ", ") + str(x, shown);
    os << fmt::format("{:>3}  {:<26} {:<26} {:<12.4e} {:<6} ({})\n", k + 1, str(it.lower, 20), str(it.upper, 20),
                      to_double(it.minimax_error), it.closed_form ? "limit" : "remez", coeffs);
  }
  os << fmt::format("final interval [{}, {}]\n", str(d.final_lower, 20), str(d.final_upper, 20));
  if (o.variant == PeVariant::paper && o.safety > 0)
    os << fmt::format("(raw table: at use every step but the last is divided by (s, s^3, s^5), s = 1 + {}; "
                      "--format cpp|python prints the steps as applied)\n", a.safety);
  return os.str();
}

int run_design(const DesignArgs& a) {
  if (a.format != "table" && a.format != "cpp" && a.format != "python" && a.format != "json")
    throw InputError("--format must be table, cpp, python or json (got '" + a.format + "')");
  const PeVariant variant = spectral::parse_pe_variant(a.variant);
  const std::string cushion = !a.cushion.empty() ? a.cushion
                              : variant == PeVariant::paper ? std::string(spectral::kPaperCushion)
                                                            : std::string("0.02");
  PrecisionScope scope(a.digits);
  spectral::PeDesignOptions<Real> o;
  o.lower = parse_real(a.lower, "--lower");
  o.iterations = a.iters;
  o.safety = parse_real(a.safety, "--safety");
  o.cushion = parse_real(cushion, "--cushion");
  o.variant = variant;
  o.degree = a.degree;
  if (a.iters > 50) fmt::print(stderr, "designing {} iterations at {} digits ...\n", a.iters, a.digits);
  const spectral::PeDesign<Real> d = spectral::pe_design(o);
  write_file_atomic(a.out, render_design(a, d, cushion, a.json ? "json" : a.format));
  return kOk;
}

// ---- certify ---------------------------------------------------------------------------------------------------

nlohmann::json interval_json(const spectral::CertInterval& c, unsigned digits) {
  return {{"lo", str(c.lo, digits)}, {"hi", str(c.hi, digits)}};
}

int run_certify(const CertifyArgs& a) {
  {
    // Issue 6: a relative width below what the balls' precision resolves can never be certified; say so up front.
    PrecisionScope at(a.digits);
    require_resolvable_tolerance("--rel-tol", a.rel_tol, to_double(ScalarTraits<Real>::epsilon()), a.digits);
  }
  const spectral::NsScheduleSpec spec = spectral::schedule_by_name_or_file(a.coeffs);
  PrecisionScope scope(a.digits + 5);
  const Real lower = parse_real(a.lower, "--lower"), upper = parse_real(a.upper, "--upper");
  if (!(lower > 0)) throw InputError("--lower must be > 0 (got " + a.lower + ")");
  if (!(upper > lower)) throw InputError("--upper must be > --lower (got " + a.upper + " <= " + a.lower + ")");
  const auto sch = spectral::schedule_cast<Real>(spec);  // binary64 coefficients, exactly
  spectral::CertifyOptions co;
  co.digits = a.digits;
  co.rel_tol = a.rel_tol;
  const spectral::ImageCertificate c = spectral::certify_image(sch.steps, lower, upper, co);
  const unsigned shown = 20;
  std::ostringstream os;
  if (a.json) {
    nlohmann::json j{{"coeffs", spec.name},
                     {"source", spec.source},
                     {"steps", spec.steps.size()},
                     {"lower", a.lower},
                     {"upper", a.upper},
                     {"digits", a.digits},
                     {"status", spectral::to_string(c.status)},
                     {"certified", c.status == spectral::CertStatus::certified},
                     {"image_outer", interval_json(c.outer, shown)},
                     {"image_inner", interval_json(c.inner, shown)},
                     {"min_value", interval_json(c.min_value, shown)},
                     {"max_value", interval_json(c.max_value, shown)},
                     {"max_error", interval_json(c.max_error, shown)},
                     {"derivative_at_zero", interval_json(c.derivative_at_zero, shown)}};
    j["stage_error"] = nlohmann::json::array();
    j["stage_image"] = nlohmann::json::array();
    for (std::size_t k = 0; k < c.stage_error.size(); ++k) {
      j["stage_error"].push_back(interval_json(c.stage_error[k], shown));
      j["stage_image"].push_back(interval_json(c.stage_outer[k], shown));
    }
    if (!c.message.empty()) j["message"] = c.message;
    os << j.dump(2) << '\n';
  } else {
    os << fmt::format("schedule {} ({} steps; {}), input interval [{}, {}], {} digits of ball arithmetic\n",
                      spec.name, spec.steps.size(), spec.source, a.lower, a.upper, a.digits);
    os << fmt::format("status               {}{}\n", spectral::to_string(c.status),
                      c.message.empty() ? "" : " (" + c.message + ")");
    os << fmt::format("image of [l, u]      within [{}, {}]\n", str(c.outer.lo, shown), str(c.outer.hi, shown));
    os << fmt::format("min phi              in [{}, {}]\n", str(c.min_value.lo, shown), str(c.min_value.hi, shown));
    os << fmt::format("max phi              in [{}, {}]\n", str(c.max_value.lo, shown), str(c.max_value.hi, shown));
    os << fmt::format("max |phi(x) - 1|     in [{}, {}]\n", str(c.max_error.lo, shown), str(c.max_error.hi, shown));
    os << fmt::format("phi'(0) = prod a_k   in [{}, {}]\n", str(c.derivative_at_zero.lo, shown),
                      str(c.derivative_at_zero.hi, shown));
    os << "per-step max |phi_k - 1| on [l, u] (upper bounds):";
    for (const auto& e : c.stage_error) os << ' ' << fmt::format("{:.3e}", to_double(e.hi));
    os << '\n';
  }
  write_file_atomic(a.out, os.str());
  return c.status == spectral::CertStatus::certified ? kOk : kInconclusive;
}

// ---- table -----------------------------------------------------------------------------------------------------

int run_table(const TableArgs& a) {
  PrecisionScope scope(a.digits);
  nlohmann::json j{{"digits", a.digits}, {"tables", nlohmann::json::array()}};
  std::ostringstream os;
  bool ok = true;
  for (const auto& t : spectral::pe_published_tables()) {
    fmt::print(stderr, "reproducing {} ...\n", t.name);
    const auto cands = spectral::pe_identify_settings(t);
    const auto rep = spectral::pe_reproduce_table(t);
    nlohmann::json jt{{"name", t.name},
                      {"source", t.source},
                      {"lower", t.lower},
                      {"iterations", t.iterations},
                      {"safety", t.safety},
                      {"cushion", t.cushion},
                      {"variant", spectral::to_string(t.variant)},
                      {"min_digits_well_conditioned", rep.min_digits_well_conditioned}};
    jt["candidates"] = nlohmann::json::array();
    for (const auto& c : cands)
      jt["candidates"].push_back({{"variant", spectral::to_string(c.variant)},
                                  {"cushion", c.cushion},
                                  {"safety_in_loop", c.safety_in_loop},
                                  {"min_digits", c.min_digits},
                                  {"median_digits", c.median_digits}});
    os << fmt::format("== {}: {}\n", t.name, t.source);
    os << fmt::format("   generated by: l = {}, {} iterations, cushion {}, {} composition, {}\n", t.lower, t.iterations,
                      t.cushion, spectral::to_string(t.variant),
                      t.variant == PeVariant::paper
                          ? fmt::format("rescaling always, no safety in the loop (raw; safety {} applied afterwards)", t.safety)
                          : fmt::format("safety {} inside the loop, rescaling only while the cushion is active", t.safety));
    os << "   candidate compositions (digits of agreement on the first 5 entries, min / median):\n";
    for (const auto& c : cands)
      os << fmt::format("     {:<9} cushion {:<20} safety {:<20} {:5.1f} / {:5.1f}\n", spectral::to_string(c.variant),
                        c.cushion, c.safety_in_loop ? "in the loop" : "not in the loop", c.min_digits, c.median_digits);
    os << fmt::format("   {:>2}  {:>5} {:>5} {:>5}  {:>5}  {:>9}  {:<5}  {}\n", "k", "a", "b", "c", "f64", "cond", "maps",
                      "notes (digits: published vs " + std::to_string(a.digits) + "-digit design; f64: our float64 run)");
    jt["entries"] = nlohmann::json::array();
    for (std::size_t k = 0; k < rep.entries.size(); ++k) {
      const auto& e = rep.entries[k];
      const double f64 = std::min({e.float64_digits[0], e.float64_digits[1], e.float64_digits[2]});
      os << fmt::format("   {:>2}  {:5.1f} {:5.1f} {:5.1f}  {:5.1f}  {:>9}  {:<5}  {}\n", k + 1, e.digits[0], e.digits[1],
                        e.digits[2], f64, e.closed_form ? "limit" : fmt::format("{:.2g}", e.node_condition),
                        e.maps_as_claimed ? "yes" : "NO", e.explanation);
      jt["entries"].push_back({{"k", k + 1},
                               {"published", e.published},
                               {"computed", e.computed},
                               {"digits", e.digits},
                               {"float64_digits", e.float64_digits},
                               {"node_condition", e.node_condition},
                               {"expected_float64_digits", e.expected_float64_digits},
                               {"closed_form", e.closed_form},
                               {"well_conditioned", e.well_conditioned},
                               {"image", {e.image_lo, e.image_hi}},
                               {"designed_interval", {e.designed_lo, e.designed_hi}},
                               {"maps_as_claimed", e.maps_as_claimed},
                               {"explanation", e.explanation}});
      if (!e.maps_as_claimed) ok = false;
    }
    if (rep.min_digits_well_conditioned < 14) ok = false;
    os << fmt::format("   well-conditioned entries agree to >= {:.1f} significant digits\n\n",
                      rep.min_digits_well_conditioned);
    j["tables"].push_back(jt);
  }
  j["reproduced"] = ok;
  write_file_atomic(a.out, a.json ? j.dump(2) + "\n" : os.str());
  return ok ? kOk : kCheckFailed;
}

}  // namespace

Command add_pe(CLI::App& app) {
  CLI::App* pe = app.add_subcommand(
      "pe",
      "Polar Express (Amsel et al. 2025) orthogonalization polynomials: design them (Remez + composition), certify "
      "them (Arb ball arithmetic), and reproduce the published tables.");
  pe->require_subcommand(1, 1);

  auto da = std::make_shared<DesignArgs>();
  CLI::App* design = pe->add_subcommand(
      "design",
      "Designs a schedule: each step is the minimax odd polynomial for 1 on [max(l_k, cushion*u_k), u_k], composed "
      "over iterations (REFERENCE §4). Defaults reproduce the modded-nanogpt/nanochat table; the paper's setting "
      "is --lower 1e-3 --iters 10 --safety 1e-2 --cushion 0.02.");
  design->add_option("--lower", da->lower, "l: smallest normalized singular value to handle, 0 < l < 1 (default 1e-3)");
  design->add_option("--iters", da->iters, "Number of iterations (steps), >= 1 (default 5)");
  design->add_option("--safety", da->safety, "Safety factor s >= 0: steps divided by (1+s, (1+s)^3, (1+s)^5) (default 2e-2)");
  design->add_option("--cushion", da->cushion,
                     "Cushion: the minimax is taken on [max(l, cushion*u), u] (default 0.02; 0.02407327424182761 "
                     "with --variant paper)");
  design->add_option("--variant", da->variant,
                     "reference: the current reference code (safety inside the loop); paper: the listing's "
                     "composition (rescale always, raw table, safety afterwards)");
  design->add_option("--degree", da->degree, "Odd degree of each step (default 5; 3 gives cubic steps)");
  design->add_option("--digits", da->digits, "Working precision in decimal digits (default 50)")
      ->check(digits_validator());
  design->add_option("--format", da->format, "table (default), cpp or python (paste-ready steps as applied), json");
  design->add_flag("--json", da->json, "Same as --format json");
  design->add_option("--out", da->out, "Write the result to this file (atomically; default stdout)");

  auto ca = std::make_shared<CertifyArgs>();
  CLI::App* certify = pe->add_subcommand(
      "certify",
      "Certifies, in ball arithmetic, the image of [l, u] under the composed polynomial of a schedule, max|phi-1| "
      "on it and phi'(0). Exit 0 when certified, 3 when undecided at this precision (raise --digits).");
  certify->add_option("--coeffs", ca->coeffs, "A schedule name (ns5, pe5, pe-paper, pe-paper-raw, cubic) or a coefficient file")
      ->required();
  certify->add_option("--lower", ca->lower, "Lower end l > 0 of the input interval (default 1e-3)");
  certify->add_option("--upper", ca->upper, "Upper end u > l (default 1)");
  certify->add_option("--digits", ca->digits, "Precision of the balls in decimal digits (default 50)")
      ->check(digits_validator());
  certify->add_option("--rel-tol", ca->rel_tol,
                       "Relative width to which the bounds must be decided (default 1e-6); at least 100 x the unit "
                       "roundoff of --digits (exit 2 otherwise)")
      ->check(CLI::Range(1e-300, 1.0));
  certify->add_flag("--json", ca->json, "Machine-readable output");
  certify->add_option("--out", ca->out, "Write the result to this file (atomically; default stdout)");

  auto ta = std::make_shared<TableArgs>();
  CLI::App* table = pe->add_subcommand(
      "table",
      "Reproduces the published tables (modded-nanogpt/nanochat; the paper's Algorithm 1 listing), names the "
      "settings that generate each, and prints per entry the significant digits of agreement, why agreement is "
      "limited where it is (float64 conditioning) and whether each step maps its interval as designed. Exit 1 if "
      "a well-conditioned entry agrees to < 14 digits or a step does not map its interval.");
  table->add_option("--digits", ta->digits, "Working precision of the reproduction (default 50)")
      ->check(digits_validator());
  table->add_flag("--json", ta->json, "Machine-readable output");
  table->add_option("--out", ta->out, "Write the result to this file (atomically; default stdout)");

  return {pe, [design, certify, table, da, ca, ta] {
            if (design->parsed()) return run_design(*da);
            if (certify->parsed()) return run_certify(*ca);
            if (table->parsed()) return run_table(*ta);
            return static_cast<int>(kBadInput);
          }};
}

}  // namespace muonlab::cli
