// Budgeted fine-tuning and the LoRA bounds (REFERENCE §2: Prop D.5, Cor D.6, Prop D.8) as closed forms, plus the
// tabulations that `muonlab budget`, `muonlab lora` and the claims in claims_budget.cpp share.
//
// Notation: a fine-tuning example (z, b) from a pretrained W0, residual r0 = b − W0 z. Under LoRA (W = W0 + B A,
// A fixed r×n) every formula holds with z replaced by u = A z and Δ by B; A = I gives back D.5/D.6.
// "Mismatched" curves: the other optimizer's exact-fit correction, scaled down to fit the budget. Since
// Δ*_μ z = r0, the scaled correction cΔ*_μ leaves the loss ½(1 − c)²‖r0‖², and the largest c with
// ‖cΔ*_μ‖max ≤ ρ is min(1, ρ/ρ̃_{μ|max}); likewise for Δ*_s under the spectral budget with ρ̃_{s|2}.
#pragma once

#include "spectral/eigen_support.hpp"
#include "spectral/norms.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace muonlab::theory {

/// Prop D.5: E_max(ρ) = ½ Σ_i (|r0_i| − ρ‖z‖1)₊².
template <class S>
S e_max_closed(const Vec<S>& z, const Vec<S>& r0, const S& rho) {
  using std::abs;
  const S l1 = spectral::norm_l1(z);
  S e(0);
  for (Eigen::Index i = 0; i < r0.size(); ++i) {
    const S d = abs(r0(i)) - rho * l1;
    if (d > S(0)) e += d * d;
  }
  return e / S(2);
}

/// Prop D.5: E_2(ρ) = ½ (‖r0‖2 − ρ‖z‖2)₊².
template <class S>
S e_2_closed(const Vec<S>& z, const Vec<S>& r0, const S& rho) {
  const S d = spectral::norm_l2(r0) - rho * spectral::norm_l2(z);
  return d > S(0) ? S(d * d / S(2)) : S(0);
}

/// The loss ½(1 − min(1, ρ/ρ̃))²‖r0‖² of an exact-fit correction of norm ρ̃ scaled into the budget ρ.
template <class S>
S e_scaled_correction(const Vec<S>& r0, const S& rho, const S& rho_tilde) {
  const S c = rho >= rho_tilde ? S(1) : S(rho / rho_tilde);
  return (S(1) - c) * (S(1) - c) * spectral::norm_l2_sq(r0) / S(2);
}

/// The four budgets of Prop D.5 / Cor D.6 (Prop D.8 with u = A z).
template <class S>
struct BudgetThresholds {
  S rho_max;         // ρ*_A = ‖r0‖∞/‖u‖1: smallest max-norm budget with an exact fit (Prop D.5)
  S rho_2;           // ρ*_μ = ‖r0‖2/‖u‖2: smallest spectral budget with an exact fit (Prop D.5)
  S rho_muon_max;    // ρ̃_{μ|max} = ‖Δ*_μ‖max = ‖r0‖∞‖u‖∞/‖u‖2² ≥ ρ*_A (Cor D.6)
  S rho_sign_2;      // ρ̃_{s|2} = ‖Δ*_s‖2 = √‖u‖0 ‖r0‖2/‖u‖1 ≥ ρ*_μ (Cor D.6)
};

template <class S>
BudgetThresholds<S> budget_thresholds(const Vec<S>& u, const Vec<S>& r0) {
  using std::sqrt;
  const S l1 = spectral::norm_l1(u), l2sq = spectral::norm_l2_sq(u), linf = spectral::norm_linf(u);
  const S rinf = spectral::norm_linf(r0), r2 = spectral::norm_l2(r0);
  const S l0 = S(static_cast<long>(spectral::norm_l0(u)));
  return {rinf / l1, r2 / sqrt(l2sq), rinf * linf / l2sq, sqrt(l0) * r2 / l1};
}

/// Prop D.8 inflation factors: f1(u) = ‖u‖1‖u‖∞/‖u‖2² = ρ̃_{μ|max}/ρ*_A and f2(u) = √‖u‖0 ‖u‖2/‖u‖1 = ρ̃_{s|2}/ρ*_μ.
template <class S>
S inflation_f1(const Vec<S>& u) {
  return spectral::norm_l1(u) * spectral::norm_linf(u) / spectral::norm_l2_sq(u);
}
template <class S>
S inflation_f2(const Vec<S>& u) {
  using std::sqrt;
  return sqrt(S(static_cast<long>(spectral::norm_l0(u)))) * spectral::norm_l2(u) / spectral::norm_l1(u);
}

/// Prop D.8 old task (W0 x = y): L_old(W0 + B*_s A) = ½‖r0‖²⟨sign(u), Ax⟩²/‖u‖1².
template <class S>
S old_loss_signgd_closed(const Vec<S>& r0, const Vec<S>& u, const Vec<S>& ax) {
  const S d = spectral::sign(u).col(0).dot(ax), l1 = spectral::norm_l1(u);
  return spectral::norm_l2_sq(r0) * d * d / (S(2) * l1 * l1);
}
/// Prop D.8 old task (W0 x = y): L_old(W0 + B*_μ A) = ½‖r0‖²⟨u, Ax⟩²/‖u‖2⁴.
template <class S>
S old_loss_muon_closed(const Vec<S>& r0, const Vec<S>& u, const Vec<S>& ax) {
  const S d = u.dot(ax), l2sq = spectral::norm_l2_sq(u);
  return spectral::norm_l2_sq(r0) * d * d / (S(2) * l2sq * l2sq);
}

