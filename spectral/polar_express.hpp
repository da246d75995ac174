// Polar Express (Amsel et al. 2025): a schedule of optimal odd polynomials composed over iterations so that the
// singular values of the normalized input, anywhere in [l, 1], are driven to 1 as fast as possible (REFERENCE §4).
//
// Each iteration takes the minimax odd polynomial for the current interval [l_k, u_k] (remez.hpp), with the lower
// end "cushioned" to max(l_k, cushion·u_k) so that early polynomials are not too steep, and then tracks the
// interval the polynomial maps [l_k, u_k] into: l_{k+1} = p(l_k), u_{k+1} = 2 − l_{k+1}.
//
// Two compositions are in circulation:
//   reference  the current reference code: rescale by 2/(p(l)+p(u)) only when the cushion was active, and divide
//              every step but the last by (s, s³, s⁵), s = 1 + safety, *inside* the loop (so the tracked interval
//              sees the safety factor). Generates the modded-nanogpt / nanochat table.
//   paper      the variant behind the paper's Algorithm 1 listing: rescale always, no safety inside the loop (the
//              printed table is "raw"), the safety division applied afterwards to every step but the last, cushion
//              0.02407327424182761. Generates the listing (established by `muonlab pe table`).
#pragma once

#include "spectral/newton_schulz.hpp"
#include "spectral/remez.hpp"

#include <string>
#include <vector>

namespace muonlab::spectral {

enum class PeVariant { reference, paper };
PeVariant parse_pe_variant(const std::string& name);  // throws InputError
const char* to_string(PeVariant v);

/// The cushion of the paper's listing (REFERENCE §4).
inline constexpr const char* kPaperCushion = "0.02407327424182761";

/// Design settings, in the scalar type of the design.
template <class S>
struct PeDesignOptions {
  S lower = S(1) / S(1000);  // l: the smallest normalized singular value to be handled
  int iterations = 5;
  S safety = S(0);           // s = 1 + safety divides the steps (see the variants)
  S cushion = S(2) / S(100);
  PeVariant variant = PeVariant::reference;
  int degree = 5;            // odd degree of each step (5: the published tables; 3: cubic steps)
  /// The reference code replaces the Remez by the limit polynomial ((15/8)/u, (−10/8)/u³, (3/8)/u⁵) once
  /// l/u ≥ 1 − closed_form_gap (5e-6 there); 0 disables the shortcut. Only used for degrees 3 and 5.
  S closed_form_gap = S(5) / S(1000000);
  /// Throws InputError naming the first bad setting.
  void validate() const;
};

/// One iteration of the design.
template <class S>
struct PeIteration {
  S lower, upper;       // [l_k, u_k]: the interval the step is designed for
  S design_lower;       // max(l_k, cushion·u_k): where the minimax is taken
  S minimax_error;      // E of the minimax on [design_lower, u_k]
  bool closed_form = false;
  bool rescaled = false;
  S rescale = S(1);     // 2/(p(l)+p(u)) when rescaled
  std::vector<S> raw;   // coefficients before any safety division
  std::vector<S> used;  // coefficients as applied (safety division included where the variant puts it)
  int remez_iterations = 0;
  S node_condition = S(0);  // of the Remez node system (0 for the closed form); see OddMinimax
};

template <class S>
struct PeDesign {
  PeDesignOptions<S> options;
  std::vector<PeIteration<S>> iterations;
  S final_lower, final_upper;  // the tracked interval after the last step
  /// The schedule to run (the `used` coefficients; quintic steps only, cubic steps have c = 0).
  NsSchedule<S> schedule(const std::string& name = "pe-design") const;
  /// The printed table of the variant: `raw` for the paper variant, `used` for the reference variant.
  std::vector<std::vector<S>> table() const;
};

/// Composes the design (see the variants above). Throws InputError for bad settings, NumericalError when a
/// Remez step cannot converge at the working precision.
template <class S>
PeDesign<S> pe_design(const PeDesignOptions<S>& options);

extern template PeDesign<double> pe_design(const PeDesignOptions<double>&);
extern template PeDesign<Real> pe_design(const PeDesignOptions<Real>&);
extern template void PeDesignOptions<double>::validate() const;
extern template void PeDesignOptions<Real>::validate() const;

// ---- the published tables and how well they are reproduced --------------------------------------------------

/// A published table and the settings that (by computation) generate it.
struct PePublishedTable {
  std::string name;     // "pe5" | "pe-paper"
  std::string source;
  std::vector<std::array<double, 3>> entries;  // as printed (the paper listing raw, without the 1.01 division)
  double lower;
  int iterations;
  double safety;
  std::string cushion;  // decimal text, exact as printed
  PeVariant variant;
};
std::vector<PePublishedTable> pe_published_tables();

/// One entry of a reproduction.
struct PeEntryAgreement {
  std::array<double, 3> published{};
  std::array<std::string, 3> computed;        // at the working precision
  std::array<double, 3> digits{};             // significant digits published vs. high precision (capped at 17)
  std::array<double, 3> float64_digits{};     // our own float64 run of the same design vs. high precision
  double interval_width = 0;                  // u_k − max(l_k, cushion·u_k): where the Remez ran
  double node_condition = 0;                  // of the Remez node system at the optimum
  double expected_float64_digits = 0;         // 16 − log10(node_condition) (17 for the closed form)
  bool closed_form = false;
  /// The published step applied to [l_k, u_k] (high-precision interval): certified image and the designed one.
  std::string image_lo, image_hi, designed_lo, designed_hi;
  bool maps_as_claimed = false;               // image within the designed interval widened by the float64 slack
  bool certified = false;                     // the image enclosure was decided
  bool well_conditioned = false;              // Remez step with node condition ≤ 1e3 (float64 keeps ≥ 13 digits)
  std::string explanation;
};

struct PeTableReproduction {
  PePublishedTable table;
  unsigned digits = 0;
  std::vector<PeEntryAgreement> entries;
  double min_digits_well_conditioned = 0;  // min over the well-conditioned entries of the digits of agreement
};

/// Recomputes a published table at the current working precision (and in float64), compares per entry, and
/// certifies that each published step maps its interval [l_k, u_k] into the designed [l_{k+1}, u_{k+1}] (up to
/// 64 binary64 ulps of 1).
PeTableReproduction pe_reproduce_table(const PePublishedTable& table);

/// One candidate composition tried against a published table (the riddle of REFERENCE §4).
struct PeSettingsCandidate {
  PeVariant variant;
  std::string cushion;    // decimal text
  bool safety_in_loop;    // the reference code's placement (false: the table is raw, safety applied afterwards)
  double min_digits = 0;  // over the first `entries` entries and their three coefficients
  double median_digits = 0;
};

/// Tries the compositions {reference with safety in the loop, reference raw, paper} × cushion {0.02,
/// 0.02407327424182761} on the table's first `entries` entries (the well-conditioned ones) at the working
/// precision; the best candidate is the one whose digits of agreement reach float64 accuracy.
std::vector<PeSettingsCandidate> pe_identify_settings(const PePublishedTable& table, int entries = 5);

/// Significant digits to which x agrees with the reference r: −log10(|x − r|/|r|), capped at 17 (equal values).
double agreement_digits(const Real& x, const Real& r);

}  // namespace muonlab::spectral
