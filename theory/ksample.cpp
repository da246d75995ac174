// The k-sample references and the comparison of a limit with them (ksample.hpp).
#include "theory/ksample.hpp"

#include "solvers/min_norm.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"
#include "theory/closed_forms.hpp"
#include "toy/bias_verdict.hpp"

#include <fmt/core.h>

#include <cmath>
#include <limits>

namespace muonlab::theory {
namespace {

template <class S>
Mat<RootedScalar<S>> rooted(const Mat<S>& a) {
  if constexpr (std::is_same_v<RootedScalar<S>, S>) return a;
  else return mat_cast<RootedScalar<S>>(a);
}

/// ‖d‖ for the norm named "max", "2" or "F".
template <class R>
R norm_named(const std::string& name, const Mat<R>& d) {
  if (name == "max") return spectral::norm_max(d);
  if (name == "2") return spectral::norm_spectral(d);
  return spectral::norm_frobenius(d);
}

std::string norm_words(const std::string& name) {
  if (name == "max") return "max norm";
  if (name == "2") return "spectral norm";
  return "Frobenius norm";
}

template <class S>
std::string precision_words() {
  if constexpr (std::is_same_v<S, double>) return "double";
  else return fmt::format("{} digits", real_digits());
}

template <class R>
double relative_gap(const R& value, const R& bound) {
  return value > R(0) ? to_double(R((value - bound) / value)) : 0.0;
}

}  // namespace

template <class S>
std::vector<KSampleReference<S>> ksample_references(const toy::Problem<S>& problem) {
  using R = RootedScalar<S>;
  if (spectral::norm_max(problem.r0) == S(0))
    throw InputError("k samples: R0 = Y - W0 X = 0, so W0 already fits every sample (nothing to compare)");
  // The data as the run sees them, exactly (doubles and MPFR numbers are dyadic rationals).
  const MatQ uq = mat_cast<Rational>(problem.u), rq = mat_cast<Rational>(problem.r0);
  const Rational rscale = spectral::norm_max(rq);
  // The LP first: for inconsistent data (k > n generic samples) it is the one that says "no solution".
  const solvers::MinNormSolution<Rational> smax = solvers::min_max_norm_interpolation<Rational>(uq, rq);
  const solvers::MinNormSolution<Rational> sf = solvers::min_frobenius_interpolation<Rational>(uq, rq);
  const solvers::MinNormSolution<R> s2 =
      solvers::min_spectral_norm_interpolation<R>(rooted<S>(problem.u), rooted<S>(problem.r0));

  std::vector<KSampleReference<S>> out(3);
  KSampleReference<S>& mx = out[0];
  mx.candidate = {"max", Mat<S>(problem.p0 + mat_cast<S>(smax.w))};
  mx.method = "simplex in exact rationals, one LP per row; certificate: the LP dual (max_i y_i.mu_i/||X mu_i||_1)";
  mx.exact = true;
  mx.value = R(smax.value);
  mx.lower_bound = R(smax.lower_bound);
  mx.certificate_gap = to_double(Rational((smax.value - smax.lower_bound) / smax.value));
  mx.feasibility = to_double(Rational(smax.feasibility / rscale));

  KSampleReference<S>& sp = out[1];
  sp.candidate = {"2", Mat<S>(problem.p0 + mat_cast<S>(s2.w))};
  sp.method = "the min-Frobenius interpolant; certificate: ||W||_2 >= ||Y L^-T||_2 (X^T X = L L^T), SVDs in " +
              precision_words<R>();
  sp.exact = false;
  sp.value = s2.value;
  sp.lower_bound = s2.lower_bound;
  sp.certificate_gap = relative_gap(s2.value, s2.lower_bound);
  sp.feasibility = to_double(R(s2.feasibility / R(rscale)));

  KSampleReference<S>& fr = out[2];
  using std::sqrt;
  fr.candidate = {"F", Mat<S>(problem.p0 + mat_cast<S>(sf.w))};
  fr.method = "Y (X^T X)^-1 X^T in exact rationals; certificate: ||W||_F^2 >= tr(Y G^-1 Y^T)";
  fr.exact = true;
  fr.value = sqrt(R(sf.value));
  fr.lower_bound = sqrt(R(sf.lower_bound));
  fr.certificate_gap = to_double(Rational((sf.value - sf.lower_bound) / sf.value));  // on the squares, exactly
  fr.feasibility = to_double(Rational(sf.feasibility / rscale));
  return out;
}

template <class S>
std::vector<toy::Candidate<S>> reference_candidates(const std::vector<KSampleReference<S>>& refs) {
  std::vector<toy::Candidate<S>> out;
  for (const auto& r : refs) out.push_back(r.candidate);
  return out;
}

template <class S>
KSampleLimit compare_with_references(const toy::Problem<S>& problem, const std::vector<KSampleReference<S>>& refs,
                                     const Mat<S>& p_final, double tol) {
  using R = RootedScalar<S>;
  KSampleLimit out;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!all_finite(p_final)) {
    out.residual = nan;
    out.verdict = "diverged";
    return out;
  }
  out.residual = to_double(S(spectral::norm_max(problem.residual(p_final)) / spectral::norm_max(problem.r0)));
  const Mat<S> delta_s = p_final - problem.p0;
  const Mat<R> delta = rooted<S>(delta_s);
  // The nearest interpolant Π(Δ_T) = Δ_T + (−E)(UᵀU)⁻¹Uᵀ with E = Δ_T U − R0: w_star_frobenius's formula.
  const Mat<R> projected = rooted<S>(w_star_frobenius<S>(delta_s, problem.u, Mat<S>(-problem.residual(p_final))));
  toy::TrajectoryRow row;  // only rel_dist is read by judge_bias
  std::vector<std::string> names;
  std::string others;
  for (const auto& ref : refs) {
    KSampleNormCheck c;
    c.name = ref.candidate.name;
    const R limit = norm_named<R>(c.name, delta), proj = norm_named<R>(c.name, projected);
    c.limit_norm = to_double(limit);
    c.min_norm = to_double(ref.value);
    c.excess = to_double(R((limit - ref.value) / ref.value));  // in R: no cancellation in double
    c.projected_excess = to_double(R((proj - ref.value) / ref.value));
    const Mat<R> target = rooted<S>(Mat<S>(ref.candidate.p - problem.p0));
    const R scale = spectral::norm_frobenius(target);  // > 0: R0 ≠ 0 (ksample_references)
    const R dist = spectral::norm_frobenius(Mat<R>(delta - target));
    c.dist = to_double(dist);
    c.rel_dist = to_double(R(dist / scale));
    c.projected_rel_dist = to_double(R(spectral::norm_frobenius(Mat<R>(projected - target)) / scale));
    c.reached = c.rel_dist <= tol;
    c.norm_optimal = out.residual <= tol && c.projected_excess <= tol;
    if (c.norm_optimal) out.norm_optimal.push_back(c.name);
    // A different minimizer (the max and spectral norms have many): say so. A limit whose projection is the
    // reference itself is just not converged yet, and the Frobenius minimizer is unique.
    if (c.norm_optimal && !c.reached && c.projected_rel_dist > tol && c.name != "F")
      others += fmt::format("; attains the min {} to tolerance (projected excess {:.2g}) at another interpolant than {}",
                            norm_words(c.name), c.projected_excess, toy::candidate_label(c.name));
    names.push_back(c.name);
    row.rel_dist.push_back(c.rel_dist);
    out.norms.push_back(c);
  }
  const toy::BiasVerdict v = toy::judge_bias(names, row, false, tol);
  out.converged_to = v.converged_to;
  out.verdict = v.text + others;
  return out;
}

template std::vector<KSampleReference<double>> ksample_references<double>(const toy::Problem<double>&);
template std::vector<KSampleReference<Real>> ksample_references<Real>(const toy::Problem<Real>&);
template std::vector<KSampleReference<Rational>> ksample_references<Rational>(const toy::Problem<Rational>&);
template std::vector<toy::Candidate<double>> reference_candidates<double>(const std::vector<KSampleReference<double>>&);
template std::vector<toy::Candidate<Real>> reference_candidates<Real>(const std::vector<KSampleReference<Real>>&);
template std::vector<toy::Candidate<Rational>> reference_candidates<Rational>(
    const std::vector<KSampleReference<Rational>>&);
template KSampleLimit compare_with_references<double>(const toy::Problem<double>&,
                                                      const std::vector<KSampleReference<double>>&,
                                                      const Mat<double>&, double);
template KSampleLimit compare_with_references<Real>(const toy::Problem<Real>&, const std::vector<KSampleReference<Real>>&,
                                                    const Mat<Real>&, double);
template KSampleLimit compare_with_references<Rational>(const toy::Problem<Rational>&,
                                                        const std::vector<KSampleReference<Rational>>&,
                                                        const Mat<Rational>&, double);

}  // namespace muonlab::theory
