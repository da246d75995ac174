// The best odd polynomial approximation of the constant 1 on [l, u] (minimax, Chebyshev equioscillation).
//
// p(x) = c₀x + c₁x³ + … + c_k x^{2k+1} minimizing max_{x∈[l,u]} |p(x) − 1| for 0 < l < u. By the equioscillation
// theorem the optimum touches 1 ± E at k + 2 points l = x₀ < x₁ < … < x_{k+1} = u with alternating signs,
// p(x_i) = 1 − (−1)^i E (below 1 at l, above at the first interior extremum, …). The Remez exchange solves that
// linear system for (c, E), moves the interior nodes to the extrema of p − 1, and repeats (REFERENCE §4). It runs
// in double or in MPFR at the current working precision (spectral/scalar.hpp); the degree-3 optimum also has a
// closed form (minimax_odd_cubic_closed_form), which the tests use as a cross-check.
#pragma once

#include "spectral/scalar.hpp"

#include <vector>

namespace muonlab::spectral {

/// The optimum and how it was found.
template <class S>
struct OddMinimax {
  std::vector<S> coeffs;  // c₀, c₁, …: p(x) = Σ c_j x^{2j+1}
  S error = S(0);         // the levelled error E: max |p − 1| on [l, u] (up to the convergence tolerance)
  std::vector<S> nodes;   // the equioscillation points x₀ = l, …, x_{k+1} = u
  int iterations = 0;     // Remez iterations used (0 for a closed form)
  /// ∞-norm condition number of the final node system [x_i^{2j+1} | (−1)^i] (0 when not computed): a solve in
  /// a precision with unit roundoff ε loses about log10(condition·ε⁻¹…) digits, e.g. in float64 the coefficients
  /// carry roughly 16 − log10(condition) digits.
  S node_condition = S(0);
  bool converged = false;
};

struct RemezOptions {
  int max_iterations = 100;
  /// Stop when |E − E_prev| ≤ rel_tol·|E|; 0 means 64·(unit roundoff of the scalar type).
  double rel_tol = 0;
};

/// p(x) = Σ c_j x^{2j+1} by Horner in x².
template <class S>
S odd_poly_eval(const std::vector<S>& c, const S& x) {
  const S x2 = x * x;
  S acc = S(0);
  for (std::size_t j = c.size(); j-- > 0;) acc = acc * x2 + c[j];
  return acc * x;
}

/// p'(x) = Σ (2j+1) c_j x^{2j}.
template <class S>
S odd_poly_derivative(const std::vector<S>& c, const S& x) {
  const S x2 = x * x;
  S acc = S(0);
  for (std::size_t j = c.size(); j-- > 0;) acc = acc * x2 + S(static_cast<long>(2 * j + 1)) * c[j];
  return acc;
}

/// The minimax odd polynomial of odd degree ≥ 1 approximating 1 on [l, u] by the Remez exchange.
/// Throws InputError unless 0 < l < u and degree is odd and ≥ 1; NumericalError if the exchange does not
/// converge within options.max_iterations (e.g. a precision too low for an interval this narrow).
template <class S>
OddMinimax<S> minimax_odd(const S& l, const S& u, int degree, const RemezOptions& options = {});

/// The degree-3 optimum in closed form: with s = l² + lu + u² the interior extremum is q = √(s/3),
/// p(l) = p(u) gives a = −b·s, and p(q) + p(l) = 2 gives b = −2 / (2sq/3 + s·l − l³).
template <class S>
OddMinimax<S> minimax_odd_cubic_closed_form(const S& l, const S& u);

extern template OddMinimax<double> minimax_odd(const double&, const double&, int, const RemezOptions&);
extern template OddMinimax<Real> minimax_odd(const Real&, const Real&, int, const RemezOptions&);
extern template OddMinimax<double> minimax_odd_cubic_closed_form(const double&, const double&);
extern template OddMinimax<Real> minimax_odd_cubic_closed_form(const Real&, const Real&);

}  // namespace muonlab::spectral
