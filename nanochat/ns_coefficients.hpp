// Newton–Schulz coefficient tables for the torch optimizers (REFERENCE §3, §4).
//
// Header-only and std-only so the LibTorch build needs nothing compiled from spectral/: the numbers come from
// spectral/ns_tables.hpp, the same header spectral::named_schedule reads ("ns5", "pe5", "pe-paper");
// tests/nanochat/test_torch_vs_eigen.cpp (full build) also checks the two schedules agree entry by entry.
#pragma once  // Tested by tests/nanochat/test_optim.cpp ("Newton-Schulz acts on singular values by the schedule's scalar map")

#include "spectral/ns_tables.hpp"

#include <array>
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
  namespace t = spectral::ns_tables;
  if (name == "ns5") {
    s.steps.assign(t::keller_ns5_steps, t::keller_ns5);
  } else if (name == "pe5") {
    s.steps.assign(t::pe5.begin(), t::pe5.end());
    s.safety = t::pe5_safety;
  } else if (name == "pe-paper") {
    s.steps = t::pe_paper_scaled();
    s.safety = t::pe_paper_safety;
  } else {
    throw std::invalid_argument("unknown Newton-Schulz schedule '" + name + "' (known: ns5, pe5, pe-paper)");
  }
  return s;
}

}  // namespace muonlab::nanochat
