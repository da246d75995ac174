// k samples (the open question of REFERENCE §2, issue 5): the min max-norm, min spectral-norm and min Frobenius
// interpolants of (P − P0) U = R0, found by the solvers of solvers/min_norm.hpp with their optimality certificates,
// and the comparison of an optimizer's last iterate with them. Shared by `muonlab bias --samples K` and
// `muonlab budget --samples K` (compare_ksample_limit in lora_bounds.hpp).
//
//   max  one LP per row, solved by the simplex in exact rationals on the data as the run sees them (a double or an
//        MPFR number is a dyadic rational, so the conversion is exact); certificate: the LP dual.
//   2    the min-Frobenius interpolant attains the lower bound ‖Y L^{-T}‖2 (G = XᵀX = L Lᵀ) of every interpolant,
//        so it is *a* min spectral-norm solution (not the only one); certificate: the two SVDs at working precision.
//   F    Y (XᵀX)⁻¹ Xᵀ in exact rationals; certificate: ‖W‖F² ≥ tr(Y G⁻¹ Yᵀ), equal at the minimizer.
//
// Because the min max-norm and min spectral-norm solutions need not be unique, the comparison reports two things
// per norm: the distance to the solver's solution ("converged to", as for one sample), and whether the limit is
// *a* minimizer of that norm (it interpolates and its norm equals the certified minimum, both to the tolerance).
#pragma once

#include "spectral/scalar.hpp"
#include "toy/problem.hpp"
#include "toy/runner.hpp"

#include <string>
#include <type_traits>
#include <vector>

namespace muonlab::theory {

/// The type in which norms that need square roots are taken: S itself, MPFR for exact rationals.
template <class S>
using RootedScalar = std::conditional_t<ScalarTraits<S>::is_exact, Real, S>;

/// One min-norm interpolant with its certificate. Norm values are of the correction Δ* = P* − P0.
template <class S>
struct KSampleReference {
  toy::Candidate<S> candidate;   // name "max", "2" or "F"; P* = P0 + Δ* in parameter space
  std::string method;            // the solver and its certificate, in words
  bool exact = false;            // value and certificate in exact rationals
  RootedScalar<S> value{0};      // ‖Δ*‖ (Frobenius: the norm itself, not its square)
  RootedScalar<S> lower_bound{0};  // certified: ‖Δ‖ ≥ lower_bound for every Δ with Δ U = R0
  double certificate_gap = 0;    // (value − lower_bound)/value: 0 (to rounding; exactly when exact) = optimal
  double feasibility = 0;        // ‖Δ* U − R0‖max / ‖R0‖max
};

/// The three references, in the order max, 2, F. InputError when W X = Y has no solution (e.g. k > n inconsistent
/// samples: the LP is infeasible), when the samples are linearly dependent (the spectral and Frobenius solvers
/// need X of full column rank) or when R0 = 0 (nothing to fit).
template <class S>
std::vector<KSampleReference<S>> ksample_references(const toy::Problem<S>& problem);

/// The references as the runner's candidates (same names as the one-sample candidates, so the trajectory CSV has
/// the same columns).
template <class S>
std::vector<toy::Candidate<S>> reference_candidates(const std::vector<KSampleReference<S>>& refs);

/// The limit against one reference. A limit that does not interpolate exactly can have a norm *below* the
/// minimum, so optimality is judged on its projection Π(Δ_T) = Δ_T − (Δ_T U − R0)(UᵀU)⁻¹Uᵀ, the nearest (in
/// Frobenius norm) interpolant: Π(Δ_T) U = R0, so ‖Π(Δ_T)‖ ≥ min and its excess is ≥ 0 up to rounding.
struct KSampleNormCheck {
  std::string name;            // "max", "2", "F"
  double limit_norm = 0;       // ‖Δ_T‖ of the run's correction Δ_T = P_T − P0
  double min_norm = 0;         // the reference's certified minimum
  double excess = 0;           // ‖Δ_T‖/min − 1 (negative is possible when Δ_T does not interpolate)
  double projected_excess = 0; // ‖Π(Δ_T)‖/min − 1 ≥ 0
  double dist = 0;             // ‖P_T − P*‖F
  double rel_dist = 0;         // ‖P_T − P*‖F / ‖P* − P0‖F (the runner's relative distance)
  double projected_rel_dist = 0;  // ‖P0 + Π(Δ_T) − P*‖F / ‖P* − P0‖F
  bool reached = false;        // rel_dist ≤ tol: converged to this solution
  bool norm_optimal = false;   // residual ≤ tol and projected_excess ≤ tol: Δ_T is (near) a minimizer of this norm
};

struct KSampleLimit {
  double residual = 0;                    // ‖Δ_T U − R0‖max / ‖R0‖max
  std::vector<KSampleNormCheck> norms;    // in the order of the references
  std::vector<std::string> converged_to;  // the references with `reached`
  std::vector<std::string> norm_optimal;  // the references with `norm_optimal`
  std::string verdict;                    // "converged to W*_2 = W*_F", "none of them (nearest: ...)", plus,
                                          // when the limit minimizes a norm but is near another minimizer than
                                          // the solver's, "; attains the min spectral norm to tolerance (projected
                                          // excess 0.0056) at another interpolant than W*_2"
};

/// Compares the last iterate `p_final` with the references; `tol` is the relative tolerance of both tests.
template <class S>
KSampleLimit compare_with_references(const toy::Problem<S>& problem, const std::vector<KSampleReference<S>>& refs,
                                     const Mat<S>& p_final, double tol);

extern template std::vector<KSampleReference<double>> ksample_references<double>(const toy::Problem<double>&);
extern template std::vector<KSampleReference<Real>> ksample_references<Real>(const toy::Problem<Real>&);
extern template std::vector<KSampleReference<Rational>> ksample_references<Rational>(const toy::Problem<Rational>&);
extern template std::vector<toy::Candidate<double>> reference_candidates<double>(
    const std::vector<KSampleReference<double>>&);
extern template std::vector<toy::Candidate<Real>> reference_candidates<Real>(const std::vector<KSampleReference<Real>>&);
extern template std::vector<toy::Candidate<Rational>> reference_candidates<Rational>(
    const std::vector<KSampleReference<Rational>>&);
extern template KSampleLimit compare_with_references<double>(const toy::Problem<double>&,
                                                             const std::vector<KSampleReference<double>>&,
                                                             const Mat<double>&, double);
extern template KSampleLimit compare_with_references<Real>(const toy::Problem<Real>&,
                                                           const std::vector<KSampleReference<Real>>&,
                                                           const Mat<Real>&, double);
extern template KSampleLimit compare_with_references<Rational>(const toy::Problem<Rational>&,
                                                               const std::vector<KSampleReference<Rational>>&,
                                                               const Mat<Rational>&, double);

}  // namespace muonlab::theory
