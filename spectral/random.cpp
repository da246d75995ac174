#include "spectral/random.hpp"

#include <Eigen/QR>

namespace muonlab::spectral {
namespace {
template <class S>
Mat<S> haar_orthogonal(Rng& rng, Eigen::Index n) {
  Mat<S> g = random_gaussian<S>(rng, n, n);
  Eigen::HouseholderQR<Mat<S>> qr(g);
  Mat<S> q = qr.householderQ();
  // Fixing the signs of R's diagonal makes the distribution Haar (Mezzadri 2007).
  const Mat<S> r = qr.matrixQR().template triangularView<Eigen::Upper>();
  for (Eigen::Index j = 0; j < n; ++j)
    if (r(j, j) < S(0)) q.col(j) = -q.col(j);
  return q;
}
}  // namespace

template <>
Mat<double> random_orthogonal<double>(Rng& rng, Eigen::Index n) {
  return haar_orthogonal<double>(rng, n);
}
template <>
Mat<Real> random_orthogonal<Real>(Rng& rng, Eigen::Index n) {
  return haar_orthogonal<Real>(rng, n);
}

}  // namespace muonlab::spectral
