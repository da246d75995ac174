// Everything `muonlab spectrum` reports about one matrix, computed at double or at the working precision.
#pragma once  // Tested by tests/properties/test_spectrum_scaling_props.cpp ("stable rank and SVD entropy are invariant under scaling by 2^k")

#include "spectral/eigen_support.hpp"

#include <optional>
#include <string>
#include <vector>

namespace muonlab::spectral {

struct SpectrumOptions {
  bool polar = false;          // also form ortho(G) and measure its orthogonality
  double entropy_offset = 0;   // the paper's code uses 1e-12 inside stable rank and entropy; 0 is exact
};

/// Numbers are kept as decimal strings at the precision they were computed in (and as doubles for tables).
struct SpectrumReport {
  long rows = 0, cols = 0;
  std::string scalar;                     // "double" or "mpfr"
  unsigned digits = 0;
  std::vector<std::string> singular_values;
  long rank = 0;                          // numerical rank (spectral::numerical_rank)
  std::string norm_max, norm_spectral, norm_frobenius, norm_nuclear;
  std::string stable_rank, svd_entropy;   // empty for a zero matrix (undefined)
  std::string note;                       // e.g. why stable rank is missing
  bool has_polar = false;
  std::vector<std::vector<std::string>> polar;  // ortho(G), row-major
  std::string orthogonality_error;        // ‖QᵀQ − I‖max (tall/square) or ‖QQᵀ − I‖max (wide) when full rank;
                                          // ‖QQᵀQ − Q‖max (partial isometry defect) when rank deficient
  bool rank_one_path = false;
};

template <class S>
SpectrumReport spectrum_report(const Mat<S>& g, const SpectrumOptions& opt);

template <> SpectrumReport spectrum_report<double>(const Mat<double>&, const SpectrumOptions&);
template <> SpectrumReport spectrum_report<Real>(const Mat<Real>&, const SpectrumOptions&);

}  // namespace muonlab::spectral
