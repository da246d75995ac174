// The Remez exchange for the odd minimax approximation of 1 (see remez.hpp).
#include "spectral/remez.hpp"

#include "spectral/errors.hpp"

#include <boost/math/constants/constants.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace muonlab::spectral {
namespace {

template <class S>
S unit_roundoff() {
  if constexpr (std::is_same_v<S, double>) return std::numeric_limits<double>::epsilon();
  else return ScalarTraits<S>::epsilon();
}

/// Solves the dense system A z = rhs by Gaussian elimination with partial pivoting (n ≤ ~10 here, so a
/// hand-written elimination keeps the multiprecision Eigen templates out of this translation unit).
template <class S>
std::vector<S> solve_dense(std::vector<std::vector<S>> a, std::vector<S> rhs) {
  using std::abs;
  const std::size_t n = rhs.size();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t piv = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (abs(a[r][col]) > abs(a[piv][col])) piv = r;
    if (a[piv][col] == S(0)) throw NumericalError("Remez: singular node system (nodes coincide)");
    std::swap(a[piv], a[col]);
    std::swap(rhs[piv], rhs[col]);
    for (std::size_t r = col + 1; r < n; ++r) {
      const S f = a[r][col] / a[col][col];
      if (f == S(0)) continue;
      for (std::size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
      rhs[r] -= f * rhs[col];
    }
  }
  std::vector<S> z(n);
  for (std::size_t r = n; r-- > 0;) {
    S acc = rhs[r];
    for (std::size_t c = r + 1; c < n; ++c) acc -= a[r][c] * z[c];
    z[r] = acc / a[r][r];
  }
  return z;
}

/// Bits of precision behind a unit roundoff u = 2^(1−bits).
template <class S>
int bits_of(const S& u) {
  using std::log2;
  return static_cast<int>(std::ceil(-to_double(S(log2(u))))) + 1;
}

/// A root of f in [lo, hi] where f(lo), f(hi) differ in sign, to relative accuracy tol (or to the rounding noise of
/// f, whichever is larger). Newton steps inside the bracket; when Newton points outside it, a secant step between x
/// and the bracket end on that side (the root lies between them), and a bisection when that is not inside either.
///
/// Why not plain Newton-or-bisection: once the iterate is within the rounding noise of f of the root, Newton's
/// step is noise and may land just past a bracket end that is itself (to rounding) the root; bisecting then halves
/// toward that end and gains one bit per step, so a fixed iteration cap (400 bisections ≈ 2^-400 ≈ 4e-121) left
/// a node of the Remez exchange off by ~1e-119 and the designed coefficients by its square, ~1e-238, at any
/// precision above ~240 digits (issue 13: the pe-paper-setting "floor"). The cap below always allows enough
/// bisections to reach the tolerance.
template <class S, class F, class DF>
S bracketed_root(F f, DF df, S lo, S hi, const S& tol) {
  using std::abs;
  S flo = f(lo), fhi = f(hi);
  if (flo == S(0)) return lo;
  if (fhi == S(0)) return hi;
  const int cap = 2 * bits_of(tol) + 64;  // bisection alone halves hi − lo to below tol·|x| within bits_of(tol) steps
  S x = (lo + hi) / S(2);
  for (int it = 0; it < cap; ++it) {
    const S fx = f(x);
    if (fx == S(0)) return x;
    if ((fx < S(0)) == (flo < S(0))) {
      lo = x;
      flo = fx;
    } else {
      hi = x;
      fhi = fx;
    }
    if (hi - lo <= tol * abs(x)) break;
    const S d = df(x);
    S next = d != S(0) ? S(x - fx / d) : S((lo + hi) / S(2));
    if (!(next > lo && next < hi)) {
      // Newton points past the bracket: the root lies between x and the end on that side (x is now one end).
      const S other = x == lo ? hi : lo;
      const S fother = x == lo ? fhi : flo;
      const S secant = x - fx * (other - x) / (fother - fx);
      next = (secant > lo && secant < hi) ? secant : S((lo + hi) / S(2));
    } else if (abs(next - x) <= tol * abs(x) / S(4)) {
      return next;
    }
    x = next;
  }
  return x;
}

/// ‖A‖∞·‖A⁻¹‖∞ (A⁻¹ column by column; n is tiny).
template <class S>
S infinity_norm_condition(const std::vector<std::vector<S>>& a) {
  using std::abs;
  const std::size_t n = a.size();
  if (n == 0) return S(0);
  std::vector<std::vector<S>> inv(n, std::vector<S>(n));
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<S> e(n, S(0));
    e[c] = S(1);
    const std::vector<S> col = solve_dense(a, e);
    for (std::size_t r = 0; r < n; ++r) inv[r][c] = col[r];
  }
  auto norm_inf = [n](const std::vector<std::vector<S>>& m) {
    S best = S(0);
    for (std::size_t r = 0; r < n; ++r) {
      S row = S(0);
      for (std::size_t c = 0; c < n; ++c) row += abs(m[r][c]);
      if (row > best) best = row;
    }
    return best;
  };
  return norm_inf(a) * norm_inf(inv);
}

template <class S>
S signed_unit(std::size_t i) {
  return (i % 2 == 0) ? S(1) : S(-1);
}

}  // namespace

