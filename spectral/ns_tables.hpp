// The published Newton–Schulz coefficient tables, written once (REFERENCE §3, §4).
// Header-only and std-only: spectral::named_schedule (multiprecision) and nanochat::ns_coefficients (LibTorch, which
// builds without Boost/MPFR) both read these, so the two layers cannot drift apart.
#pragma once  // Tested by tests/spectral/test_schedules.cpp ("named schedules: each name's steps, safety and source")

#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace muonlab::spectral::ns_tables {

using Step = std::array<double, 3>;  // p(x) = a x + b x³ + c x⁵

/// Keller Jordan's Muon: this quintic, five times.
inline constexpr Step keller_ns5 = {3.4445, -4.7750, 2.0315};
inline constexpr int keller_ns5_steps = 5;

/// Polar Express as used by modded-nanogpt / nanochat / dion: 5 iterations, l = 1e-3, safety 2e-2, cushion 0.02
/// (float64 outputs of the reference design code).
inline constexpr std::array<Step, 5> pe5 = {{{8.156554524902461, -22.48329292557795, 15.878769915207462},
                                             {4.042929935166739, -2.808917465908714, 0.5000178451051316},
                                             {3.8916678022926607, -2.772484153217685, 0.5060648178503393},
                                             {3.285753657755655, -2.3681294933425376, 0.46449024233003106},
                                             {2.3465413258596377, -1.7097828382687081, 0.42323551169305323}}};
inline constexpr double pe5_safety = 2e-2;

/// The paper's Algorithm 1 listing, as printed.
inline constexpr std::array<Step, 8> pe_paper_raw = {{{8.28721201814563, -23.595886519098837, 17.300387312530933},
                                                      {4.107059111542203, -2.9478499167379106, 0.5448431082926601},
                                                      {3.948690853482295, -2.908902115962949, 0.5518191394370137},
                                                      {3.318419657370602, -2.488488024314874, 0.51004894012372},
                                                      {2.300652019954817, -1.6689039845747493, 0.4188073119525673},
                                                      {1.891301407787398, -1.2679958271945868, 0.37680408948524835},
                                                      {1.8750014808534479, -1.2500016453999487, 0.3750001645474248},
                                                      {1.875, -1.25, 0.375}}};
inline constexpr double pe_paper_safety = 1e-2;

/// The listing as used: every entry but the last divided by (1.01, 1.01³, 1.01⁵), i.e. p(x/1.01)·… (REFERENCE §4).
inline std::vector<Step> pe_paper_scaled() {
  std::vector<Step> s(pe_paper_raw.begin(), pe_paper_raw.end());
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    s[i][0] /= 1.01;
    s[i][1] /= std::pow(1.01, 3);
    s[i][2] /= std::pow(1.01, 5);
  }
  return s;
}

}  // namespace muonlab::spectral::ns_tables
