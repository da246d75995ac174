// Claims about the foundation layer itself: the polar factor that idealized Muon applies.
#include "spectral/spectral.hpp"
#include "theory/registry.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>

namespace muonlab::theory {
namespace {

using spectral::Rng;

/// ortho(G) = U_r V_rᵀ is the unique polar factor: Q Qᵀ Q = Q, H = QᵀG symmetric positive semidefinite with
/// H² = GᵀG and Q H = G, and ortho(P G R) = P ortho(G) R for orthogonal P, R.
class PolarFactorClaim : public Claim {
public:
  std::string id() const override { return "polar-factor"; }
  std::string statement() const override {
    return "ortho(G) = U_r V_r^T is the polar factor: a partial isometry Q with Q^T G symmetric PSD, "
           "(Q^T G)^2 = G^T G, Q Q^T G = G, and ortho(P G R) = P ortho(G) R for orthogonal P, R "
           "(random full-rank and rank-deficient G)";
  }
  int default_trials() const override { return 6; }

  Measurement measure(const ClaimSettings& s) const override {
    Measurement m;
    m.unit = "worst of the polar checks (relative)";
    for (int t = 0; t < s.trials; ++t) {
      Rng rng(s.seed, static_cast<std::uint64_t>(t));
      const Eigen::Index rows = rng.integer(1, 8), cols = rng.integer(1, 8);
      const Eigen::Index k = (t % 2 == 0) ? std::min(rows, cols) : rng.integer(1, std::min(rows, cols));
      const MatR g = spectral::random_rank_k<Real>(rng, rows, cols, k);
      const spectral::Polar<Real> p = spectral::polar(g);
      const MatR& q = p.Q;
      const Vec<Real> sv = spectral::singular_values(g);
      const Real gnorm = sv(0);
      // Why this tolerance: every check is a product of O(1) factors computed with backward error
      // ~max(m,n)·u, and the polar factor's condition number is σ_1/σ_r (Higham, Functions of Matrices §8.1);
      // rounding::kSvd covers the constants of the SVD and of the products.
      const Real kappa = gnorm / sv(p.rank - 1);
      const Real tol = s.precision.tolerance(static_cast<double>(std::max(rows, cols)), spectral::rounding::kSvd) * kappa;
      const MatR h = q.transpose() * g;
      Real err = spectral::norm_max(MatR(q * q.transpose() * q - q));
      err = std::max(err, Real(spectral::norm_max(MatR(h - h.transpose())) / gnorm));
      err = std::max(err, Real(spectral::norm_max(MatR(h * h - g.transpose() * g)) / (gnorm * gnorm)));
      err = std::max(err, Real(spectral::norm_max(MatR(q * h - g)) / gnorm));
      // PSD: the LDLᵀ pivots of H (shifted by the tolerance) are non-negative.
      const MatR hs = (h + h.transpose()) / Real(2) + tol * gnorm * MatR::Identity(cols, cols);
      Eigen::LDLT<MatR> ldlt(hs);
      const Real dmin = ldlt.vectorD().minCoeff();
      if (dmin < Real(0)) err = std::max(err, Real(-dmin / gnorm));
      const MatR pm = spectral::random_orthogonal<Real>(rng, rows), rm = spectral::random_orthogonal<Real>(rng, cols);
      const MatR q2 = spectral::ortho(MatR(pm * g * rm));
      err = std::max(err, Real(spectral::norm_max(MatR(q2 - pm * q * rm))));
      m.record(err, tol,
               "seed " + std::to_string(s.seed) + " trial " + std::to_string(t) + ": " + std::to_string(rows) +
                   "x" + std::to_string(cols) + " of rank " + std::to_string(k));
    }
    return m;
  }
};

}  // namespace

void add_foundation_claims(ClaimList& out) { out.push_back(std::make_unique<PolarFactorClaim>()); }

}  // namespace muonlab::theory
