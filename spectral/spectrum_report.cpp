#include "spectral/spectrum_report.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/polar.hpp"
#include "spectral/spectral_metrics.hpp"
#include "spectral/svd.hpp"

#include <cmath>
#include <limits>

namespace muonlab::spectral {
namespace {

/// The singular values as the report needs them: σ_i = s_i·2^exponent (exponent 0 in MPFR, whose exponent range
/// holds every σ of a parsed matrix; in double the exactly rescaled copy, spectral/svd.hpp).
template <class S>
struct Sigma {
  Vec<S> s;
  int exponent = 0;
};
Sigma<double> sigma_of(const Mat<double>& g) {
  ScaledSingularValues sc = singular_values_scaled(g);
  return {std::move(sc.s), sc.exponent};
}
Sigma<Real> sigma_of(const Mat<Real>& g) { return {singular_values(g), 0}; }

/// x·2^e as a decimal string with the report's digits. In double a value outside the normal range (σ_1 > DBL_MAX for
/// entries near 1e308, or below DBL_MIN) is formatted through MPFR, which represents it exactly.
std::string scaled_string(double x, int e) {
  const double v = std::ldexp(x, e);
  if (x == 0 || (std::isfinite(v) && std::fabs(v) >= std::numeric_limits<double>::min())) return to_string(v, 17);
  PrecisionScope scope(20);  // 17 significant digits need 57 bits; 20 digits carry 70
  return to_string(Real(ldexp(Real(x), e)), 17);
}
std::string scaled_string(const Real& x, int e) { return to_string(Real(ldexp(x, e)), real_digits()); }

/// Whether σ_1 = s_1·2^e is below the normal range of the scalar type (never in MPFR).
bool subnormal(double s1, int e) { return s1 > 0 && std::ilogb(s1) + e < std::numeric_limits<double>::min_exponent - 1; }
bool subnormal(const Real&, int) { return false; }

template <class S>
SpectrumReport make_report(const Mat<S>& g, const SpectrumOptions& opt) {
  using std::sqrt;
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
  // Everything below is computed from s = σ/2^e, whose largest entry is O(1) whatever the scale of G: the norms
  // are scaled back only for printing, and the statistics are ratios (spectral_metrics.hpp), so G and 2^k·G give the
  // same stable rank and entropy wherever both are representable (issue 13).
  const Sigma<S> sg = sigma_of(g);
  const Vec<S>& s = sg.s;
  std::vector<S> sv(s.data(), s.data() + s.size());
  S nuclear(0), frob_sq(0);
  for (const S& x : sv) {
    r.singular_values.push_back(scaled_string(x, sg.exponent));
    nuclear += x;
    frob_sq += x * x;
  }
  r.rank = static_cast<long>(numerical_rank(s, g.rows(), g.cols()));
  r.norm_max = str(norm_max(g));
  r.norm_spectral = scaled_string(s(0), sg.exponent);
  r.norm_frobenius = scaled_string(S(sqrt(frob_sq)), sg.exponent);
  r.norm_nuclear = scaled_string(nuclear, sg.exponent);
  // The paper's offset is added to σ² in G's own scale: in the rescaled domain it is offset·2^(−2e).
  const S offset = opt.entropy_offset == 0 ? S(0) : S(std::ldexp(opt.entropy_offset, -2 * sg.exponent));
  if (s(0) == S(0) && opt.entropy_offset == 0) {
    r.note = "zero matrix: stable rank and SVD entropy are undefined (use --entropy-offset 1e-12 for the "
             "paper's convention)";
  } else if (subnormal(s(0), sg.exponent)) {
    r.note = "the largest singular value " + r.norm_spectral + " is subnormal in double precision: the entries carry "
             "fewer than 53 significant bits, so stable rank and SVD entropy are undefined here (--digits N computes "
             "them in MPFR, whose exponent range holds this matrix)";
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
