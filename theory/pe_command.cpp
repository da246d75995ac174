#include "theory/pe_command.hpp"

#include "spectral/errors.hpp"
#include "spectral/resolvable_tolerance.hpp"
#include "spectral/scalar.hpp"
#include "theory/pe_reproduced.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <sstream>

namespace muonlab::theory {
namespace {

using spectral::PeVariant;

Real parse_real(const std::string& text, const std::string& what) {
  try {
    return parse_scalar<Real>(text);
  } catch (const InputError& e) {
    throw InputError(what + ": " + e.what());
  }
}

std::string str(const Real& x, unsigned digits) { return muonlab::to_string(x, digits); }
std::string d17(const Real& x) { return fmt::format("{:.17g}", to_double(x)); }

/// The certify balls run 5 digits above --digits (headroom for the enclosures' own rounding).
spectral::Precision certify_precision(const PeOptions& o) { return o.precision.plus(5); }

// ---- design ----------------------------------------------------------------------------------------------------

std::string design_command_line(const PeOptions& a, const std::string& cushion) {
  return fmt::format("muonlab pe design --lower {} --iters {} --safety {} --cushion {} --variant {} --degree {} "
                     "--digits {}",
                     a.lower, a.iters, a.safety, cushion, a.variant, a.degree, a.precision.digits());
}

/// The steps as applied, as code: `open`/`close` around the list, each step `(a, b, c)` or `{a, b, c}`.
std::string design_code(const PeOptions& a, const spectral::PeDesign<Real>& d, const std::string& cushion,
                        bool python) {
  const char* comment = python ? "# " : "// ";
  std::ostringstream os;
  os << comment << design_command_line(a, cushion) << "\n";
  os << comment << "Polar Express (" << a.variant << " composition), steps as applied; normalize X first by\n";
  os << comment << (python ? "X.norm()" : "||X||_F") << " * (1 + " << a.safety << ") + 1e-7.\n";
  if (python)
    os << "coeffs_list = [\n";
  else
    os << "constexpr std::array<std::array<double, 3>, " << d.iterations.size() << "> kPolarExpressCoeffs = {{\n";
  for (const auto& it : d.iterations) {
    os << (python ? "    (" : "    {");
    for (std::size_t j = 0; j < 3; ++j) os << (j ? ", " : "") << (j < it.used.size() ? d17(it.used[j]) : "0.0");
    os << (python ? "),\n" : "},\n");
  }
  os << (python ? "]\n" : "}};\n");
  return os.str();
}

std::string design_table(const PeOptions& a, const spectral::PeDesign<Real>& d, const std::string& cushion) {
  const auto& o = d.options;
  const unsigned digits = a.precision.digits();
  const unsigned shown = std::min(digits, 25u);
  std::ostringstream os;
  os << fmt::format("Polar Express design: l = {}, {} iterations, safety {}, cushion {}, {} composition, degree {}, "
                    "{} digits\n",
                    a.lower, a.iters, a.safety, cushion, a.variant, o.degree, digits);
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
                      "--format cpp|python prints the steps as applied)\n",
                      a.safety);
  return os.str();
}

nlohmann::json design_json(const PeOptions& a, const spectral::PeDesign<Real>& d, const std::string& cushion) {
  const unsigned digits = a.precision.digits();
  nlohmann::json j;
  j["settings"] = {{"lower", a.lower},     {"iterations", a.iters}, {"safety", a.safety},
                   {"cushion", cushion},   {"variant", a.variant},  {"degree", a.degree},
                   {"digits", digits},     {"normalizer", fmt::format("||X||_F * (1 + {}) + 1e-7", a.safety)}};
  j["iterations"] = nlohmann::json::array();
  for (std::size_t k = 0; k < d.iterations.size(); ++k) {
    const auto& it = d.iterations[k];
    nlohmann::json e{{"k", k + 1},
                     {"lower", str(it.lower, digits)},
                     {"upper", str(it.upper, digits)},
                     {"design_lower", str(it.design_lower, digits)},
                     {"minimax_error", str(it.minimax_error, digits)},
                     {"closed_form", it.closed_form},
                     {"rescaled", it.rescaled},
                     {"remez_iterations", it.remez_iterations}};
    for (const char* key : {"raw", "used"}) {
      const auto& c = std::string(key) == "raw" ? it.raw : it.used;
      nlohmann::json arr = nlohmann::json::array(), dbl = nlohmann::json::array();
      for (const Real& x : c) {
        arr.push_back(str(x, digits));
        dbl.push_back(to_double(x));
      }
      e[key] = arr;
      e[std::string(key) + "_double"] = dbl;
    }
    j["iterations"].push_back(e);
  }
  j["final_interval"] = {str(d.final_lower, digits), str(d.final_upper, digits)};
  return j;
}

// ---- certify ---------------------------------------------------------------------------------------------------

nlohmann::json interval_json(const spectral::CertInterval& c, unsigned digits) {
  return {{"lo", str(c.lo, digits)}, {"hi", str(c.hi, digits)}};
}

constexpr unsigned kCertifyShown = 20;

std::string certify_table(const PeOptions& a, const spectral::NsScheduleSpec& spec,
                          const spectral::ImageCertificate& c) {
  const unsigned shown = kCertifyShown;
  std::ostringstream os;
  os << fmt::format("schedule {} ({} steps; {}), input interval [{}, {}], {} digits of ball arithmetic\n", spec.name,
                    spec.steps.size(), spec.source, a.lower, a.upper, a.precision.digits());
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
  return os.str();
}

nlohmann::json certify_json(const PeOptions& a, const spectral::NsScheduleSpec& spec,
                            const spectral::ImageCertificate& c) {
  const unsigned shown = kCertifyShown;
  nlohmann::json j{{"coeffs", spec.name},
                   {"source", spec.source},
                   {"steps", spec.steps.size()},
                   {"lower", a.lower},
                   {"upper", a.upper},
                   {"digits", a.precision.digits()},
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
  return j;
}

// ---- table -----------------------------------------------------------------------------------------------------

std::string tables_text(const std::vector<PeTableResult>& tables, unsigned digits) {
  std::ostringstream os;
  for (const PeTableResult& r : tables) {
    const auto& t = r.table;
    os << fmt::format("== {}: {}\n", t.name, t.source);
    os << fmt::format("   generated by: l = {}, {} iterations, cushion {}, {} composition, {}\n", t.lower,
                      t.iterations, t.cushion, spectral::to_string(t.variant),
                      t.variant == PeVariant::paper
                          ? fmt::format("rescaling always, no safety in the loop (raw; safety {} applied afterwards)",
                                        t.safety)
                          : fmt::format("safety {} inside the loop, rescaling only while the cushion is active",
                                        t.safety));
    os << "   candidate compositions (digits of agreement on the first 5 entries, min / median):\n";
    for (const auto& c : r.candidates)
      os << fmt::format("     {:<9} cushion {:<20} safety {:<20} {:5.1f} / {:5.1f}\n", spectral::to_string(c.variant),
                        c.cushion, c.safety_in_loop ? "in the loop" : "not in the loop", c.min_digits,
                        c.median_digits);
    os << fmt::format("   {:>2}  {:>5} {:>5} {:>5}  {:>5}  {:>9}  {:<5}  {}\n", "k", "a", "b", "c", "f64", "cond",
                      "maps",
                      "notes (digits: published vs " + std::to_string(digits) +
                          "-digit design; f64: our float64 run)");
    const auto& entries = r.reproduction.entries;
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const auto& e = entries[k];
      const double f64 = std::min({e.float64_digits[0], e.float64_digits[1], e.float64_digits[2]});
      os << fmt::format("   {:>2}  {:5.1f} {:5.1f} {:5.1f}  {:5.1f}  {:>9}  {:<5}  {}\n", k + 1, e.digits[0],
                        e.digits[1], e.digits[2], f64,
                        e.closed_form ? "limit" : fmt::format("{:.2g}", e.node_condition),
                        e.maps_as_claimed ? "yes" : "NO", e.explanation);
    }
    os << fmt::format("   well-conditioned entries agree to >= {:.1f} significant digits\n\n",
                      r.reproduction.min_digits_well_conditioned);
  }
  return os.str();
}

nlohmann::json tables_json(const std::vector<PeTableResult>& tables, unsigned digits, bool reproduced) {
  nlohmann::json j{{"digits", digits}, {"tables", nlohmann::json::array()}};
  for (const PeTableResult& r : tables) {
    const auto& t = r.table;
    nlohmann::json jt{{"name", t.name},
                      {"source", t.source},
                      {"lower", t.lower},
                      {"iterations", t.iterations},
                      {"safety", t.safety},
                      {"cushion", t.cushion},
                      {"variant", spectral::to_string(t.variant)},
                      {"min_digits_well_conditioned", r.reproduction.min_digits_well_conditioned}};
    jt["candidates"] = nlohmann::json::array();
    for (const auto& c : r.candidates)
      jt["candidates"].push_back({{"variant", spectral::to_string(c.variant)},
                                  {"cushion", c.cushion},
                                  {"safety_in_loop", c.safety_in_loop},
                                  {"min_digits", c.min_digits},
                                  {"median_digits", c.median_digits}});
    jt["entries"] = nlohmann::json::array();
    const auto& entries = r.reproduction.entries;
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const auto& e = entries[k];
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
    }
    j["tables"].push_back(jt);
  }
  j["reproduced"] = reproduced;
  return j;
}

}  // namespace

