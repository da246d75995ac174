// A dense two-phase simplex method for small linear programs, exact in rationals (REFERENCE §2, issue 5).
//
//     minimize cᵀx  subject to  A x = b,  x ≥ 0
//
// Bland's rule (smallest index enters, ties in the ratio test broken by the smallest basic index) so the method
// terminates on degenerate problems too. The result carries the dual vector y (the simplex multipliers c_Bᵀ B⁻¹),
// feasible for the dual  maximize bᵀy subject to Aᵀy ≤ c  at optimality, so bᵀy = cᵀx is the certificate.
// For Rational every comparison is exact (tolerance 0); for floating types entries below `tol` count as zero.
// Meant for toy sizes (tens of rows and columns): the tableau is dense and reduced costs are recomputed per pivot.
#pragma once

#include "spectral/eigen_support.hpp"

#include <string>

namespace muonlab::solvers {

enum class LpStatus { optimal, infeasible, unbounded };
const char* to_string(LpStatus s);

template <class S>
struct LpResult {
  LpStatus status = LpStatus::infeasible;
  Vec<S> x;      // a basic optimal solution (N)
  Vec<S> dual;   // y (p), dual feasible at optimality: Aᵀy ≤ c (up to tol)
  S value{0};    // cᵀx
  S phase1{0};   // the phase-1 optimum (the smallest total infeasibility; > 0 means infeasible)
  long pivots = 0;
};

/// Solves min cᵀx s.t. Ax = b, x ≥ 0. InputError on shape mismatch or non-finite data.
/// `tol` is the zero threshold for floating types (pass 0 for Rational). Throws NumericalError when the pivot
/// limit (50·(p+N)) is hit, which Bland's rule rules out in exact arithmetic.
template <class S>
LpResult<S> lp_minimize(const Mat<S>& a, const Vec<S>& b, const Vec<S>& c, const S& tol);

extern template LpResult<double> lp_minimize<double>(const Mat<double>&, const Vec<double>&, const Vec<double>&,
                                                     const double&);
extern template LpResult<Real> lp_minimize<Real>(const Mat<Real>&, const Vec<Real>&, const Vec<Real>&, const Real&);
extern template LpResult<Rational> lp_minimize<Rational>(const Mat<Rational>&, const Vec<Rational>&,
                                                         const Vec<Rational>&, const Rational&);

}  // namespace muonlab::solvers
