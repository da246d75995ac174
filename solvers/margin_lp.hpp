// The max-norm max-margin classifier by linear programming (issue 19; margin.hpp for the notation):
//
//     γ*_max = max γ  s.t.  ⟨A_p, W⟩ ≥ γ for every pair p,  |W_ab| ≤ 1
//
// solved by the dense two-phase simplex (lp_simplex.hpp), exact in rationals. The LP dual multipliers of the pair
// rows are a point μ of the simplex with ‖Σ μ_p A_p‖_1 = γ*_max at optimality, which margin.hpp's certificate turns
// into the proof γ*_max ≤ ‖M(μ)‖_1 (checked, not assumed).
//
// The maximizer need not be unique (the optimal face of the LP); max_norm_face_distance measures how far a given
// direction is from that whole face, which is the honest "direction" comparison for a max-norm limit.
#pragma once

#include "spectral/eigen_support.hpp"

#include <vector>

namespace muonlab::solvers {

template <class S>
struct MaxNormMargin {
  Mat<S> w;        // a maximizer: ‖W‖max ≤ 1 and γ(W) = γ*_max (the simplex's optimal vertex)
  S margin{0};     // γ(W), recomputed from W
  Vec<S> mu;       // pair weights in the simplex (the LP dual of the pair rows)
  S upper{0};      // ‖Σ μ_p A_p‖_1 ≥ γ*_max (certificate; = margin at optimality, exactly in rationals)
  long pivots = 0;
  S gap() const { return upper - margin; }
};

/// γ*_max and a maximizer. InputError on bad shapes/labels, non-finite data, or data that are not linearly
/// separable (γ*_max = 0).
template <class S>
MaxNormMargin<S> max_norm_margin(const Mat<S>& x, const std::vector<int>& labels, int classes);

/// min_{W in F} ‖W − V‖max over the optimal face F = {‖W‖max ≤ 1, γ(W) ≥ gamma} (an LP; gamma is normally
/// γ*_max, and in floating types the simplex's zero threshold absorbs its rounding). InputError when F is empty.
template <class S>
S max_norm_face_distance(const Mat<S>& x, const std::vector<int>& labels, int classes, const S& gamma,
                         const Mat<S>& v);

extern template MaxNormMargin<double> max_norm_margin<double>(const Mat<double>&, const std::vector<int>&, int);
extern template MaxNormMargin<Real> max_norm_margin<Real>(const Mat<Real>&, const std::vector<int>&, int);
extern template MaxNormMargin<Rational> max_norm_margin<Rational>(const Mat<Rational>&, const std::vector<int>&,
                                                                  int);
extern template double max_norm_face_distance<double>(const Mat<double>&, const std::vector<int>&, int,
                                                      const double&, const Mat<double>&);
extern template Real max_norm_face_distance<Real>(const Mat<Real>&, const std::vector<int>&, int, const Real&,
                                                  const Mat<Real>&);
extern template Rational max_norm_face_distance<Rational>(const Mat<Rational>&, const std::vector<int>&, int,
                                                          const Rational&, const Mat<Rational>&);

}  // namespace muonlab::solvers