std::string PeOptions::validate() const {
  if (mode == Mode::design && format != "table" && format != "cpp" && format != "python" && format != "json")
    return "--format must be table, cpp, python or json (got '" + format + "')";
  try {
    if (mode == Mode::design) spectral::parse_pe_variant(variant);
    if (mode == Mode::certify) {
      if (coeffs.empty()) return "--coeffs is required (a schedule name or a coefficient file)";
      // Issue 6: a relative width below what the balls' precision resolves can never be certified.
      auto scope = precision.scope();
      spectral::require_resolvable_tolerance("--rel-tol", rel_tol, to_double(precision.unit_roundoff()),
                                             precision.digits());
    }
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

int PeSummary::exit_code() const {
  switch (options.mode) {
    case PeOptions::Mode::certify: return certificate.status == spectral::CertStatus::certified ? 0 : 3;
    case PeOptions::Mode::table: return reproduced ? 0 : 1;
    default: return 0;
  }
}

PeSummary run_pe(const PeOptions& a) {
  if (const std::string e = a.validate(); !e.empty()) throw InputError(e);
  PeSummary s;
  s.options = a;
  if (a.mode == PeOptions::Mode::design) {
    const PeVariant variant = spectral::parse_pe_variant(a.variant);
    s.cushion = !a.cushion.empty()            ? a.cushion
                : variant == PeVariant::paper ? std::string(spectral::kPaperCushion)
                                              : std::string("0.02");
    auto scope = a.precision.scope();
    spectral::PeDesignOptions<Real> o;
    o.lower = parse_real(a.lower, "--lower");
    o.iterations = a.iters;
    o.safety = parse_real(a.safety, "--safety");
    o.cushion = parse_real(s.cushion, "--cushion");
    o.variant = variant;
    o.degree = a.degree;
    if (a.iters > 50) fmt::print(stderr, "designing {} iterations at {} digits ...\n", a.iters, a.precision.digits());
    s.design = spectral::pe_design(o);
  } else if (a.mode == PeOptions::Mode::certify) {
    s.schedule = spectral::schedule_by_name_or_file(a.coeffs);
    auto scope = certify_precision(a).scope();
    const Real lower = parse_real(a.lower, "--lower"), upper = parse_real(a.upper, "--upper");
    if (!(lower > 0)) throw InputError("--lower must be > 0 (got " + a.lower + ")");
    if (!(upper > lower)) throw InputError("--upper must be > --lower (got " + a.upper + " <= " + a.lower + ")");
    const auto sch = spectral::schedule_cast<Real>(s.schedule);  // binary64 coefficients, exactly
    spectral::CertifyOptions co;
    co.digits = a.precision.digits();
    co.rel_tol = a.rel_tol;
    s.certificate = spectral::certify_image(sch.steps, lower, upper, co);
  } else {
    auto scope = a.precision.scope();
    s.reproduced = true;
    for (const auto& t : spectral::pe_published_tables()) {
      fmt::print(stderr, "reproducing {} ...\n", t.name);
      PeTableResult r{t, spectral::pe_identify_settings(t), spectral::pe_reproduce_table(t)};
      if (!pe_table_reproduced(r.reproduction)) s.reproduced = false;
      s.tables.push_back(std::move(r));
    }
  }
  return s;
}

std::string PeSummary::brief() const {
  const PeOptions& a = options;
  switch (a.mode) {
    case PeOptions::Mode::design: {
      auto scope = a.precision.scope();
      if (a.format == "json") return design_json(a, design, cushion).dump(2) + "\n";
      if (a.format == "python" || a.format == "cpp") return design_code(a, design, cushion, a.format == "python");
      return design_table(a, design, cushion);
    }
    case PeOptions::Mode::certify: {
      auto scope = certify_precision(a).scope();
      return certify_table(a, schedule, certificate);
    }
    default: {
      auto scope = a.precision.scope();
      return tables_text(tables, a.precision.digits());
    }
  }
}

nlohmann::json PeSummary::to_json() const {
  const PeOptions& a = options;
  switch (a.mode) {
    case PeOptions::Mode::design: {
      auto scope = a.precision.scope();
      return design_json(a, design, cushion);
    }
    case PeOptions::Mode::certify: {
      auto scope = certify_precision(a).scope();
      return certify_json(a, schedule, certificate);
    }
    default: return tables_json(tables, a.precision.digits(), reproduced);
  }
}

}  // namespace muonlab::theory
