#include "theory/closed_forms.hpp"

#include <Eigen/LU>

namespace muonlab::theory {

template <class S>
Mat<S> w_star_frobenius(const Mat<S>& w0, const Mat<S>& x, const Mat<S>& r0) {
  if (x.cols() != r0.cols() || w0.cols() != x.rows() || w0.rows() != r0.rows())
    throw InputError("w_star_frobenius: shapes do not agree");
  // Min-Frobenius correction Δ with Δ X = R0: Δ = R0 X⁺ = R0 (XᵀX)⁻¹ Xᵀ when X has full column rank (its rows
  // then lie in the row space of Xᵀ, and any other solution adds N with N X = 0, orthogonal to it).
  const Mat<S> gram = x.transpose() * x;
  Eigen::FullPivLU<Mat<S>> lu(gram);
  if constexpr (ScalarTraits<S>::is_exact) {
    lu.setThreshold(S(0));
  } else {
    // Rank decided relative to the largest pivot at the working precision (Gram matrices square the condition
    // number, so this only rejects samples that are dependent to working accuracy).
    lu.setThreshold(S(64) * S(static_cast<long>(gram.rows())) * ScalarTraits<S>::epsilon());
  }
  if (lu.rank() < gram.rows())
    throw InputError("the samples are linearly dependent (rank " + std::to_string(lu.rank()) + " < " +
                     std::to_string(gram.rows()) + "): W X = Y need not have a solution");
  const Mat<S> coef = lu.solve(Mat<S>(x.transpose()));  // (XᵀX)⁻¹ Xᵀ
  return w0 + r0 * coef;
}

template Mat<double> w_star_frobenius<double>(const Mat<double>&, const Mat<double>&, const Mat<double>&);
template Mat<Real> w_star_frobenius<Real>(const Mat<Real>&, const Mat<Real>&, const Mat<Real>&);
template Mat<Rational> w_star_frobenius<Rational>(const Mat<Rational>&, const Mat<Rational>&, const Mat<Rational>&);

}  // namespace muonlab::theory