/// One row of the D.5/D.6 curves (doubles, for output; the solver columns are NaN unless requested).
struct BudgetCurveRow {
  double rho = 0;
  double e_max = 0;            // E_max(ρ), Prop D.5 closed form
  double e_2 = 0;              // E_2(ρ)
  double e_max_muon = 0;       // Muon's exact-fit correction scaled into the max-norm budget
  double e_2_sign = 0;         // SignGD's exact-fit correction scaled into the spectral budget
  double e_max_solver = 0;     // the box solver's value (NaN if not run)
  double e_2_solver = 0;       // the spectral-ball solver's value
  double gap_max = 0, gap_2 = 0;  // their duality gaps
};

struct BudgetCurves {
  std::vector<double> thresholds;  // rho_max, rho_2, rho_muon_max, rho_sign_2
  std::vector<BudgetCurveRow> rows;
  double half_r0_sq = 0;           // ½‖r0‖², the loss at ρ = 0
};

/// The curves on `grid` (each ρ ≥ 0) at `digits` (0: double). With `solve`, also runs the two solvers.
/// InputError on z = 0, r0 = 0, size mismatch, or a negative ρ.
BudgetCurves budget_curves(const std::vector<std::string>& z, const std::vector<std::string>& r0,
                           const std::vector<double>& grid, unsigned digits, bool solve);

/// The ρ grid: `points` values in [0, factor·max(thresholds)] plus the four thresholds themselves, sorted.
std::vector<double> budget_grid(const std::vector<double>& thresholds, int points, double factor);

/// Everything `muonlab lora` reports for one adapter u = A z (Prop D.8).
struct LoraReport {
  long r = 0, support = 0;                  // rank r and ‖u‖0
  std::vector<double> u;
  std::vector<double> thresholds;           // as BudgetThresholds with u
  double f1 = 0, f2 = 0;                    // inflation factors
  double sqrt_support = 0, sqrt_r = 0;      // the paper's bounds
  double f1_sharp = 0;                      // (1 + √‖u‖0)/2, the sharp bound of f1 (sharpness.hpp)
  bool b_equal = false;                     // B*_s = B*_μ (always when r = 1; when |u_j| is constant on the support)
};

/// The report for u = A z, r0 given (doubles; computed at `digits` of MPFR and rounded).
LoraReport lora_report(const Mat<double>& a, const Vec<double>& z, const Vec<double>& r0, unsigned digits);

/// One row of the inflation scan: f1 and f2 of u = A z for random Gaussian A (r×n) and z, mean and max over the
/// trials, beside their suprema over ‖u‖0 = r (sharpness.hpp).
struct InflationScanRow {
  long r = 0;
  double f1_mean = 0, f1_max = 0, f1_sup = 0;
  double f2_mean = 0, f2_max = 0, f2_sup = 0;
};

/// The scan for r = 1..r_max (r_max ≤ n; InputError otherwise): `trials` random A, z, r0 (length m) per r, drawn
/// from (seed, r·100000 + trial).
std::vector<InflationScanRow> inflation_scan(long m, long n, long r_max, int trials, std::uint64_t seed);

/// k samples (the open question of §2): runs `optimizer` (a solvers::make_optimizer spec, e.g. "signgd",
/// "muon-ideal") in double on min ½‖(W − W0)X − R0‖² with η_t = η0/(t+1), and compares the correction
/// Δ_T = W_T − W0 with the min max-norm / min spectral-norm / min Frobenius interpolants of Δ X = R0
/// (ksample.hpp: the same references and verdict as `muonlab bias --samples K`).
struct KSampleComparison {
  std::string optimizer;
  long m = 0, n = 0, k = 0, steps = 0;
  double residual = 0;          // ‖Δ_T X − R0‖max / ‖R0‖max
  double norm_max = 0, min_norm_max = 0;     // ‖Δ_T‖max and min{‖Δ‖max : ΔX = R0} (exact LP)
  double norm_2 = 0, min_norm_2 = 0;         // ‖Δ_T‖2 and min{‖Δ‖2 : ΔX = R0}
  double dist_frobenius = 0;   // ‖Δ_T − Δ_F‖F / ‖Δ_F‖F
  std::vector<std::string> converged_to;     // "max", "2", "F" within the relative tolerance (ksample.hpp)
  std::vector<std::string> norm_optimal;     // norms whose minimum Δ_T attains (to the tolerance)
  std::string verdict;                       // as `muonlab bias` words it
};
KSampleComparison compare_ksample_limit(const std::string& optimizer, long m, long n, long k, long steps,
                                        std::uint64_t seed, double tol = 1e-2);

}  // namespace muonlab::theory
