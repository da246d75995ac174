// Certified max-margin references and the comparison of a classifier with them (margin_refs.hpp).
#include "theory/margin_refs.hpp"

#include "solvers/margin.hpp"
#include "solvers/margin_lp.hpp"
#include "solvers/margin_qp.hpp"
#include "solvers/margin_spectral.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <cmath>
#include <limits>

namespace muonlab::theory {

Real default_spectral_gap(const spectral::Precision& precision) {
  // The barrier's Newton systems have condition ~τ², so its certified width stalls near √u (measured: 5e-25 at 50
  // digits); 10^(−0.4·digits) is reached with room to spare. Capped at 1e-60: every comparison that uses the
  // spectral reference is a convergence check far above that, and the barrier needs ~one centering per 1.3 digits.
  auto scope = precision.scope();
  return pow(Real(10), -Real(std::min(60L, static_cast<long>(precision.digits() * 2 / 5))));
}

std::vector<MarginReference> margin_references(const toy::Classification<Real>& problem,
                                               const Real& spectral_rel_gap) {
  using std::sqrt;
  problem.validate();
  const MatQ xq = mat_cast<Rational>(problem.x);  // exact: MPFR values are dyadic rationals
  std::vector<MarginReference> out;
  {
    const solvers::MaxNormMargin<Rational> lp = solvers::max_norm_margin<Rational>(xq, problem.labels, problem.classes);
    MarginReference r;
    r.norm = "max";
    r.method = "exact rational simplex (" + std::to_string(lp.pivots) + " pivots), certified by the LP dual";
    r.exact = true;
    r.lower = Real(lp.margin);
    r.upper = Real(lp.upper);
    r.rel_gap = Real(Rational((lp.upper - lp.margin) / lp.upper));
    r.w = mat_cast<Real>(lp.w);
    r.w /= spectral::norm_max(r.w);
    out.push_back(r);
  }
  {
    const solvers::SpectralMargin<Real> sp =
        solvers::spectral_margin<Real>(problem.x, problem.labels, problem.classes, spectral_rel_gap);
    MarginReference r;
    r.norm = "2";
    r.method = "barrier method (" + std::to_string(sp.newton_steps) + " Newton steps), bracketed by the nuclear-norm " +
               "dual" + (sp.converged ? "" : " (stopped before the requested width)");
    r.lower = sp.lower;
    r.upper = sp.upper;
    r.rel_gap = sp.rel_gap;
    r.w = sp.w / spectral::norm_spectral(sp.w);
    out.push_back(r);
  }
  {
    const solvers::FrobeniusMargin<Rational> qp =
        solvers::frobenius_margin<Rational>(xq, problem.labels, problem.classes);
    MarginReference r;
    r.norm = "F";
    r.method = "exact rational active-set QP (" + std::to_string(qp.iterations) +
               " iterations), certified by Lagrangian duality";
    r.exact = true;
    r.lower = Real(1) / sqrt(Real(qp.norm_sq));  // γ*_F = 1/‖W*‖F
    r.upper = sqrt(Real(qp.upper_sq));
    r.rel_gap = Real(Rational(Rational(1) - Rational(1) / (qp.upper_sq * qp.norm_sq)));  // 0 at the optimum
    r.w = mat_cast<Real>(qp.w);
    r.w /= spectral::norm_frobenius(r.w);
    out.push_back(r);
  }
  return out;
}

std::vector<MarginComparison> compare_margins(const toy::Classification<Real>& problem,
                                              const std::vector<MarginReference>& refs, const MatR& w) {
  std::vector<MarginComparison> out;
  const Real m = problem.margin(w);
  const Real nan = std::numeric_limits<Real>::quiet_NaN();
  for (const MarginReference& r : refs) {
    MarginComparison c;
    c.norm = r.norm;
    const Real nw = r.norm == "max" ? spectral::norm_max(w)
                    : r.norm == "2" ? spectral::norm_spectral(w)
                                    : spectral::norm_frobenius(w);
    if (!(nw > Real(0))) {
      c.defined = false;
      c.normalized_margin = c.gap = c.distance = nan;
      out.push_back(c);
      continue;
    }
    const Real nm = m / nw;
    c.normalized_margin = nm;
    c.gap = (r.upper - nm) / r.upper;
    const MatR v = w / nw;
    if (r.norm == "max") {
      c.distance = solvers::max_norm_face_distance<Real>(problem.x, problem.labels, problem.classes, r.lower, v);
    } else if (r.norm == "2") {
      c.distance = spectral::norm_spectral(MatR(v - r.w));
    } else {
      c.distance = spectral::norm_frobenius(MatR(v - r.w));
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace muonlab::theory
