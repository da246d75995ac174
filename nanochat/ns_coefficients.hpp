// Newton–Schulz coefficient tables for the torch optimizers (REFERENCE §3, §4).
//
// Header-only and std-only so the LibTorch build needs nothing from spectral/. The tables mirror
// spectral::named_schedule ("ns5", "pe5", "pe-paper"); tests/nanochat/test_ns_coefficients.cpp (full build) checks
// that they are equal, entry by entry.
#pragma once

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace muonlab::nanochat {

/// One schedule: steps p(x) = a x + b x³ + c x⁵, applied after X ← X / (‖X‖F·(1 + safety) + eps).
struct NsCoefficients {
  std::string name;
  std::vector<std::array<double, 3>> steps;
  double safety = 0;
  double eps = 1e-7;  // the reference codes' ε
};

inline NsCoefficients ns_coefficients(const std::string& name) {
  NsCoefficients s;
  s.name = name;
  if (name == "ns5") {
    // Keller Jordan's Muon: (3.4445, −4.7750, 2.0315) five times (REFERENCE §3).
    s.steps.assign(5, {3.4445, -4.7750, 2.0315});
  } else if (name == "pe5") {
    // Polar Express as in modded-nanogpt / nanochat / dion: 5 iterations, l = 1e-3, safety 2e-2 (REFERENCE §4).
    s.steps = {{8.156554524902461, -22.48329292557795, 15.878769915207462},
               {4.042929935166739, -2.808917465908714, 0.5000178451051316},
               {3.8916678022926607, -2.772484153217685, 0.5060648178503393},
               {3.285753657755655, -2.3681294933425376, 0.46449024233003106},
               {2.3465413258596377, -1.7097828382687081, 0.42323551169305323}};
    s.safety = 2e-2;
  } else if (name == "pe-paper") {
    // The paper's Algorithm 1 listing; at use every entry but the last is divided by 1.01^(1, 3, 5) (REFERENCE §4).
    s.steps = {{8.28721201814563, -23.595886519098837, 17.300387312530933},
               {4.107059111542203, -2.9478499167379106, 0.5448431082926601},
               {3.948690853482295, -2.908902115962949, 0.5518191394370137},
               {3.318419657370602, -2.488488024314874, 0.51004894012372},
               {2.300652019954817, -1.6689039845747493, 0.4188073119525673},
               {1.891301407787398, -1.2679958271945868, 0.37680408948524835},
               {1.8750014808534479, -1.2500016453999487, 0.3750001645474248},
               {1.875, -1.25, 0.375}};
    for (std::size_t i = 0; i + 1 < s.steps.size(); ++i) {
      s.steps[i][0] /= 1.01;
      s.steps[i][1] /= std::pow(1.01, 3);
      s.steps[i][2] /= std::pow(1.01, 5);
    }
    s.safety = 1e-2;
  } else {
    throw std::invalid_argument("unknown Newton-Schulz schedule '" + name + "' (known: ns5, pe5, pe-paper)");
  }
  return s;
}

}  // namespace muonlab::nanochat
