// Tabulations for `muonlab budget` / `muonlab lora` and the k-sample comparison (lora_bounds.hpp).
#include "theory/lora_bounds.hpp"

#include "solvers/constrained_fit.hpp"
#include "solvers/optimizer.hpp"
#include "spectral/errors.hpp"
#include "spectral/random.hpp"
#include "spectral/svd.hpp"
#include "theory/ksample.hpp"
#include "theory/sharpness.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace muonlab::theory {
namespace {

template <class S>
Vec<S> parse_vec(const std::vector<std::string>& v, const char* what) {
  if (v.empty()) throw InputError(std::string(what) + " is empty");
  Vec<S> out(static_cast<Eigen::Index>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) out(static_cast<Eigen::Index>(i)) = parse_scalar<S>(v[i]);
  return out;
}

template <class S>
std::vector<double> thresholds_vec(const BudgetThresholds<S>& t) {
  return {to_double(t.rho_max), to_double(t.rho_2), to_double(t.rho_muon_max), to_double(t.rho_sign_2)};
}

template <class S>
BudgetCurves curves_at(const Vec<S>& z, const Vec<S>& r0, const std::vector<double>& grid, bool solve) {
  if (spectral::norm_max(z) == S(0)) throw InputError("budget: z = 0 (the fine-tuning input must be non-zero)");
  if (spectral::norm_max(r0) == S(0)) throw InputError("budget: r0 = 0 (nothing to fit: W0 z = b already)");
  BudgetCurves out;
  const BudgetThresholds<S> t = budget_thresholds<S>(z, r0);
  out.thresholds = thresholds_vec(t);
  out.half_r0_sq = to_double(S(spectral::norm_l2_sq(r0) / S(2)));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double rd : grid) {
    if (!(rd >= 0) || !std::isfinite(rd)) throw InputError("budget: every rho must be a finite number >= 0");
    const S rho(rd);
    BudgetCurveRow row;
    row.rho = rd;
    row.e_max = to_double(e_max_closed<S>(z, r0, rho));                        // Prop D.5
    row.e_2 = to_double(e_2_closed<S>(z, r0, rho));                            // Prop D.5
    row.e_max_muon = to_double(e_scaled_correction<S>(r0, rho, t.rho_muon_max));  // Cor D.6
    row.e_2_sign = to_double(e_scaled_correction<S>(r0, rho, t.rho_sign_2));      // Cor D.6
    row.e_max_solver = row.e_2_solver = row.gap_max = row.gap_2 = nan;
    if (solve) {
      const solvers::BudgetFit<S> fm = solvers::fit_max_budget<S>(z, r0, rho);
      const solvers::BudgetFit<S> f2 = solvers::fit_spectral_budget<S>(z, r0, rho);
      row.e_max_solver = to_double(fm.value), row.gap_max = to_double(fm.gap);
      row.e_2_solver = to_double(f2.value), row.gap_2 = to_double(f2.gap);
    }
    out.rows.push_back(row);
  }
  return out;
}

template <class S>
LoraReport lora_at(const Mat<S>& a, const Vec<S>& z, const Vec<S>& r0) {
  if (a.cols() != z.size())
    throw InputError("lora: A has " + std::to_string(a.cols()) + " columns but z has " + std::to_string(z.size()) +
                     " entries");
  if (spectral::norm_max(r0) == S(0)) throw InputError("lora: r0 = 0 (nothing to fit: W0 z = b already)");
  const Vec<S> u = a * z;
  if (spectral::norm_max(u) == S(0))
    throw InputError("lora: u = A z = 0, so no adapter B can change W z (Prop D.8 needs A z != 0)");
  LoraReport r;
  r.r = a.rows();
  r.support = spectral::norm_l0(u);
  for (Eigen::Index i = 0; i < u.size(); ++i) r.u.push_back(to_double(u(i)));
  r.thresholds = thresholds_vec(budget_thresholds<S>(u, r0));
  r.f1 = to_double(inflation_f1<S>(u));
  r.f2 = to_double(inflation_f2<S>(u));
  r.sqrt_support = f2_supremum(static_cast<double>(r.support));
  r.sqrt_r = f2_supremum(static_cast<double>(r.r));
  r.f1_sharp = f1_supremum(static_cast<double>(r.support));
  // B*_s = B*_μ iff sign(u)/‖u‖1 = u/‖u‖2², i.e. |u_j| constant on the support (always when r = 1).
  const Vec<S> diff = spectral::sign(u).col(0) / spectral::norm_l1(u) - u / spectral::norm_l2_sq(u);
  r.b_equal = spectral::norm_linf(diff) <= S(64) * ScalarTraits<S>::epsilon() / spectral::norm_linf(u);
  return r;
}

}  // namespace

