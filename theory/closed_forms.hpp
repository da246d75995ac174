// Closed forms of the paper's toy problems (REFERENCE §2): the limits Thm 3.1/3.2 predict, the Prop D.4
// corrections, the min-Frobenius solution for k samples, and the Cor D.7 bounds.
//
// Everything is a field operation except ‖·‖2, so all of it is exact in rationals; the norms that need a square
// root are returned squared. Header-only except w_star_frobenius (an LU, instantiated in closed_forms.cpp).
#pragma once

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "toy/problem.hpp"
#include "toy/runner.hpp"

#include <vector>

namespace muonlab::theory {

/// Thm 3.1 / D.2: SignGD's limit W*_max = y sign(x)ᵀ / ‖x‖1, the min max-norm solution of W x = y.
template <class S>
Mat<S> w_star_max(const Vec<S>& x, const Vec<S>& y) {
  const S l1 = spectral::norm_l1(x);
  if (l1 == S(0)) throw InputError("w_star_max: x must be non-zero");
  return y * spectral::sign(x).transpose() / l1;
}

/// Thm 3.2 / D.3: Muon's limit W*_2 = y xᵀ / ‖x‖2², the min spectral-norm solution of W x = y
/// (and, for one sample, also the min Frobenius-norm one).
template <class S>
Mat<S> w_star_2(const Vec<S>& x, const Vec<S>& y) {
  const S l2sq = spectral::norm_l2_sq(x);
  if (l2sq == S(0)) throw InputError("w_star_2: x must be non-zero");
  return y * x.transpose() / l2sq;
}

/// ‖W*_max‖max = ‖y‖∞ / ‖x‖1 = min{‖W‖max : W x = y} (Thm 3.1).
template <class S>
S min_max_norm(const Vec<S>& x, const Vec<S>& y) {
  return spectral::norm_linf(y) / spectral::norm_l1(x);
}

/// ‖W*_2‖2² = ‖y‖2² / ‖x‖2² = min{‖W‖2² : W x = y} (Thm 3.2), squared so it stays exact in rationals.
template <class S>
S min_spectral_norm_sq(const Vec<S>& x, const Vec<S>& y) {
  return spectral::norm_l2_sq(y) / spectral::norm_l2_sq(x);
}

/// Prop D.4: SignGD's correction from W0 on (z, b): Δ_s = r0 sign(z)ᵀ / ‖z‖1 with r0 = b − W0 z.
template <class S>
Mat<S> correction_signgd(const Mat<S>& w0, const Vec<S>& z, const Vec<S>& b) {
  return w_star_max<S>(z, Vec<S>(b - w0 * z));
}

/// Prop D.4: Muon's correction from W0 on (z, b): Δ_μ = r0 zᵀ / ‖z‖2² with r0 = b − W0 z.
template <class S>
Mat<S> correction_muon(const Mat<S>& w0, const Vec<S>& z, const Vec<S>& b) {
  return w_star_2<S>(z, Vec<S>(b - w0 * z));
}

/// The min Frobenius-norm solution of (W − W0) X = R0, i.e. W0 + R0 (XᵀX)⁻¹ Xᵀ, for X (n×k) of full column rank
/// (InputError otherwise: then W X = Y need not be solvable). Exact in rationals.
template <class S>
Mat<S> w_star_frobenius(const Mat<S>& w0, const Mat<S>& x, const Mat<S>& r0);

/// Cor D.7: the old-task loss after a correction Δ when W0 x = y: L_old(W0 + Δ) = ½‖Δ x‖².
template <class S>
S old_task_loss(const Mat<S>& delta, const Vec<S>& x) {
  return spectral::norm_l2_sq(Vec<S>(delta * x)) / S(2);
}

/// Cor D.7 (max-norm form): L_old(W0 + Δ) ≤ (m/2) ‖Δ‖max² ‖x‖1².
template <class S>
S cor_d7_bound_max(const Mat<S>& delta, const Vec<S>& x) {
  const S mx = spectral::norm_max(delta), l1 = spectral::norm_l1(x);
  return S(static_cast<long>(delta.rows())) * mx * mx * l1 * l1 / S(2);
}

/// Cor D.7 (spectral form): L_old(W0 + Δ) ≤ ½ ‖Δ‖2² ‖x‖2², given ‖Δ‖2² (computed by the caller: it needs an SVD).
template <class S>
S cor_d7_bound_spectral(const S& delta_spectral_sq, const Vec<S>& x) {
  return delta_spectral_sq * spectral::norm_l2_sq(x) / S(2);
}

/// The candidate limits of a toy problem, in parameter space:
///   one sample (single, continuation, LoRA): "max" = P0 + r0 sign(u)ᵀ/‖u‖1 (Thm 3.1, Prop D.4, Prop D.8),
///     "2" = P0 + r0 uᵀ/‖u‖2² (Thm 3.2, D.4, D.8), "F" = the min-Frobenius solution (equal to "2" here);
///   k > 1 samples: "F" = the min-Frobenius solution only (closed form). The min max-norm and min spectral-norm
///     interpolants have no closed form: theory/ksample.hpp gets all three from the solvers, with certificates
///     (`muonlab bias --samples K` uses those).
template <class S>
std::vector<toy::Candidate<S>> candidate_solutions(const toy::Problem<S>& problem) {
  std::vector<toy::Candidate<S>> out;
  if (problem.samples() == 1) {
    const Vec<S> u = problem.u.col(0), r0 = problem.r0.col(0);
    out.push_back({"max", Mat<S>(problem.p0 + w_star_max<S>(u, r0))});
    out.push_back({"2", Mat<S>(problem.p0 + w_star_2<S>(u, r0))});
  }
  out.push_back({"F", w_star_frobenius<S>(problem.p0, problem.u, problem.r0)});
  return out;
}

extern template Mat<double> w_star_frobenius<double>(const Mat<double>&, const Mat<double>&, const Mat<double>&);
extern template Mat<Real> w_star_frobenius<Real>(const Mat<Real>&, const Mat<Real>&, const Mat<Real>&);
extern template Mat<Rational> w_star_frobenius<Rational>(const Mat<Rational>&, const Mat<Rational>&,
                                                         const Mat<Rational>&);

}  // namespace muonlab::theory
