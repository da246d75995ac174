// The polar factor ortho(G) = U Vᵀ of the compact SVD (REFERENCE §1), the map idealized Muon applies.
#pragma once

#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace muonlab::spectral {

/// Singular values at or below this are treated as zero when forming ortho(G).
/// Why this value: a backward-stable SVD returns σ̂_i = σ_i(G + E) with ‖E‖2 ≲ max(m,n)·ε·‖G‖2, so by Weyl's
/// inequality an exactly-zero σ_i comes out at most ~max(m,n)·ε·σ_1; the factor 8 covers the constant of the
/// Jacobi/gesdd error bounds. Genuine singular values below this are not resolvable at this precision anyway.
template <class S>
S rank_threshold(const S& sigma_max, Eigen::Index m, Eigen::Index n) {
  return S(8) * S(static_cast<long>(std::max(m, n))) * ScalarTraits<S>::epsilon() * sigma_max;
}

/// Numerical rank of singular values `s` (descending) of an m×n matrix.
template <class S>
Eigen::Index numerical_rank(const Vec<S>& s, Eigen::Index m, Eigen::Index n) {
  if (s.size() == 0) return 0;
  const S tol = rank_threshold(s(0), m, n);
  Eigen::Index r = 0;
  while (r < s.size() && s(r) > tol) ++r;
  return r;
}

/// ortho(u vᵀ) = (u/‖u‖)(v/‖v‖)ᵀ; zero if u or v is zero.
template <class S>
Mat<S> ortho_rank_one(const Vec<S>& u, const Vec<S>& v) {
  const S nu = norm_l2(u), nv = norm_l2(v);
  if (nu == S(0) || nv == S(0)) return Mat<S>::Zero(u.size(), v.size());
  return (u / nu) * (v / nv).transpose();
}

/// If G is rank one to working precision, writes G = u vᵀ and returns true. O(mn): G = c wᵀ with c the largest
/// column and w = Gᵀc/‖c‖²; accepted when ‖G − c wᵀ‖F ≤ threshold·‖G‖F, i.e. the rest is rounding noise.
template <class S>
bool split_rank_one(const Mat<S>& g, Vec<S>& u, Vec<S>& v) {
  Eigen::Index jmax = 0;
  S best(-1);
  for (Eigen::Index j = 0; j < g.cols(); ++j) {
    S c = norm_frobenius_sq(g.col(j));
    if (c > best) best = c, jmax = j;
  }
  if (best <= S(0)) return false;
  u = g.col(jmax);
  v = g.transpose() * u / best;
  const S resid = norm_frobenius_sq(Mat<S>(g - u * v.transpose()));
  const S tol = rank_threshold(S(1), g.rows(), g.cols());
  return resid <= tol * tol * norm_frobenius_sq(g);
}

/// Result of ortho with diagnostics.
template <class S>
struct Polar {
  Mat<S> Q;               // ortho(G) = U_r V_rᵀ
  Eigen::Index rank = 0;  // r, the numerical rank used
  bool rank_one_path = false;
};

/// The polar factor of the compact SVD: ortho(G) = U_r V_rᵀ over the singular values above rank_threshold;
/// ortho(0) = 0. A rank-one G takes the O(mn) path. Throws InputError on NaN/Inf.
template <class S>
Polar<S> polar(const Mat<S>& g, bool allow_rank_one_path = true) {
  Polar<S> out;
  if (!all_finite(g)) throw InputError("ortho: matrix has NaN or Inf entries");
  if (g.size() == 0 || norm_max(g) == S(0)) {
    out.Q = Mat<S>::Zero(g.rows(), g.cols());
    return out;
  }
  if constexpr (std::is_floating_point_v<S>) {
    // ortho(cG) = ortho(G): rescale by a power of two (exact) so that the squares in split_rank_one and the SVD's
    // singular values stay inside the range of S (entries near 1e±300 in double; issue 13).
    const int e = std::ilogb(norm_max(g)) + 1;
    if (e > 64 || e < -64) return polar(Mat<S>(g.unaryExpr([e](S x) { return std::ldexp(x, -e); })), allow_rank_one_path);
  }
  Vec<S> u, v;
  if (allow_rank_one_path && split_rank_one(g, u, v)) {
    out.Q = ortho_rank_one(u, v);
    out.rank = 1;
    out.rank_one_path = true;
    return out;
  }
  const Svd<S> d = svd(g);
  out.rank = numerical_rank(d.s, g.rows(), g.cols());
  out.Q = d.U.leftCols(out.rank) * d.V.leftCols(out.rank).transpose();
  return out;
}

/// ortho(G) = U_r V_rᵀ (see polar()).
template <class S>
Mat<S> ortho(const Mat<S>& g) {
  return polar(g).Q;
}

}  // namespace muonlab::spectral
