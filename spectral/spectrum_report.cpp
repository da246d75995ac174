#include "spectral/spectrum_report.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/polar.hpp"
#include "spectral/spectral_metrics.hpp"

namespace muonlab::spectral {
namespace {

template <class S>
SpectrumReport make_report(const Mat<S>& g, const SpectrumOptions& opt) {
  if (g.size() == 0) throw InputError("spectrum: the matrix is empty");
  if (!all_finite(g)) throw InputError("spectrum: the matrix has NaN or Inf entries");
  if (!(opt.entropy_offset >= 0)) throw InputError("spectrum: the entropy offset must be >= 0");
  SpectrumReport r;
  const unsigned digits = ScalarTraits<S>::digits();
  auto str = [&](const S& x) { return to_string(x, std::is_same_v<S, double> ? 17u : digits); };
  r.rows = static_cast<long>(g.rows());
  r.cols = static_cast<long>(g.cols());
  r.scalar = ScalarTraits<S>::name;
  r.digits = digits;
  const Vec<S> s = singular_values(g);
  std::vector<S> sv(s.data(), s.data() + s.size());
  S nuclear(0);
  for (const S& x : sv) {
    r.singular_values.push_back(str(x));
    nuclear += x;
  }
  r.rank = static_cast<long>(numerical_rank(s, g.rows(), g.cols()));
  r.norm_max = str(norm_max(g));
  r.norm_spectral = str(s(0));
  r.norm_frobenius = str(norm_frobenius(g));
  r.norm_nuclear = str(nuclear);
  const S offset(opt.entropy_offset);
  if (s(0) == S(0) && opt.entropy_offset == 0) {
    r.note = "zero matrix: stable rank and SVD entropy are undefined (use --entropy-offset 1e-12 for the "
             "paper's convention)";
  } else {
    r.stable_rank = str(stable_rank(sv, offset));
    r.svd_entropy = str(svd_entropy(sv, offset));
  }
  if (opt.polar) {
    const Polar<S> p = polar(g);
    r.has_polar = true;
    r.rank_one_path = p.rank_one_path;
    for (Eigen::Index i = 0; i < p.Q.rows(); ++i) {
      std::vector<std::string> row;
      for (Eigen::Index j = 0; j < p.Q.cols(); ++j) row.push_back(str(p.Q(i, j)));
      r.polar.push_back(row);
    }
    const Mat<S>& q = p.Q;
    S err;
    if (p.rank == std::min(g.rows(), g.cols()) && p.rank > 0) {
      err = g.rows() >= g.cols() ? norm_max(Mat<S>(q.transpose() * q - Mat<S>::Identity(q.cols(), q.cols())))
                                 : norm_max(Mat<S>(q * q.transpose() - Mat<S>::Identity(q.rows(), q.rows())));
    } else {
      err = norm_max(Mat<S>(q * q.transpose() * q - q));
    }
    r.orthogonality_error = to_string(err, 6);
  }
  return r;
}

}  // namespace

template <>
SpectrumReport spectrum_report<double>(const Mat<double>& g, const SpectrumOptions& opt) {
  return make_report<double>(g, opt);
}
template <>
SpectrumReport spectrum_report<Real>(const Mat<Real>& g, const SpectrumOptions& opt) {
  return make_report<Real>(g, opt);
}

}  // namespace muonlab::spectral
