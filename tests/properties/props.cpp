// The shared machinery of the property tests (props.hpp). The Real instantiations of the case builders live here,
// once, because multiprecision Eigen products are slow to compile.
#include "tests/properties/props.hpp"

#include <algorithm>
#include <cmath>

namespace muonlab::props {

// The nominal counts in the test files (15–60 cases per property, fewer at 50 digits) ran the whole suite in
// 0.95 s at Release on the loaded 2-core CI machine; ×5 keeps it at a few seconds, far inside the ≲ 60 s budget.
// Kept here, in one non-header place, so retuning recompiles one file.
int case_multiplier() { return 5; }

const char* kind_name(ShapeKind k) {
  switch (k) {
    case ShapeKind::square: return "square";
    case ShapeKind::tall: return "tall";
    case ShapeKind::wide: return "wide";
    case ShapeKind::row: return "row";
    case ShapeKind::column: return "column";
    case ShapeKind::rank_deficient: return "rank-deficient";
    case ShapeKind::zero: return "zero";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << "Case{" << kind_name(c.kind) << " " << c.m << "x" << c.n << " rank " << c.rank << " seed " << c.seed
            << " scale 1e" << c.scale_exp << "}";
}

namespace {
// 0, 1, −1, 2, −2, ...: an index that shrinks to 0 maps to an exponent that shrinks to 0.
int zigzag(int k) { return k % 2 ? (k + 1) / 2 : -(k / 2); }
}  // namespace

Case pick_case(int max_dim, int max_exp, std::vector<ShapeKind> kinds) {
  if (kinds.empty())
    kinds = {ShapeKind::square, ShapeKind::tall, ShapeKind::wide, ShapeKind::row,
             ShapeKind::column, ShapeKind::rank_deficient, ShapeKind::zero};
  Case c;
  c.kind = *rc::gen::elementOf(kinds);
  const int d = *rc::gen::inRange(1, max_dim + 1);
  const int e = *rc::gen::inRange(1, max_dim + 1);
  switch (c.kind) {
    case ShapeKind::square: c.m = c.n = d; break;
    case ShapeKind::tall: c.n = d, c.m = d + e; break;
    case ShapeKind::wide: c.m = d, c.n = d + e; break;
    case ShapeKind::row: c.m = 1, c.n = 1 + e; break;
    case ShapeKind::column: c.m = 1 + e, c.n = 1; break;
    case ShapeKind::rank_deficient: c.m = d + 1, c.n = e + 1; break;
    case ShapeKind::zero: c.m = d, c.n = e; break;
  }
  c.rank = std::min(c.m, c.n);
  if (c.kind == ShapeKind::rank_deficient) c.rank = *rc::gen::inRange(1, std::min(c.m, c.n));
  if (c.kind == ShapeKind::zero) c.rank = 0;
  c.seed = *rc::gen::inRange<std::uint64_t>(0, 1000000);
  c.scale_exp = max_exp > 0 ? zigzag(*rc::gen::inRange(0, 2 * max_exp + 1)) : 0;
  RC_LOG() << c << std::endl;  // printed with a failing (shrunk) case
  return c;
}

template <class S>
S pow10(int e) {
  if constexpr (std::is_same_v<S, double>) {
    return std::stod("1e" + std::to_string(e));  // correctly rounded, unlike std::pow on some libms
  } else {
    return parse_scalar<S>("1e" + std::to_string(e));
  }
}

template <class S>
Mat<S> build_matrix(const Case& c, std::uint64_t stream) {
  spectral::Rng rng(c.seed, stream);
  Mat<S> a;
  switch (c.kind) {
    case ShapeKind::zero: a = Mat<S>::Zero(c.m, c.n); break;
    case ShapeKind::rank_deficient: a = spectral::random_rank_k<S>(rng, c.m, c.n, c.rank); break;
    default: a = spectral::random_gaussian<S>(rng, c.m, c.n); break;
  }
  if (c.scale_exp != 0) a *= pow10<S>(c.scale_exp);
  return a;
}

template <class S>
double polar_condition(const Mat<S>& g) {
  if (g.size() == 0 || spectral::norm_max(g) == S(0)) return 1;
  const Vec<S> s = spectral::singular_values(g);
  const Eigen::Index r = spectral::numerical_rank(s, g.rows(), g.cols());
  return r == 0 ? 1.0 : to_double(S(s(0) / s(r - 1)));
}

NsLipschitz ns_lipschitz(const spectral::NsScheduleSpec& spec) {
  const int grid = 4000;
  double b = 1;
  for (int k = 0; k <= grid; ++k) {
    double x = static_cast<double>(k) / grid;
    for (const auto& st : spec.steps) {
      const double x2 = x * x;
      x = x * (st[0] + x2 * (st[1] + st[2] * x2));
      b = std::max(b, std::abs(x));
    }
  }
  NsLipschitz out;
  out.bound = 1.1 * b;
  for (const auto& st : spec.steps) {
    double l = 0;
    for (int k = 0; k <= grid; ++k) {
      const double x = out.bound * k / grid, x2 = x * x;
      l = std::max(l, std::abs(st[0] + x2 * (3 * st[1] + 5 * st[2] * x2)));
    }
    out.growth *= 1.1 * l;
  }
  return out;
}

template double pow10<double>(int);
template Real pow10<Real>(int);
template Mat<double> build_matrix<double>(const Case&, std::uint64_t);
template Mat<Real> build_matrix<Real>(const Case&, std::uint64_t);
template double polar_condition<double>(const Mat<double>&);
template double polar_condition<Real>(const Mat<Real>&);

}  // namespace muonlab::props
