// Sharpness of the Prop D.8 inflation factors (beyond the paper; `muonlab lora --sharpness`, claims
// lora-sharpness-f1/f2).
//
//   f1(u) = ‖u‖1‖u‖∞/‖u‖2²   (= ρ̃_{μ|max}/ρ*_A)      the paper: f1 ≤ √‖u‖0 ≤ √r
//   f2(u) = √‖u‖0 ‖u‖2/‖u‖1  (= ρ̃_{s|2}/ρ*_μ)       the paper: f2 ≤ √‖u‖0 ≤ √r
//
// Both are scale- and sign-free, so take |u| sorted with largest entry 1 and support k ≤ R.
//
// Theorem (f1). sup_{u ∈ R^R \ 0} f1(u) = (1 + √R)/2, attained exactly at u = (1, a*, …, a*) (up to scale,
// signs and order) with a* = 1/(1 + √R). For R ≥ 2 this is < √R: the paper's bound is not sharp.
// Proof. Let the other k − 1 = p entries be a_i ∈ (0, 1], s = Σa_i, q = Σa_i². Cauchy–Schwarz gives q ≥ s²/p, so
// f1 = (1 + s)/(1 + q) ≤ g(a) := (1 + pa)/(1 + pa²) with a = s/p, equality iff all a_i are equal. Then
//     (1 + √k)(1 + pa²) − 2(1 + pa) = (1 + √k)p·(a − a*_k)²,   a*_k = 1/(1 + √k),
// because p/(1 + √k) = (k − 1)/(1 + √k) = √k − 1 (the discriminant vanishes). Hence g(a) ≤ (1 + √k)/2 with
// equality iff a = a*_k ∈ (0, 1], and (1 + √k)/2 increases with k ≤ R.  ∎
//
// Theorem (f2). sup f2 = √R, and for R ≥ 2 it is not attained: f2(u) = √k‖u‖2/‖u‖1 < √k ≤ √R whenever k ≥ 2
// (‖u‖1 > ‖u‖2 with two non-zeros), and f2 = 1 when k = 1. A maximizing sequence is u_ε = (1, ε, …, ε):
// f2(u_ε) = √R·√(1 + (R−1)ε²)/(1 + (R−1)ε) → √R, with 0 < √R − f2(u_ε) ≤ √R·(R − 1)ε. So the paper's bound is
// sharp for f2 but only as a supremum.
//
// The search below does not assume either theorem: it maximizes over each support size k from random starts
// (double), reads the structure of the best point, and refines that one-parameter family at the working precision.
#pragma once

#include "spectral/eigen_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace muonlab::theory {

/// The global search runs in double over u = (1, v_2, …, v_k) with v_j ∈ [kSharpnessSearchFloor, 1] (non-zero, so the
/// support is exactly k). Its maximizer of f2 sits on this floor, so the floor bounds how close it gets to √R.
inline constexpr double kSharpnessSearchFloor = 1e-9;

/// The sharp bounds of the inflation factors over u with ‖u‖0 = k non-zeros (Prop D.8; sharpness_search checks
/// them): sup f1 = (1 + √k)/2 (attained), sup f2 = √k (the paper's bound; attained only for k = 1). One definition
/// for the closed forms, `muonlab lora` and its --scan.
template <class S>
S f1_supremum(const S& k) {
  using std::sqrt;
  return (S(1) + sqrt(k)) / S(2);
}
template <class S>
S f2_supremum(const S& k) {
  using std::sqrt;
  return sqrt(k);
}

/// f1 and f2 of a vector (|u| is what matters). InputError for u = 0.
template <class S>
S sharp_f1(const Vec<S>& u);
template <class S>
S sharp_f2(const Vec<S>& u);

struct SharpnessReport {
  std::string factor;          // "f1" or "f2"
  long rank = 0;               // R
  unsigned digits = 0;         // working precision of the refinement
  // The global search (double): best value per support size k = 1..R, and the best point overall.
  std::vector<double> best_by_support;
  double search_best = 0;
  std::vector<double> search_argmax;  // |u| sorted, max entry 1
  std::string structure;       // what the search's maximizer looks like, in words
  // The refinement at the working precision, and the theorem's value.
  std::string refined;         // sup as found by the refinement (decimal, working precision)
  std::string closed_form;     // (1+√R)/2 or √R, evaluated at the working precision
  std::string formula;         // "(1+sqrt(R))/2" or "sqrt(R)"
  double refine_error = 0;     // |refined − closed form| as a double, for display (underflows past ~308 digits)
  Real refine_gap = 0;         // |refined − closed form| in the working precision
  bool attained = false;       // the supremum is a maximum
  std::string maximizer;       // the maximizer, or the maximizing sequence
  double sqrt_r = 0;           // the paper's bound √R
  bool paper_bound_sharp = false;     // sup = √R
  bool paper_bound_attained = false;  // some u has f = √R
};

/// Runs the search for factor "f1" or "f2" over u ∈ R^R (1 ≤ R ≤ 64): `starts` random starts per support size,
/// then a refinement at `digits` (≥ 10). InputError on a bad factor name or rank.
SharpnessReport sharpness_search(const std::string& factor, long rank, unsigned digits, std::uint64_t seed,
                                 int starts = 40);

extern template double sharp_f1<double>(const Vec<double>&);
extern template Real sharp_f1<Real>(const Vec<Real>&);
extern template double sharp_f2<double>(const Vec<double>&);
extern template Real sharp_f2<Real>(const Vec<Real>&);

}  // namespace muonlab::theory
