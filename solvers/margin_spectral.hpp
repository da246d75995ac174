// The spectral-norm max-margin classifier (issue 19; margin.hpp for the notation):
//
//     1/γ*_2² = min t  s.t.  t I_K − W Wᵀ ⪰ 0  (i.e. ‖W‖2² ≤ t),  ⟨A_p, W⟩ ≥ 1 for every pair p,
//
// solved by a primal barrier method: Newton steps on τ·t − log det(tI − WWᵀ) − Σ log(⟨A_p, W⟩ − 1) (with a
// backtracking line search that keeps the iterate strictly feasible), τ ← 20τ between centerings. The log det
// term is the standard self-concordant barrier of {(W, t) : WWᵀ ⪯ tI}; gradient and Hessian are in closed form
// (margin_spectral.cpp).
//
// The answer is *certified* by margin.hpp's bracket, computed from the final point and independently of the
// method: the strictly feasible W gives γ*_2 ≥ γ(W)/‖W‖2, and the barrier's implied multipliers μ_p ∝ 1/(τ s_p)
// give γ*_2 ≤ ‖Σ μ_p A_p‖_* (nuclear norm, the dual of the spectral norm). The method stops when the relative
// width of the bracket is at most the requested gap (or when Newton can no longer make progress at this
// precision; `converged` says which). The interior point tends to the analytic center of the optimal face, so
// `w` is one maximizer; the maximizer need not be unique.
#pragma once

#include "spectral/eigen_support.hpp"

#include <vector>

namespace muonlab::solvers {

template <class S>
struct SpectralMargin {
  Mat<S> w;          // the last iterate (K×n), strictly feasible: every margin > 1
  Vec<S> mu;         // pair weights in the simplex
  S lower{0};        // γ(W)/‖W‖2 ≤ γ*_2
  S upper{0};        // ‖Σ μ_p A_p‖_* ≥ γ*_2
  S rel_gap{0};      // (upper − lower)/upper
  long newton_steps = 0;
  int centerings = 0;
  bool converged = false;  // rel_gap ≤ the requested gap
  S margin() const { return (lower + upper) / S(2); }
};

/// γ*_2 bracketed to relative width `rel_gap` (> 0). The barrier starts from the max-norm LP maximizer scaled
/// to margin 2. InputError on bad data, data that are not linearly separable, or rel_gap ≤ 0.
template <class S>
SpectralMargin<S> spectral_margin(const Mat<S>& x, const std::vector<int>& labels, int classes, const S& rel_gap,
                                  int max_newton_steps = 4000);

extern template SpectralMargin<double> spectral_margin<double>(const Mat<double>&, const std::vector<int>&, int,
                                                               const double&, int);
extern template SpectralMargin<Real> spectral_margin<Real>(const Mat<Real>&, const std::vector<int>&, int,
                                                           const Real&, int);

}  // namespace muonlab::solvers
