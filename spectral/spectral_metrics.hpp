// Stable rank and SVD entropy from singular values (REFERENCE §1).
// Header-only with no dependency beyond the standard library, so the LibTorch layer can reuse it on its own.
//
// Scale safety. Both statistics are invariant under G → cG, so they are computed from the ratios ρ_i = σ_i/σ_1 ≤ 1,
// never from σ_i² (which overflows from σ ≈ 1e154 and underflows below σ ≈ 1e-154 in double): Σρ_i² lies in
// [1, r], and a ratio small enough to underflow contributes below the rounding of the sum. The paper's offset
// (added to σ_1² and Σσ_j²) is not scale-invariant; it enters as offset/σ_1², which may overflow to +inf
// harmlessly (the statistic's limit).
#pragma once

#include <cmath>
#include <stdexcept>
#include <vector>

namespace muonlab::spectral {

namespace detail {

/// The largest |σ_i| (σ_1 when sorted); throws std::domain_error on a NaN or an infinity.
template <class S>
S largest_singular_value(const std::vector<S>& sigma) {
  using std::abs;
  using std::isfinite;
  S top(0);
  for (const S& s : sigma) {
    if (!isfinite(s)) throw std::domain_error("a singular value is not finite");
    if (abs(s) > top) top = abs(s);
  }
  return top;
}

/// Σ (σ_i/σ_1)² for σ_1 > 0: in [1, r].
template <class S>
S sum_of_squared_ratios(const std::vector<S>& sigma, const S& top) {
  S total(0);
  for (const S& s : sigma) {
    const S rho = s / top;
    total += rho * rho;
  }
  return total;
}

}  // namespace detail

/// srank = Σσ_i² / (σ_1² + offset), computed as Σ(σ_i/σ_1)² / (1 + offset/σ_1²). `offset` = 0 is the exact definition
/// (scale-invariant); the paper's code uses 1e-12. A zero matrix has no stable rank: throws std::domain_error unless
/// offset > 0 (then 0).
template <class S>
S stable_rank(const std::vector<S>& sigma, const S& offset = S(0)) {
  const S top = detail::largest_singular_value(sigma);
  if (top == S(0)) {
    if (offset > S(0)) return S(0);
    throw std::domain_error("stable rank of a zero matrix is undefined");
  }
  const S total = detail::sum_of_squared_ratios(sigma, top);
  if (offset == S(0)) return total;
  const S rel = offset / top / top;  // may be +inf for a tiny σ_1: the result is then 0, the limit
  return total / (S(1) + rel);
}

/// H = −Σ p_i log(p_i + offset) / log r with p_i = σ_i² / (Σσ_j² + offset), r = number of singular values, computed from
/// the ratios σ_i/σ_1 (p_i = ρ_i² / (Σρ_j² + offset/σ_1²)). In [0, 1]: 0 for rank one, 1 for all σ equal. r = 1 gives 0
/// by convention; a zero matrix throws std::domain_error unless offset > 0 (then 0).
template <class S>
S svd_entropy(const std::vector<S>& sigma, const S& offset = S(0)) {
  using std::log;
  const S top = detail::largest_singular_value(sigma);
  if (top == S(0)) {
    if (offset > S(0)) return S(0);
    throw std::domain_error("SVD entropy of a zero matrix is undefined");
  }
  if (sigma.size() < 2) return S(0);
  const S denom = detail::sum_of_squared_ratios(sigma, top) + (offset == S(0) ? S(0) : S(offset / top / top));
  S h(0);
  for (const S& s : sigma) {
    const S rho = s / top;
    const S p = rho * rho / denom;
    if (p > S(0)) h -= p * log(p + offset);
  }
  return h / log(S(static_cast<long>(sigma.size())));
}

}  // namespace muonlab::spectral