template <class S>
OddMinimax<S> minimax_odd(const S& l, const S& u, int degree, const RemezOptions& options) {
  using std::abs;
  using std::cos;
  if (!(l > S(0)) || !(u > l) || !is_finite(u))
    throw InputError("minimax: need 0 < l < u (got l = " + to_string(l, 6) + ", u = " + to_string(u, 6) + ")");
  if (degree < 1 || degree % 2 == 0) throw InputError("minimax: the degree must be odd and >= 1");
  const std::size_t k = static_cast<std::size_t>(degree / 2);  // k + 1 coefficients, k interior nodes
  const std::size_t n = k + 2;                                 // unknowns c₀..c_k and E
  const S eps = unit_roundoff<S>();
  const S rel_tol = options.rel_tol > 0 ? S(options.rel_tol) : S(64) * eps;
  OddMinimax<S> out;
  // Initial nodes: Chebyshev extrema mapped to [l, u] (for the quintic these are the reference code's
  // l, (3l+u)/4, (l+3u)/4, u).
  const S pi = boost::math::constants::pi<S>();
  out.nodes.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.nodes[i] = (l + u) / S(2) - (u - l) / S(2) * cos(pi * S(static_cast<long>(i)) / S(static_cast<long>(n - 1)));
  }
  out.nodes.front() = l;
  out.nodes.back() = u;
  S prev_e = S(0);
  std::vector<std::vector<S>> last_system;
  for (int it = 1; it <= options.max_iterations; ++it) {
    std::vector<std::vector<S>> a(n, std::vector<S>(n));
    for (std::size_t i = 0; i < n; ++i) {
      const S x = out.nodes[i], x2 = x * x;
      S pw = x;
      for (std::size_t j = 0; j <= k; ++j, pw *= x2) a[i][j] = pw;
      a[i][k + 1] = signed_unit<S>(i);  // p(x_i) + (−1)^i E = 1
    }
    const std::vector<S> z = solve_dense(a, std::vector<S>(n, S(1)));
    last_system = a;
    out.coeffs.assign(z.begin(), z.begin() + static_cast<long>(k + 1));
    out.error = z[k + 1];
    out.iterations = it;
    if (!is_finite(out.error)) throw NumericalError("Remez: the node system is too ill-conditioned at this precision");
    if (it > 1 && abs(out.error - prev_e) <= rel_tol * abs(out.error)) {
      out.converged = true;
      break;
    }
    prev_e = out.error;
    // Exchange: the zeros of p − 1 between consecutive nodes, then the extremum of p between consecutive zeros.
    const auto& c = out.coeffs;
    auto e = [&c](const S& x) { return S(odd_poly_eval(c, x) - S(1)); };
    auto de = [&c](const S& x) { return odd_poly_derivative(c, x); };
    const S tol = S(4) * eps;
    std::vector<S> zeros(k + 1);
    bool ok = true;
    for (std::size_t i = 0; i <= k; ++i) {
      const S a0 = out.nodes[i], b0 = out.nodes[i + 1];
      if ((e(a0) < S(0)) == (e(b0) < S(0))) {
        ok = false;
        break;
      }
      zeros[i] = bracketed_root<S>(e, de, a0, b0, tol);
    }
    if (!ok) break;  // no sign alternation: E is at rounding level, nothing left to exchange
    for (std::size_t j = 1; j <= k; ++j) {
      const S a0 = zeros[j - 1], b0 = zeros[j];
      if ((de(a0) < S(0)) == (de(b0) < S(0))) continue;  // keep the old node (degenerate bracket)
      auto d2 = [&c](const S& x) {
        // p''(x) = Σ (2j+1)(2j) c_j x^{2j−1}
        const S x2 = x * x;
        S acc = S(0);
        for (std::size_t m = c.size(); m-- > 1;) acc = acc * x2 + S(static_cast<long>((2 * m + 1) * (2 * m))) * c[m];
        return S(acc * x);
      };
      out.nodes[j] = bracketed_root<S>(de, d2, a0, b0, tol);
    }
  }
  if (!out.converged) {
    // Converged to rounding: the last two levelled errors agree to a few ulps of the working precision.
    if (abs(out.error - prev_e) <= S(1024) * eps * abs(out.error) || abs(out.error) <= S(16) * eps) out.converged = true;
  }
  if (!out.converged)
    throw NumericalError("Remez did not converge on [" + to_string(l, 8) + ", " + to_string(u, 8) + "] in " +
                         std::to_string(options.max_iterations) + " iterations (raise the precision)");
  out.error = abs(out.error);
  out.node_condition = infinity_norm_condition(last_system);
  return out;
}

template <class S>
OddMinimax<S> minimax_odd_cubic_closed_form(const S& l, const S& u) {
  using std::sqrt;
  if (!(l > S(0)) || !(u > l))
    throw InputError("minimax: need 0 < l < u (got l = " + to_string(l, 6) + ", u = " + to_string(u, 6) + ")");
  const S s = l * l + l * u + u * u;
  const S q = sqrt(s / S(3));
  const S b = S(-2) / (S(2) * s * q / S(3) + s * l - l * l * l);
  const S a = -b * s;
  OddMinimax<S> out;
  out.coeffs = {a, b};
  out.error = S(1) - (a * l + b * l * l * l);
  out.nodes = {l, q, u};
  out.converged = true;
  return out;
}

template OddMinimax<double> minimax_odd(const double&, const double&, int, const RemezOptions&);
template OddMinimax<Real> minimax_odd(const Real&, const Real&, int, const RemezOptions&);
template OddMinimax<double> minimax_odd_cubic_closed_form(const double&, const double&);
template OddMinimax<Real> minimax_odd_cubic_closed_form(const Real&, const Real&);

}  // namespace muonlab::spectral
