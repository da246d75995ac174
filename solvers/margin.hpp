// Multiclass margins of a linear classifier (REFERENCE §7; issue 19), shared by the three max-margin solvers
// (margin_lp.hpp: max norm, margin_qp.hpp: Frobenius, margin_spectral.hpp: spectral norm).
//
// Data: N samples x_i (the columns of X, n×N) with labels c_i ∈ {0, …, K−1}; a classifier W is K×n. Every pair
// p = (i, k), k ≠ c_i, gives the constraint matrix A_p = (e_{c_i} − e_k) x_iᵀ, and
//
//     γ(W) = min_p ⟨A_p, W⟩ = min_i min_{k≠c_i} (W x_i)_{c_i} − (W x_i)_k           (the margin of W)
//     γ*_N = max { γ(W) : ‖W‖_N ≤ 1 }                                             (the max-margin for norm N)
//
// One certificate serves every norm (minimax over the simplex Δ of pair weights μ):
//
//     γ(W)/‖W‖_N  ≤  γ*_N  =  min_{μ∈Δ} ‖Σ_p μ_p A_p‖_{N*}  ≤  ‖M(μ)‖_{N*}   for every W ≠ 0 and every μ ∈ Δ,
//
// because γ(W) ≤ Σ μ_p ⟨A_p, W⟩ = ⟨M(μ), W⟩ ≤ ‖M(μ)‖_{N*} ‖W‖_N. The dual norms: max ↔ entry-wise ℓ1, Frobenius ↔
// Frobenius, spectral ↔ nuclear. A solver returns a W and a μ; the bracket [lower, upper] it proves is computed
// here, independently of how the solver found them.
#pragma once  // Tested by tests/solvers/test_margin_lp.cpp ("max_norm_margin: exact optimum and LP-dual certificate")

#include "spectral/eigen_support.hpp"
#include "spectral/errors.hpp"

#include <string>
#include <utility>
#include <vector>

namespace muonlab::solvers {

/// The pairs (i, k), k ≠ c_i, in a fixed order (sample-major, then class). InputError on bad labels or shapes.
inline std::vector<std::pair<Eigen::Index, int>> margin_pairs(Eigen::Index samples, const std::vector<int>& labels,
                                                              int classes) {
  if (classes < 2) throw InputError("margin: at least 2 classes are needed (got " + std::to_string(classes) + ")");
  if (samples < 1) throw InputError("margin: at least one sample is needed");
  if (static_cast<Eigen::Index>(labels.size()) != samples)
    throw InputError("margin: " + std::to_string(samples) + " samples but " + std::to_string(labels.size()) +
                     " labels");
  std::vector<std::pair<Eigen::Index, int>> out;
  for (Eigen::Index i = 0; i < samples; ++i) {
    const int c = labels[static_cast<std::size_t>(i)];
    if (c < 0 || c >= classes)
      throw InputError("margin: label " + std::to_string(c) + " of sample " + std::to_string(i) + " is not in [0, " +
                       std::to_string(classes) + ")");
    for (int k = 0; k < classes; ++k)
      if (k != c) out.emplace_back(i, k);
  }
  return out;
}

/// ⟨A_p, W⟩ for every pair p, in margin_pairs order.
template <class S>
Vec<S> pair_margins(const Mat<S>& w, const Mat<S>& x, const std::vector<int>& labels, int classes) {
  const auto pairs = margin_pairs(x.cols(), labels, classes);
  if (w.rows() != classes || w.cols() != x.rows())
    throw InputError("margin: W is " + std::to_string(w.rows()) + "x" + std::to_string(w.cols()) + " but needs " +
                     std::to_string(classes) + "x" + std::to_string(x.rows()));
  const Mat<S> z = w * x;  // K×N logits
  Vec<S> out(static_cast<Eigen::Index>(pairs.size()));
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto [i, k] = pairs[p];
    out(static_cast<Eigen::Index>(p)) = z(labels[static_cast<std::size_t>(i)], i) - z(k, i);
  }
  return out;
}

/// γ(W) = min_p ⟨A_p, W⟩.
template <class S>
S margin_of(const Mat<S>& w, const Mat<S>& x, const std::vector<int>& labels, int classes) {
  return pair_margins<S>(w, x, labels, classes).minCoeff();
}

/// M(μ) = Σ_p μ_p A_p (K×n).
template <class S>
Mat<S> pair_combination(const Vec<S>& mu, const Mat<S>& x, const std::vector<int>& labels, int classes) {
  const auto pairs = margin_pairs(x.cols(), labels, classes);
  if (mu.size() != static_cast<Eigen::Index>(pairs.size()))
    throw InputError("margin: " + std::to_string(mu.size()) + " pair weights for " + std::to_string(pairs.size()) +
                     " pairs");
  Mat<S> m = Mat<S>::Zero(classes, x.rows());
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto [i, k] = pairs[p];
    const S& w = mu(static_cast<Eigen::Index>(p));
    if (w == S(0)) continue;
    m.row(labels[static_cast<std::size_t>(i)]) += w * x.col(i).transpose();
    m.row(k) -= w * x.col(i).transpose();
  }
  return m;
}

/// The matrix whose row p is vec(A_p)ᵀ (column-major vec of the K×n matrix: entry (a, b) at a + K·b).
template <class S>
Mat<S> pair_matrix(const Mat<S>& x, const std::vector<int>& labels, int classes) {
  const auto pairs = margin_pairs(x.cols(), labels, classes);
  const Eigen::Index n = x.rows();
  Mat<S> a = Mat<S>::Zero(static_cast<Eigen::Index>(pairs.size()), classes * n);
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto [i, k] = pairs[p];
    const int c = labels[static_cast<std::size_t>(i)];
    for (Eigen::Index b = 0; b < n; ++b) {
      a(static_cast<Eigen::Index>(p), c + classes * b) += x(b, i);
      a(static_cast<Eigen::Index>(p), k + classes * b) -= x(b, i);
    }
  }
  return a;
}

/// Σ |M_ab| (the entry-wise ℓ1 norm, dual to the max norm).
template <class S>
S entrywise_l1(const Mat<S>& m) {
  using std::abs;
  S total(0);
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) total += abs(m(i, j));
  return total;
}

/// μ ≥ 0 rescaled to sum 1 (InputError if it has a negative entry or sums to 0).
template <class S>
Vec<S> to_simplex(const Vec<S>& mu) {
  S total(0);
  for (Eigen::Index p = 0; p < mu.size(); ++p) {
    if (mu(p) < S(0)) throw NumericalError("margin: a pair weight is negative");
    total += mu(p);
  }
  if (!(total > S(0))) throw NumericalError("margin: the pair weights sum to zero");
  return mu / total;
}

}  // namespace muonlab::solvers
