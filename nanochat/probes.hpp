// Spectral probes of the hidden matrices (Q, K, V, attention out, MLP up and down of every block): stable rank,
// SVD entropy (REFERENCE §1, via the std-only spectral/spectral_metrics.hpp), max and spectral norms; and the
// comparison of two trained runs behind `muonlab spectrum --compare` (Figure 2 right, Figure 10: Muon-pretrained
// weights have higher stable rank and SVD entropy than Adam-pretrained ones).
#pragma once

#include "nanochat/model.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace muonlab::nanochat {

struct MatrixProbe {
  std::string name, kind;
  int layer = 0;
  std::int64_t rows = 0, cols = 0;
  // Stable rank and entropy are undefined for a zero matrix (the zero-initialised output projections at step 0).
  std::optional<double> stable_rank, svd_entropy;
  double norm_max = 0, norm_spectral = 0;
};

/// The singular values of a matrix, descending, as a float64 CPU tensor: the square roots of the eigenvalues of the
/// smaller Gram matrix (W Wᵀ or Wᵀ W, formed in float64 on W's device, eigenvalues by LAPACK). Far cheaper than an
/// SVD for the wide MLP matrices (a GEMM and a symmetric eigensolve of min(m, n)² instead of a bidiagonalization of
/// m×n). Accuracy: eigenvalues are exact to ~1e-16·σ₁², so σ_i is exact to 1e-16·σ₁²/(2σ_i) (σ₁ and the Frobenius
/// norm to working precision; a zero σ_i reads as ≤ 1e-8·σ₁) — what stable rank and SVD entropy need.
torch::Tensor singular_values(const torch::Tensor& w);

/// Probes every hidden matrix (singular values in float64 on the CPU). `offset` is the paper code's 1e-12 option.
std::vector<MatrixProbe> probe_model(GPT& model, double offset = 0);

/// CSV: "step,name,kind,layer,rows,cols,stable_rank,svd_entropy,norm_max,norm_spectral" (empty = undefined).
std::string probes_csv_header();
std::string probes_csv_rows(std::int64_t step, const std::vector<MatrixProbe>& probes);

nlohmann::json to_json(const MatrixProbe& p);

/// `spectrum --checkpoint FILE`: the probes of one saved model (file or run directory).
struct CheckpointSpectrum {
  std::string path;
  nlohmann::json config;
  std::int64_t step = -1;
  std::vector<MatrixProbe> probes;
};
CheckpointSpectrum checkpoint_spectrum(const std::string& path, double offset = 0);
nlohmann::json to_json(const CheckpointSpectrum& s);
std::string format_table(const CheckpointSpectrum& s);

/// `spectrum --compare RUN_A RUN_B`: per kind (Q, K, V, O, MLP_up, MLP_down) the mean over layers of stable rank
/// and SVD entropy in each run, and the check of Figure 2 right / Figure 10 when one run is Muon-pretrained and the
/// other Adam-pretrained: the Muon run has the higher mean stable rank and the higher mean SVD entropy over the
/// Q, K, V matrices ("holds" or "violated"); otherwise "not applicable".
struct KindComparison {
  std::string kind;
  double stable_rank_a = 0, stable_rank_b = 0, entropy_a = 0, entropy_b = 0;
};
struct RunComparison {
  CheckpointSpectrum a, b;
  std::string optimizer_a, optimizer_b;
  std::vector<KindComparison> kinds;
  double qkv_stable_rank_a = 0, qkv_stable_rank_b = 0, qkv_entropy_a = 0, qkv_entropy_b = 0;
  std::string statement, verdict;  // verdict: holds | violated | not applicable
};
RunComparison compare_runs(const std::string& run_a, const std::string& run_b, double offset = 0);
nlohmann::json to_json(const RunComparison& c);
std::string format_table(const RunComparison& c);

}  // namespace muonlab::nanochat
