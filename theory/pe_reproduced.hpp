// When is a published Polar Express table "reproduced"? One rule for `muonlab pe table` and the claim pe-tables
// (REFERENCE §4; claims_polar_express.cpp).
#pragma once  // Tested by tests/theory/test_pe_command.cpp ("pe_table_reproduced: 14 digits on the well-conditioned entries and every step mapping")

#include "spectral/polar_express.hpp"

namespace muonlab::theory {

/// float64 carries 15.9 significant digits; a well-conditioned Remez solve (node condition <= 1e3) and the chain of
/// earlier steps cost at most ~1.5 of them, so a well-conditioned published entry must agree with the
/// high-precision design to >= 14 digits, i.e. to a relative difference of 1e-14.
inline constexpr double kPeReproducedDigits = 14;
inline constexpr double kPeReproducedRelative = 1e-14;  // 10^-kPeReproducedDigits

/// A table is reproduced when its well-conditioned entries agree to kPeReproducedDigits digits and every published
/// step, the ill-conditioned late ones included, maps its interval as designed (certified).
inline bool pe_table_reproduced(const spectral::PeTableReproduction& rep) {
  for (const auto& e : rep.entries)
    if (!e.maps_as_claimed) return false;
  return rep.min_digits_well_conditioned >= kPeReproducedDigits;
}

}  // namespace muonlab::theory
