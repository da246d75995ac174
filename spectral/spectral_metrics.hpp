// Stable rank and SVD entropy from singular values (REFERENCE §1).
// Header-only with no dependency beyond the standard library, so the LibTorch layer can reuse it on its own.
#pragma once

#include <cmath>
#include <stdexcept>
#include <vector>

namespace muonlab::spectral {

/// srank = Σσ_i² / (σ_1² + offset). `offset` = 0 is the exact definition; the paper's code uses 1e-12.
/// A zero matrix has no stable rank: throws std::domain_error unless offset > 0 (then 0).
template <class S>
S stable_rank(const std::vector<S>& sigma, const S& offset = S(0)) {
  S total(0), top(0);
  for (const S& s : sigma) {
    total += s * s;
    if (s * s > top) top = s * s;
  }
  if (top + offset == S(0)) throw std::domain_error("stable rank of a zero matrix is undefined");
  return total / (top + offset);
}

/// H = −Σ p_i log(p_i + offset) / log r with p_i = σ_i² / (Σσ_j² + offset), r = number of singular values.
/// In [0, 1]: 0 for rank one, 1 for all σ equal. r = 1 gives 0 by convention; a zero matrix throws unless
/// offset > 0 (then 0).
template <class S>
S svd_entropy(const std::vector<S>& sigma, const S& offset = S(0)) {
  using std::log;
  S total(0);
  for (const S& s : sigma) total += s * s;
  if (total + offset == S(0)) throw std::domain_error("SVD entropy of a zero matrix is undefined");
  if (sigma.size() < 2) return S(0);
  S h(0);
  for (const S& s : sigma) {
    const S p = s * s / (total + offset);
    if (p + offset > S(0) && p > S(0)) h -= p * log(p + offset);
  }
  return h / log(S(static_cast<long>(sigma.size())));
}

}  // namespace muonlab::spectral
