// The Frobenius max-margin classifier by quadratic programming (issue 19; margin.hpp for the notation): the
// multiclass hard-margin SVM without bias,
//
//     min ½‖W‖F²  s.t.  ⟨A_p, W⟩ ≥ 1 for every pair p,        γ*_F = 1/‖W*‖F,
//
// solved by the primal active-set method (Nocedal & Wright, Algorithm 16.3) on the generic problem
// min ½‖w‖² s.t. A w ≥ b (min_norm_polyhedron), started from the max-norm LP solution scaled to margin 1. Each
// iteration solves an equality-constrained step with the working set (linearly independent by construction), so
// in rationals the result is exact. The certificate is Lagrangian duality: with multipliers λ ≥ 0,
// D(λ) = bᵀλ − ½‖Aᵀλ‖² ≤ ½‖w‖² for every feasible w, with equality (gap 0) at the optimum, where w = Aᵀλ.
// The minimizer is unique (strictly convex objective), so the direction comparison is well posed.
#pragma once

#include "spectral/eigen_support.hpp"

#include <vector>

namespace muonlab::solvers {

template <class S>
struct MinNormPoint {
  Vec<S> w;          // the minimizer of ½‖w‖² over {A w ≥ b}
  Vec<S> lambda;     // multipliers ≥ 0 (zero off the final working set); w = Aᵀλ at the optimum
  S value{0};        // ½‖w‖²
  S dual_value{0};   // bᵀλ − ½‖Aᵀλ‖² (≤ the minimum; equal at the optimum)
  S infeasibility{0};  // max(0, max_i b_i − a_iᵀw)
  long iterations = 0;
  S gap() const { return value - dual_value; }
};

/// min ½‖w‖² s.t. A w ≥ b, from a feasible w0. InputError on shapes, non-finite data or an infeasible w0;
/// NumericalError if the iteration limit 50·(rows + columns) is hit (cycling in rounded arithmetic).
template <class S>
MinNormPoint<S> min_norm_polyhedron(const Mat<S>& a, const Vec<S>& b, const Vec<S>& w0);

template <class S>
struct FrobeniusMargin {
  Mat<S> w;          // W* (K×n): the unique min-Frobenius classifier with every margin ≥ 1
  Vec<S> mu;         // λ rescaled to the simplex: ‖Σ μ_p A_p‖F = γ*_F (certificate, margin.hpp)
  S norm_sq{0};      // ‖W*‖F² = 1/γ*_F² (exact in rationals)
  S upper_sq{0};     // ‖Σ μ_p A_p‖F² ≥ γ*_F² (certificate; = 1/norm_sq at the optimum)
  S min_margin{0};   // γ(W*) (≥ 1, = 1 at the optimum)
  S qp_gap{0};       // the QP's duality gap ½‖w‖² − D(λ) (0 in rationals)
  long iterations = 0;
};

/// γ*_F and its maximizer. InputError on bad data or data that are not linearly separable.
template <class S>
FrobeniusMargin<S> frobenius_margin(const Mat<S>& x, const std::vector<int>& labels, int classes);

extern template MinNormPoint<double> min_norm_polyhedron<double>(const Mat<double>&, const Vec<double>&,
                                                                 const Vec<double>&);
extern template MinNormPoint<Real> min_norm_polyhedron<Real>(const Mat<Real>&, const Vec<Real>&, const Vec<Real>&);
extern template MinNormPoint<Rational> min_norm_polyhedron<Rational>(const Mat<Rational>&, const Vec<Rational>&,
                                                                     const Vec<Rational>&);
extern template FrobeniusMargin<double> frobenius_margin<double>(const Mat<double>&, const std::vector<int>&, int);
extern template FrobeniusMargin<Real> frobenius_margin<Real>(const Mat<Real>&, const std::vector<int>&, int);
extern template FrobeniusMargin<Rational> frobenius_margin<Rational>(const Mat<Rational>&, const std::vector<int>&,
                                                                     int);

}  // namespace muonlab::solvers
