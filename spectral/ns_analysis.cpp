// Newton–Schulz step analysis (see ns_analysis.hpp).
#include "spectral/ns_analysis.hpp"

#include "spectral/certify.hpp"
#include "spectral/errors.hpp"

#include <algorithm>

namespace muonlab::spectral {
namespace {

Real derivative(const NsStep<Real>& p, const Real& x) {
  const Real y = x * x;
  return p.a + Real(3) * p.b * y + Real(5) * p.c * y * y;
}

/// The exact image of [lo, hi] under p: values at the ends and at the critical points inside.
void image(const NsStep<Real>& p, const std::vector<Real>& crit, const Real& lo, const Real& hi, Real& out_lo,
           Real& out_hi) {
  out_lo = std::min(p(lo), p(hi));
  out_hi = std::max(p(lo), p(hi));
  for (const Real& x : crit)
    if (x > lo && x < hi) {
      const Real v = p(x);
      out_lo = std::min(out_lo, v);
      out_hi = std::max(out_hi, v);
    }
}

/// Smallest root of p(x) = target in [lo, hi] given p(lo) ≤ target < p(hi) (bisection; p continuous).
Real solve_up(const NsStep<Real>& p, const Real& target, Real lo, Real hi) {
  for (int i = 0; i < 4 * static_cast<int>(real_digits()) + 64; ++i) {
    const Real mid = (lo + hi) / 2;
    if (p(mid) <= target) lo = mid;
    else hi = mid;
  }
  return hi;
}

NsStepAnalysis analyze_step(const NsStep<Real>& p, unsigned digits) {
  NsStepAnalysis r;
  r.step = p;
  r.growth_at_zero = p.a;
  r.fixed_points = positive_even_quartic_roots(p.c, p.b, Real(p.a - 1));  // c x⁴ + b x² + (a − 1) = 0
  for (const Real& x : r.fixed_points) r.fixed_point_slopes.push_back(derivative(p, x));
  r.critical_points = positive_even_quartic_roots(Real(5 * p.c), Real(3 * p.b), p.a);
  for (const Real& x : r.critical_points) r.critical_values.push_back(p(x));
  // Divergence: |p(x)| grows like |lead|·x⁵ (x³ for cubics), so beyond the largest x with |p(x)| = x (a root of
  // p(x) = x or p(x) = −x) every step increases |σ| (p is odd: a negative value is a sign flip of the singular
  // vector, the magnitude follows |p|) and repeated steps blow up.
  {
    std::vector<Real> cands = r.fixed_points;
    for (const Real& x : positive_even_quartic_roots(p.c, p.b, Real(p.a + 1))) cands.push_back(x);
    if (!cands.empty() && (p.c != 0 || p.b != 0)) {
      r.has_divergence = true;
      r.divergence_threshold = *std::max_element(cands.begin(), cands.end());
    }
  }
  if (r.fixed_points.empty()) {
    r.band_note = "no positive fixed point: singular values do not settle";
    return r;
  }
  // Band: grow J from a tiny neighbourhood of the fixed point nearest 1 by J ← hull(J ∪ p(J)) until it stops.
  std::size_t idx = 0;
  for (std::size_t i = 1; i < r.fixed_points.size(); ++i)
    if (abs(r.fixed_points[i] - 1) < abs(r.fixed_points[idx] - 1)) idx = i;
  const Real xs = r.fixed_points[idx];
  Real lo = xs * (1 - Real("1e-6")), hi = xs * (1 + Real("1e-6"));
  const Real tol = Real(16) * ScalarTraits<Real>::epsilon();
  bool converged = false;
  for (int it = 0; it < 5000; ++it) {
    Real ilo, ihi;
    image(p, r.critical_points, lo, hi, ilo, ihi);
    const Real nlo = std::min(lo, ilo), nhi = std::max(hi, ihi);
    if (nlo <= 0 || (r.has_divergence && nhi >= r.divergence_threshold) || !is_finite(nhi)) {
      r.band_note = "no invariant band around the fixed point " + muonlab::to_string(xs, 8) +
                    ": the orbit of its neighbourhood leaves (0, divergence threshold)";
      return r;
    }
    if (lo - nlo <= tol * xs && nhi - hi <= tol * xs) {
      converged = true;
      break;
    }
    lo = nlo;
    hi = nhi;
  }
  if (!converged) {
    r.band_note = "the band did not settle in 5000 steps";
    return r;
  }
  r.has_band = true;
  r.band_lo = lo;
  r.band_hi = hi;
  // Certify on a slightly widened band (relative 1e-(digits/2)), so that rounding in the hull iteration cannot
  // make a true invariant interval look otherwise.
  const Real widen = pow(Real(10), -static_cast<int>(digits / 2));
  r.band_lo = lo * (1 - widen);
  r.band_hi = hi * (1 + widen);
  r.band_certified = certify_maps_into(p, r.band_lo, r.band_hi, r.band_lo, r.band_hi, digits);
  if (std::abs(to_double(r.fixed_point_slopes[idx])) < 1)
    r.band_note = "the fixed point is attracting: the band is a small neighbourhood of it";
  // Recapture: σ just above the band map back below band_hi until p(σ) first exceeds band_hi.
  if (r.has_divergence && p(r.band_hi) <= r.band_hi && p(r.divergence_threshold) > r.band_hi) {
    r.has_recapture = true;
    r.recapture_limit = solve_up(p, r.band_hi, r.band_hi, r.divergence_threshold);
  }
  return r;
}

}  // namespace

std::vector<Real> positive_even_quartic_roots(const Real& alpha, const Real& beta, const Real& gamma) {
  std::vector<Real> ys;
  if (alpha == 0) {
    if (beta != 0) ys.push_back(-gamma / beta);
  } else {
    const Real disc = beta * beta - 4 * alpha * gamma;
    if (disc >= 0) {
      const Real sq = sqrt(disc);
      // Stable quadratic formula: avoid cancellation in −β ± √disc.
      const Real qq = -(beta + (beta >= 0 ? sq : Real(-sq))) / 2;
      if (qq != 0) {
        ys.push_back(qq / alpha);
        ys.push_back(gamma / qq);
      } else {
        ys.push_back(Real(0));
      }
    }
  }
  std::vector<Real> xs;
  for (const Real& y : ys)
    if (y > 0) xs.push_back(sqrt(y));
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  return xs;
}

NsAnalysis analyze_schedule(const NsSchedule<Real>& schedule, unsigned digits) {
  if (schedule.steps.empty()) throw InputError("ns: the schedule has no steps");
  if (digits < 20 || digits > kMaxDigits) throw InputError("ns: --digits must be >= 20 for the analysis");
  PrecisionScope scope(digits);
  NsAnalysis out;
  out.name = schedule.name;
  out.steps = static_cast<int>(schedule.steps.size());
  out.digits = digits;
  out.growth_at_zero = Real(1);
  for (std::size_t k = 0; k < schedule.steps.size(); ++k) {
    const NsStep<Real> st{Real(schedule.steps[k].a), Real(schedule.steps[k].b), Real(schedule.steps[k].c)};
    if (!is_finite(st.a) || !is_finite(st.b) || !is_finite(st.c)) throw InputError("ns: non-finite coefficient");
    out.growth_at_zero *= st.a;
    auto same = [&st](const NsStepAnalysis& s) { return s.step.a == st.a && s.step.b == st.b && s.step.c == st.c; };
    auto it = std::find_if(out.distinct.begin(), out.distinct.end(), same);
    if (it == out.distinct.end()) {
      out.distinct.push_back(analyze_step(st, digits));
      it = out.distinct.end() - 1;
    }
    it->uses.push_back(static_cast<int>(k + 1));
  }
  out.smallest_to_unit = out.growth_at_zero > 0 ? Real(1 / out.growth_at_zero) : Real(0);
  return out;
}

}  // namespace muonlab::spectral
