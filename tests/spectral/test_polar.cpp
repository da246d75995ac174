// Polar factor ortho(G) at 100 digits and in double.
#include "spectral/spectral.hpp"

#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>

using namespace muonlab;
using namespace muonlab::spectral;

namespace {
// (GᵀG)^½ by the symmetric eigendecomposition, an independent route to the polar decomposition G = Q (GᵀG)^½.
MatR sqrt_gram(const MatR& g) {
  Eigen::SelfAdjointEigenSolver<MatR> es(MatR(g.transpose() * g));
  VecR d = es.eigenvalues();
  for (Eigen::Index i = 0; i < d.size(); ++i) d(i) = d(i) > 0 ? Real(sqrt(d(i))) : Real(0);
  return es.eigenvectors() * d.asDiagonal() * es.eigenvectors().transpose();
}
}  // namespace

TEST_CASE("ortho at 100 digits: Q^T Q = I on the range, G = Q (G^T G)^1/2, equivariance", "[polar][mpfr]") {
  PrecisionScope scope(100);
  struct Shape { Eigen::Index m, n, k; };
  // square/tall/wide, full rank and rank-deficient
  const Shape shapes[] = {{5, 5, 5}, {7, 4, 4}, {3, 6, 3}, {6, 6, 3}, {8, 5, 2}, {4, 7, 1}};
  std::uint64_t stream = 0;
  for (const Shape& sh : shapes) {
    Rng rng(42, stream++);
    const MatR g = random_rank_k<Real>(rng, sh.m, sh.n, sh.k);
    const Polar<Real> p = polar(g);
    INFO("shape " << sh.m << "x" << sh.n << " rank " << sh.k);
    REQUIRE(p.rank == sh.k);
    // On the range: Qᵀ Q is the orthogonal projector onto range(Gᵀ), so Qᵀ Q Gᵀ = Gᵀ and (QᵀQ)² = QᵀQ.
    // 1e-95 at 100 digits leaves 5 digits for the O(n)·κ growth of these well-conditioned random instances.
    const MatR qtq = p.Q.transpose() * p.Q;
    CHECK(norm_max(MatR(qtq * qtq - qtq)) < Real("1e-95"));
    CHECK(norm_max(MatR(qtq * g.transpose() - g.transpose())) / norm_max(g) < Real("1e-95"));
    // Its trace is the rank: QᵀQ is the identity on a k-dimensional range.
    CHECK(abs(qtq.trace() - Real(static_cast<long>(sh.k))) < Real("1e-95"));
    // G = Q (GᵀG)^½.
    CHECK(norm_max(MatR(p.Q * sqrt_gram(g) - g)) / norm_max(g) < Real("1e-90"));
    // Equivariance under orthogonal P, R.
    const MatR pm = random_orthogonal<Real>(rng, sh.m), rm = random_orthogonal<Real>(rng, sh.n);
    CHECK(norm_max(MatR(ortho(MatR(pm * g * rm)) - pm * p.Q * rm)) < Real("1e-95"));
  }
}

TEST_CASE("ortho of zero is zero; rank-one fast path matches the SVD path", "[polar]") {
  CHECK(ortho(MatD(MatD::Zero(3, 4))).isZero(0.0));
  PrecisionScope scope(60);
  Rng rng(7);
  const VecR u = random_gaussian<Real>(rng, 5, 1), v = random_gaussian<Real>(rng, 3, 1);
  const MatR g = u * v.transpose();
  const Polar<Real> fast = polar(g, true), slow = polar(g, false);
  CHECK(fast.rank_one_path);
  CHECK_FALSE(slow.rank_one_path);
  CHECK(slow.rank == 1);
  CHECK(norm_max(MatR(fast.Q - slow.Q)) < Real("1e-55"));
  CHECK(norm_max(MatR(fast.Q - ortho_rank_one(u, v))) < Real("1e-58"));
}

TEST_CASE("ortho in double: orthogonal columns for a tall full-rank matrix", "[polar][double]") {
  Rng rng(3);
  const MatD g = random_gaussian<double>(rng, 40, 25);
  const MatD q = ortho(g);
  // gesdd is backward stable: ‖QᵀQ − I‖ ~ n·ε ≈ 1e-14.
  CHECK((q.transpose() * q - MatD::Identity(25, 25)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("ortho rejects NaN", "[polar]") {
  MatD g = MatD::Ones(2, 2);
  g(0, 1) = std::nan("");
  CHECK_THROWS_AS(ortho(g), InputError);
}
