// Separable multiclass classification with cross-entropy (REFERENCE §7; issue 19): the setting of the max-margin
// implicit-bias results (Fan, Schmidt, Thrampoulidis, arXiv 2502.04664; mini-batch: Li, Tang, Zou, arXiv 2602.11557).
//
//     L(W) = (1/N) Σ_i ℓ_i(W),  ℓ_i(W) = log Σ_k exp((W x_i)_k) − (W x_i)_{c_i},   ∇ℓ_i = (softmax(W x_i) − e_{c_i}) x_iᵀ
//
// W is K×n (classes × features, PyTorch layout), x_i the columns of X (n×N), c_i ∈ {0, …, K−1}. The runner steps an
// optimizer of solvers/ on full-batch or mini-batch gradients and records the normalized margin γ(W)/‖W‖ in the
// max, spectral and Frobenius norms (solvers/margin.hpp for γ). Needs exp and log: double and Real.
#pragma once

#include "solvers/optimizer.hpp"
#include "toy/problem.hpp"
#include "toy/runner.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace muonlab::toy {

template <class S>
struct Classification {
  Mat<S> x;                 // n×N, one sample per column
  std::vector<int> labels;  // N labels in [0, classes)
  int classes = 0;

  Eigen::Index n() const { return x.rows(); }
  Eigen::Index samples() const { return x.cols(); }
  /// Shapes, labels in range, finite data, every class used (InputError otherwise).
  void validate() const;
  /// Mean cross-entropy over all samples (log-sum-exp with the largest logit factored out).
  S loss(const Mat<S>& w) const;
  /// Mean gradient over the samples in `batch` (all samples when empty) into g (K×n).
  void gradient(const Mat<S>& w, Mat<S>& g, const std::vector<Eigen::Index>& batch = {}) const;
  /// γ(W) = min_i min_{k≠c_i} (W x_i)_{c_i} − (W x_i)_k.
  S margin(const Mat<S>& w) const;
};

/// Random separable instances: a random "teacher" W_T labels random inputs by argmax W_T x; a draw is kept only
/// when its teacher margin is at least `min_gap`·‖x‖ (so the instance is not nearly degenerate) and every class
/// occurs. Gaussian inputs are drawn in double (the same instance at every precision); integer inputs are
/// non-zero integers in [−3, 3] (exact in rationals).
struct ClassificationSpec {
  int classes = 3;
  Eigen::Index n = 4, samples = 8;
  Entries entries = Entries::gaussian;
  double min_gap = 0.05;
  std::uint64_t seed = 1, stream = 0;
  /// 2 ≤ classes ≤ 64, 1 ≤ n ≤ 4096, classes ≤ samples ≤ 4096, 0 ≤ min_gap < 1 (InputError otherwise).
  void validate() const;
};

template <class S>
Classification<S> make_classification(const ClassificationSpec& spec);

/// Reads [x] (one sample per row: N rows of n entries, decimals or p/q) and [labels] (N integers, one per row or
/// all on one row, in 0..K−1; K = the largest label + 1, at least 2). InputError with the section on anything
/// malformed.
template <class S>
Classification<S> read_classification_file(const std::string& path);

/// This project's batch-size-one counterexample (README, claim margin-batch1): three points in R², two classes,
///   x1 = (3, 1) → class 0,   x2 = (1, 3) → class 1,   x3 = (10, 1) → class 0,
/// separable (W = [1 −1; −1 1]/2 has margin 2), while the per-sample SignSGD and Muon directions sum to
/// classifiers that put x2 in class 0.
template <class S>
Classification<S> batch_one_counterexample();

/// How the runner picks the samples of each step.
struct BatchSpec {
  enum class Order { full, cyclic, random };
  Order order = Order::full;
  Eigen::Index size = 0;  // samples per step (ignored for full)
  std::uint64_t seed = 1;
  /// "full", "cyclic:B" or "random:B" (B ≥ 1). InputError otherwise.
  static BatchSpec parse(const std::string& text);
  std::string name() const;
};

/// One recorded state of a classification run. The normalized margins are γ(W)/‖W‖ (NaN at W = 0).
struct MarginRow {
  long step = 0;
  double lr = 0, loss = 0, margin = 0;
  double norm_max = 0, norm_2 = 0, norm_f = 0;
  double nmargin_max = 0, nmargin_2 = 0, nmargin_f = 0;
};

template <class S>
struct ClassificationRun {
  std::vector<MarginRow> rows;
  Mat<S> final_w;
  long steps_done = 0;
  bool diverged = false;  // W or the loss became non-finite; the run stopped there
};

/// Steps `opt` from W0 (K×n; zero when empty) for `options.steps` steps with step sizes lr(t) on the gradients of
/// the batches `batch` selects; rows at the log-spaced steps of record_steps. `normalize_frobenius` divides each
/// gradient by its Frobenius norm first (with opt = GD this is normalized GD, steepest descent for ‖·‖F).
template <class S>
ClassificationRun<S> run_classification(const Classification<S>& problem, solvers::Optimizer<S>& opt,
                                        const StepSize<S>& lr, const BatchSpec& batch, const RunOptions& options,
                                        const Mat<S>& w0 = Mat<S>(), bool normalize_frobenius = false);

/// The run as CSV: step,lr,loss,margin,norm_max,norm_2,norm_F,nmargin_max,nmargin_2,nmargin_F.
std::string margin_csv(const std::vector<MarginRow>& rows);

extern template struct Classification<double>;
extern template struct Classification<Real>;
extern template Classification<double> make_classification<double>(const ClassificationSpec&);
extern template Classification<Real> make_classification<Real>(const ClassificationSpec&);
extern template Classification<double> read_classification_file<double>(const std::string&);
extern template Classification<Real> read_classification_file<Real>(const std::string&);
extern template Classification<double> batch_one_counterexample<double>();
extern template Classification<Real> batch_one_counterexample<Real>();
extern template ClassificationRun<double> run_classification<double>(const Classification<double>&,
                                                                     solvers::Optimizer<double>&,
                                                                     const StepSize<double>&, const BatchSpec&,
                                                                     const RunOptions&, const Mat<double>&, bool);
extern template ClassificationRun<Real> run_classification<Real>(const Classification<Real>&,
                                                                 solvers::Optimizer<Real>&, const StepSize<Real>&,
                                                                 const BatchSpec&, const RunOptions&,
                                                                 const Mat<Real>&, bool);

}  // namespace muonlab::toy
