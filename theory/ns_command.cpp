#include "theory/ns_command.hpp"

#include "spectral/errors.hpp"

#include <fmt/core.h>

#include <sstream>

namespace muonlab::theory {
namespace {

std::string s12(const Real& x) { return muonlab::to_string(x, 12); }

nlohmann::json list_json(const std::vector<Real>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const Real& x : v) a.push_back(s12(x));
  return a;
}

}  // namespace

std::string NsOptions::validate() const {
  if (coeffs.empty()) return "--coeffs is required (a schedule name or a coefficient file)";
  if (precision.digits() < kNsMinDigits)
    return "--digits " + std::to_string(precision.digits()) + " is too low for the analysis: at least " +
           std::to_string(kNsMinDigits);
  return {};
}

NsSummary run_ns(const NsOptions& o) {
  if (const std::string e = o.validate(); !e.empty()) throw InputError(e);
  NsSummary s;
  s.spec = spectral::schedule_by_name_or_file(o.coeffs);
  s.precision = o.precision;
  auto scope = o.precision.scope();
  s.analysis = spectral::analyze_schedule(spectral::schedule_cast<Real>(s.spec), o.precision.digits());
  return s;
}

std::string NsSummary::brief() const {
  auto scope = precision.scope();  // the analysis' numbers are printed at its precision
  const spectral::NsAnalysis& an = analysis;
  std::ostringstream os;
  os << fmt::format("schedule {} ({} steps, {} distinct; {}), analysis at {} digits\n", spec.name, an.steps,
                    an.distinct.size(), spec.source, an.digits);
  os << fmt::format("tiny singular values: sigma -> sigma * prod a_k = sigma * {} after all steps; sigma below {} "
                    "stays below 1\n",
                    muonlab::to_string(an.growth_at_zero, 8), muonlab::to_string(an.smallest_to_unit, 6));
  for (const auto& s : an.distinct) {
    std::string uses;
    for (int u : s.uses) uses += (uses.empty() ? "" : ",") + std::to_string(u);
    auto term = [](const Real& c, const char* pw) {
      return fmt::format(" {} {} {}", c < 0 ? '-' : '+', s12(Real(abs(c))), pw);
    };
    os << fmt::format("\nstep p(x) = {} x{}{}   (steps {})\n", s12(s.step.a), term(s.step.b, "x^3"),
                      term(s.step.c, "x^5"), uses);
    os << "  fixed points (slope p'):";
    for (std::size_t i = 0; i < s.fixed_points.size(); ++i)
      os << fmt::format(" {} ({}{})", muonlab::to_string(s.fixed_points[i], 10),
                        muonlab::to_string(s.fixed_point_slopes[i], 5),
                        abs(s.fixed_point_slopes[i]) < 1 ? ", attracting" : ", repelling");
    if (s.fixed_points.empty()) os << " none";
    os << "\n  critical points -> values:";
    for (std::size_t i = 0; i < s.critical_points.size(); ++i)
      os << fmt::format(" {} -> {}", muonlab::to_string(s.critical_points[i], 10),
                        muonlab::to_string(s.critical_values[i], 10));
    if (s.critical_points.empty()) os << " none (monotone)";
    os << '\n';
    if (s.has_band)
      os << fmt::format("  invariant band [{}, {}]  ({})\n", muonlab::to_string(s.band_lo, 10),
                        muonlab::to_string(s.band_hi, 10),
                        s.band_certified == 1   ? "p(band) within band: certified"
                        : s.band_certified == 0 ? "NOT invariant"
                                                : "undecided");
    if (!s.band_note.empty()) os << "  note: " << s.band_note << '\n';
    os << fmt::format("  tiny singular values grow by p'(0) = a = {} per step\n",
                      muonlab::to_string(s.growth_at_zero, 10));
    if (s.has_recapture)
      os << fmt::format("  over-scaled: sigma in (band, {}] is pulled back into the band in one step\n",
                        muonlab::to_string(s.recapture_limit, 10));
    if (s.has_divergence)
      os << fmt::format("  diverges: sigma > {} grows without bound under repeated steps (|p(x)| > x)\n",
                        muonlab::to_string(s.divergence_threshold, 10));
  }
  return os.str();
}

nlohmann::json NsSummary::to_json() const {
  auto scope = precision.scope();
  const spectral::NsAnalysis& an = analysis;
  nlohmann::json j{{"coeffs", spec.name},
                   {"source", spec.source},
                   {"steps", an.steps},
                   {"digits", an.digits},
                   {"growth_at_zero", s12(an.growth_at_zero)},
                   {"smallest_to_unit", s12(an.smallest_to_unit)},
                   {"distinct_steps", nlohmann::json::array()}};
  for (const auto& s : an.distinct) {
    nlohmann::json d{
        {"a", to_double(s.step.a)},
        {"b", to_double(s.step.b)},
        {"c", to_double(s.step.c)},
        {"uses", s.uses},
        {"fixed_points", list_json(s.fixed_points)},
        {"fixed_point_slopes", list_json(s.fixed_point_slopes)},
        {"critical_points", list_json(s.critical_points)},
        {"critical_values", list_json(s.critical_values)},
        {"growth_at_zero", s12(s.growth_at_zero)},
        {"band", s.has_band ? nlohmann::json{s12(s.band_lo), s12(s.band_hi)} : nlohmann::json(nullptr)},
        {"band_certified", s.band_certified == 1},
        {"recapture_limit", s.has_recapture ? nlohmann::json(s12(s.recapture_limit)) : nlohmann::json(nullptr)},
        {"divergence_threshold",
         s.has_divergence ? nlohmann::json(s12(s.divergence_threshold)) : nlohmann::json(nullptr)}};
    if (!s.band_note.empty()) d["note"] = s.band_note;
    j["distinct_steps"].push_back(d);
  }
  return j;
}

}  // namespace muonlab::theory
