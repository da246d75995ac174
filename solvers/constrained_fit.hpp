// Budget-constrained least squares (REFERENCE §2, Prop D.5), solved without the closed forms, at any precision.
//
//     E_max(ρ) = min ½‖Δz − r0‖²  s.t. ‖Δ‖max ≤ ρ      (fit_max_budget: a box-constrained least-squares problem)
//     E_2(ρ)   = min ½‖Δz − r0‖²  s.t. ‖Δ‖2   ≤ ρ      (fit_spectral_budget: projection onto the spectral ball)
//
// Both report a duality gap as the certificate of optimality. For f(Δ) = ½‖Δz − r0‖² over the ball {‖Δ‖ ≤ ρ}
// the Lagrange dual at λ = Δz − r0 gives (with G = ∇f(Δ) = λ zᵀ and ‖·‖_* the dual norm)
//
//     gap(Δ) = f(Δ) − D(λ) = ⟨G, Δ⟩ + ρ ‖G‖_*  ≥ 0,
//
// zero exactly at a minimizer (it is the KKT condition written as one number): ‖·‖_* is the entrywise ℓ1 norm for
// the max-norm ball and the nuclear norm for the spectral ball. So E(ρ) ∈ [f(Δ) − gap, f(Δ)] is proven.
//
// The box problem is solved as a generic bound-constrained least-squares problem min ½‖M x − c‖², ‖x‖∞ ≤ ρ
// (box_least_squares), with M the matrix of Δ ↦ Δz (the solver does not use that rows decouple): projected
// Newton steps on the free variables (a minimum-norm least-squares step, then a projected backtracking search),
// safeguarded by a projected gradient step; it stops when the gap is at the rounding level.
// The spectral problem uses accelerated projected gradient (FISTA, step 1/‖z‖²) with the projection
// U min(Σ, ρ) Vᵀ; started from Δ = 0 its first step already lands on the minimizer (the gradient is rank one),
// which the certificate then confirms.
#pragma once

#include "spectral/eigen_support.hpp"

namespace muonlab::solvers {

template <class S>
struct BudgetFit {
  Mat<S> delta;        // the minimizer found (m×n)
  S value{0};          // f(Δ) = ½‖Δz − r0‖²
  S gap{0};            // duality gap ≥ 0: E(ρ) ≥ value − gap
  S tolerance{0};      // the gap the working precision allows (converged iff gap ≤ tolerance)
  S constraint{0};     // ‖Δ‖max or ‖Δ‖2 (≤ ρ up to rounding)
  int iterations = 0;
  bool converged = false;
};

/// Generic bound-constrained least squares: min ½‖M x − c‖² s.t. ‖x‖∞ ≤ ρ, with the gap ⟨g, x⟩ + ρ‖g‖1,
/// g = Mᵀ(Mx − c). InputError on shape mismatch, non-finite data or ρ < 0.
template <class S>
BudgetFit<S> box_least_squares(const Mat<S>& m, const Vec<S>& c, const S& rho, int max_iterations = 500);

/// Prop D.5, max-norm budget: min ½‖Δz − r0‖² s.t. ‖Δ‖max ≤ ρ (Δ is r0.size() × z.size()).
/// InputError when z = 0, r0 = 0, ρ < 0 or the data are not finite.
template <class S>
BudgetFit<S> fit_max_budget(const Vec<S>& z, const Vec<S>& r0, const S& rho);

/// Prop D.5, spectral budget: min ½‖Δz − r0‖² s.t. ‖Δ‖2 ≤ ρ. Same input checks.
template <class S>
BudgetFit<S> fit_spectral_budget(const Vec<S>& z, const Vec<S>& r0, const S& rho, int max_iterations = 200);

extern template BudgetFit<double> box_least_squares<double>(const Mat<double>&, const Vec<double>&, const double&,
                                                            int);
extern template BudgetFit<Real> box_least_squares<Real>(const Mat<Real>&, const Vec<Real>&, const Real&, int);
extern template BudgetFit<double> fit_max_budget<double>(const Vec<double>&, const Vec<double>&, const double&);
extern template BudgetFit<Real> fit_max_budget<Real>(const Vec<Real>&, const Vec<Real>&, const Real&);
extern template BudgetFit<double> fit_spectral_budget<double>(const Vec<double>&, const Vec<double>&, const double&,
                                                              int);
extern template BudgetFit<Real> fit_spectral_budget<Real>(const Vec<Real>&, const Vec<Real>&, const Real&, int);

}  // namespace muonlab::solvers
