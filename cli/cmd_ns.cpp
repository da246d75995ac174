// muonlab ns: what a Newton–Schulz coefficient set does to singular values (fixed points, critical points, the
// invariant band, tiny and over-scaled singular values). The work lives in spectral/ns_analysis.
#include "cli/commands.hpp"
#include "spectral/ns_analysis.hpp"
#include "spectral/scalar.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <sstream>

namespace muonlab::cli {
namespace {

struct NsArgs {
  std::string coeffs, out = "-";
  unsigned digits = 40;
  bool json = false;
};

std::string s12(const Real& x) { return muonlab::to_string(x, 12); }

nlohmann::json list_json(const std::vector<Real>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const Real& x : v) a.push_back(s12(x));
  return a;
}

int run(const NsArgs& a) {
  const spectral::NsScheduleSpec spec = spectral::schedule_by_name_or_file(a.coeffs);
  PrecisionScope scope(a.digits);
  const auto sch = spectral::schedule_cast<Real>(spec);
  const spectral::NsAnalysis an = spectral::analyze_schedule(sch, a.digits);
  std::ostringstream os;
  if (a.json) {
    nlohmann::json j{{"coeffs", spec.name},
                     {"source", spec.source},
                     {"steps", an.steps},
                     {"digits", an.digits},
                     {"growth_at_zero", s12(an.growth_at_zero)},
                     {"smallest_to_unit", s12(an.smallest_to_unit)},
                     {"distinct_steps", nlohmann::json::array()}};
    for (const auto& s : an.distinct) {
      nlohmann::json d{{"a", to_double(s.step.a)},
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
    os << j.dump(2) << '\n';
  } else {
    os << fmt::format("schedule {} ({} steps, {} distinct; {}), analysis at {} digits\n", spec.name, an.steps,
                      an.distinct.size(), spec.source, an.digits);
    os << fmt::format("tiny singular values: sigma -> sigma * prod a_k = sigma * {} after all steps; sigma below {} "
                      "stays below 1\n", muonlab::to_string(an.growth_at_zero, 8), muonlab::to_string(an.smallest_to_unit, 6));
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
                          s.band_certified == 1 ? "p(band) within band: certified"
                          : s.band_certified == 0 ? "NOT invariant"
                                                  : "undecided");
      if (!s.band_note.empty()) os << "  note: " << s.band_note << '\n';
      os << fmt::format("  tiny singular values grow by p'(0) = a = {} per step\n", muonlab::to_string(s.growth_at_zero, 10));
      if (s.has_recapture)
        os << fmt::format("  over-scaled: sigma in (band, {}] is pulled back into the band in one step\n",
                          muonlab::to_string(s.recapture_limit, 10));
      if (s.has_divergence)
        os << fmt::format("  diverges: sigma > {} grows without bound under repeated steps (|p(x)| > x)\n",
                          muonlab::to_string(s.divergence_threshold, 10));
    }
  }
  write_file_atomic(a.out, os.str());
  return kOk;
}

}  // namespace

Command add_ns(CLI::App& app) {
  auto args = std::make_shared<NsArgs>();
  CLI::App* sub = app.add_subcommand(
      "ns",
      "Analyzes a Newton-Schulz coefficient schedule step by step: fixed points of p(x) = ax + bx^3 + cx^5 and their "
      "stability, critical points, the invariant band (certified with Arb), the growth p'(0) = a of tiny singular "
      "values, and where over-scaled ones are pulled back or diverge.");
  sub->add_option("--coeffs", args->coeffs, "A schedule name (ns5, pe5, pe-paper, pe-paper-raw, cubic) or a coefficient file")
      ->required();
  sub->add_option("--digits", args->digits, "Working precision (default 40, at least 20)")->check(CLI::Range(20u, 100000u));
  sub->add_flag("--json", args->json, "Machine-readable output");
  sub->add_option("--out", args->out, "Write the result to this file (atomically; default stdout)");
  return {sub, [args] { return run(*args); }};
}

}  // namespace muonlab::cli