BudgetCurves budget_curves(const std::vector<std::string>& z, const std::vector<std::string>& r0,
                           const std::vector<double>& grid, unsigned digits, bool solve) {
  if (digits == 0) return curves_at<double>(parse_vec<double>(z, "z"), parse_vec<double>(r0, "r0"), grid, solve);
  PrecisionScope scope(digits);
  return curves_at<Real>(parse_vec<Real>(z, "z"), parse_vec<Real>(r0, "r0"), grid, solve);
}

std::vector<double> budget_grid(const std::vector<double>& thresholds, int points, double factor) {
  if (points < 2) throw InputError("budget: --points must be at least 2");
  if (!(factor > 0) || !std::isfinite(factor)) throw InputError("budget: --range must be a positive number");
  const double top = factor * *std::max_element(thresholds.begin(), thresholds.end());
  std::vector<double> g;
  for (int i = 0; i < points; ++i) g.push_back(top * i / (points - 1));
  for (double t : thresholds) g.push_back(t);
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

LoraReport lora_report(const Mat<double>& a, const Vec<double>& z, const Vec<double>& r0, unsigned digits) {
  if (!all_finite(a) || !all_finite(z) || !all_finite(r0)) throw InputError("lora: non-finite input");
  if (digits == 0) return lora_at<double>(a, z, r0);
  PrecisionScope scope(digits);
  return lora_at<Real>(mat_cast<Real>(a), vec_cast<Real>(z), vec_cast<Real>(r0));
}

std::vector<InflationScanRow> inflation_scan(long m, long n, long r_max, int trials, std::uint64_t seed) {
  if (r_max > n) throw InputError("--scan R_MAX must be <= --n (A is r x n with r <= n)");
  if (trials < 1) throw InputError("--trials must be >= 1");
  std::vector<InflationScanRow> rows;
  for (long r = 1; r <= r_max; ++r) {
    double s1 = 0, m1 = 0, s2 = 0, m2 = 0;
    for (int t = 0; t < trials; ++t) {
      spectral::Rng rng(seed, static_cast<std::uint64_t>(r * 100000 + t));
      const MatD am = spectral::random_gaussian<double>(rng, r, n);
      const VecD z = spectral::random_gaussian<double>(rng, n, 1).col(0);
      const VecD r0 = spectral::random_gaussian<double>(rng, m, 1).col(0);
      const LoraReport rep = lora_report(am, z, r0, 0);
      s1 += rep.f1, s2 += rep.f2, m1 = std::max(m1, rep.f1), m2 = std::max(m2, rep.f2);
    }
    InflationScanRow row;
    row.r = r;
    row.f1_mean = s1 / trials, row.f1_max = m1, row.f1_sup = f1_supremum(static_cast<double>(r));
    row.f2_mean = s2 / trials, row.f2_max = m2, row.f2_sup = f2_supremum(static_cast<double>(r));
    rows.push_back(row);
  }
  return rows;
}

KSampleComparison compare_ksample_limit(const std::string& optimizer, long m, long n, long k, long steps,
                                        std::uint64_t seed, double tol) {
  if (m < 1 || n < 1 || k < 1 || k > n) throw InputError("k samples: need m, n >= 1 and 1 <= k <= n");
  if (steps < 1) throw InputError("k samples: steps must be >= 1");
  spectral::Rng rng(seed, 0);
  toy::Problem<double> p;  // W0 = 0, so Δ = W and R0 = Y (W0 drops out of Δ anyway)
  p.kind = toy::ProblemKind::k_sample;
  p.x = spectral::random_gaussian<double>(rng, n, k);
  p.y = spectral::random_gaussian<double>(rng, m, k);
  p.finalize();
  const std::vector<KSampleReference<double>> refs = ksample_references<double>(p);
  auto opt = solvers::make_optimizer<double>(optimizer);
  MatD d = MatD::Zero(m, n), g;
  // η_t = η0/(t+1) with η0 the size of the min max-norm correction: Robbins–Monro, on the scale of the answer.
  const double eta0 = refs[0].value;
  for (long t = 0; t < steps; ++t) {
    p.gradient(d, g);
    opt->step(d, g, eta0 / static_cast<double>(t + 1));
  }
  const KSampleLimit lim = compare_with_references<double>(p, refs, d, tol);
  KSampleComparison c;
  c.optimizer = opt->name();
  c.m = m, c.n = n, c.k = k, c.steps = steps;
  c.residual = lim.residual;
  c.norm_max = lim.norms[0].limit_norm, c.min_norm_max = lim.norms[0].min_norm;
  c.norm_2 = lim.norms[1].limit_norm, c.min_norm_2 = lim.norms[1].min_norm;
  c.dist_frobenius = lim.norms[2].rel_dist;
  c.converged_to = lim.converged_to;
  c.norm_optimal = lim.norm_optimal;
  c.verdict = lim.verdict;
  return c;
}

}  // namespace muonlab::theory
