// Reproducible random instances at any precision. An instance is a function of (seed, stream) only, so a trial
// can be rerun alone from the witness that `verify` prints.
#pragma once

#include "spectral/eigen_support.hpp"

#include <cstdint>
#include <random>

namespace muonlab::spectral {

/// SplitMix64 of (seed, stream): independent-looking seeds for trial `stream` of a run seeded with `seed`.
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
public:
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) : gen_(mix_seed(seed, stream)) {}
  double normal() { return std::normal_distribution<double>(0.0, 1.0)(gen_); }
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen_); }
  long integer(long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(gen_); }
  std::mt19937_64& engine() { return gen_; }

private:
  std::mt19937_64 gen_;
};

/// Standard Gaussian entries drawn in double (so the instance is exactly the same at every precision).
template <class S>
Mat<S> random_gaussian(Rng& rng, Eigen::Index m, Eigen::Index n) {
  Mat<S> a(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) a(i, j) = S(rng.normal());
  return a;
}

/// A Haar-distributed orthogonal n×n matrix at the working precision (QR of a Gaussian, signs fixed).
template <class S>
Mat<S> random_orthogonal(Rng& rng, Eigen::Index n);

/// A random m×n matrix of exact rank k (product of Gaussian m×k and k×n factors, formed at working precision).
template <class S>
Mat<S> random_rank_k(Rng& rng, Eigen::Index m, Eigen::Index n, Eigen::Index k) {
  return random_gaussian<S>(rng, m, k) * random_gaussian<S>(rng, k, n);
}

template <> Mat<double> random_orthogonal<double>(Rng&, Eigen::Index);
template <> Mat<Real> random_orthogonal<Real>(Rng&, Eigen::Index);

}  // namespace muonlab::spectral
