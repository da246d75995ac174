// Minimum-norm interpolation with k samples: min ‖W‖ subject to W X = Y (X n×k, Y m×k, W m×n), for the max
// norm, the spectral norm and the Frobenius norm, each with a certificate (REFERENCE §2, the k > 1 open question).
//
//   max norm   one LP per row i: min t s.t. Xᵀw = y_i, −t ≤ w_j ≤ t (lp_simplex.hpp; exact in rationals). The
//              certificate is the LP dual μ_i: for every feasible w, y_iᵀμ = wᵀ(Xμ) ≤ ‖w‖∞‖Xμ‖1, so
//              ‖W‖max ≥ max_i y_iᵀμ_i / ‖Xμ_i‖1, equal to the value found at optimality.
//   spectral   for X of full column rank, G = XᵀX = L Lᵀ: X L^{-T} has orthonormal columns, so for every feasible
//              W, ‖W‖2 ≥ ‖W X L^{-T}‖2 = ‖Y L^{-T}‖2 (= ‖Y (XᵀX)^{-1/2}‖2). The min-Frobenius W_F = Y G⁻¹ Xᵀ
//              = (Y L^{-T})(X L^{-T})ᵀ attains it, so it is *a* min spectral-norm solution (generally not the only
//              one). The certificate compares ‖W_F‖2 (an SVD of W_F) with the bound (an SVD of Y L^{-T}).
//   Frobenius  W_F = Y (XᵀX)⁻¹ Xᵀ, the unique minimizer; the bound ‖W‖F² ≥ tr(Y G⁻¹ Yᵀ) by the same argument,
//              exact in rationals.
//
// Inconsistent data (no W with W X = Y: e.g. k > n generic samples) and X without full column rank (spectral,
// Frobenius) are InputErrors.
#pragma once

#include "spectral/eigen_support.hpp"

#include <string>

namespace muonlab::solvers {

template <class S>
struct MinNormSolution {
  std::string norm;        // "max", "2" or "F"
  Mat<S> w;                // the minimizer found
  S value{0};              // its norm (squared for "F" so it stays exact in rationals)
  S lower_bound{0};        // the certified lower bound on the norm of every feasible W (same units as value)
  S feasibility{0};        // ‖W X − Y‖max
  long pivots = 0;         // simplex pivots (max norm)
  S gap() const { return value - lower_bound; }
};

/// min ‖W‖max s.t. W X = Y (the simplex compares exactly in rationals; min_norm.cpp says which threshold floats use).
template <class S>
MinNormSolution<S> min_max_norm_interpolation(const Mat<S>& x, const Mat<S>& y);

/// min ‖W‖2 s.t. W X = Y (double and Real: the bound needs a square root).
template <class S>
MinNormSolution<S> min_spectral_norm_interpolation(const Mat<S>& x, const Mat<S>& y);

/// min ‖W‖F s.t. W X = Y; value and bound are ‖W‖F² and tr(Y (XᵀX)⁻¹ Yᵀ).
template <class S>
MinNormSolution<S> min_frobenius_interpolation(const Mat<S>& x, const Mat<S>& y);

extern template MinNormSolution<double> min_max_norm_interpolation<double>(const Mat<double>&, const Mat<double>&);
extern template MinNormSolution<Real> min_max_norm_interpolation<Real>(const Mat<Real>&, const Mat<Real>&);
extern template MinNormSolution<Rational> min_max_norm_interpolation<Rational>(const Mat<Rational>&,
                                                                               const Mat<Rational>&);
extern template MinNormSolution<double> min_spectral_norm_interpolation<double>(const Mat<double>&,
                                                                                const Mat<double>&);
extern template MinNormSolution<Real> min_spectral_norm_interpolation<Real>(const Mat<Real>&, const Mat<Real>&);
extern template MinNormSolution<double> min_frobenius_interpolation<double>(const Mat<double>&, const Mat<double>&);
extern template MinNormSolution<Real> min_frobenius_interpolation<Real>(const Mat<Real>&, const Mat<Real>&);
extern template MinNormSolution<Rational> min_frobenius_interpolation<Rational>(const Mat<Rational>&,
                                                                                const Mat<Rational>&);

}  // namespace muonlab::solvers
