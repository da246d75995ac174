#include "toy/problem.hpp"
#include "toy/section_file.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/random.hpp"
#include "spectral/text_io.hpp"

#include <fstream>
#include <map>
#include <type_traits>
#include <sstream>
#include <vector>

namespace muonlab::toy {
namespace {

/// out = a·b without a temporary (an MPFR/GMP allocation) for multiprecision scalars.
template <class S>
void mul_into(S& out, const S& a, const S& b) {
  if constexpr (std::is_arithmetic_v<S>) out = a * b;
  else boost::multiprecision::multiply(out, a, b);
}

}  // namespace

const char* to_string(ProblemKind k) {
  switch (k) {
    case ProblemKind::single_sample: return "single";
    case ProblemKind::continuation: return "continuation";
    case ProblemKind::lora: return "lora";
    case ProblemKind::k_sample: return "ksample";
  }
  return "?";
}

ProblemKind parse_problem_kind(const std::string& name) {
  if (name == "single") return ProblemKind::single_sample;
  if (name == "continuation") return ProblemKind::continuation;
  if (name == "lora") return ProblemKind::lora;
  if (name == "ksample") return ProblemKind::k_sample;
  throw InputError("unknown problem '" + name + "' (known: single, continuation, lora, ksample)");
}

Entries parse_entries(const std::string& name) {
  if (name == "gaussian") return Entries::gaussian;
  if (name == "integer") return Entries::integer;
  throw InputError("unknown entries '" + name + "' (known: gaussian, integer)");
}

void ProblemSpec::validate() const {
  const auto in = [](Eigen::Index v, Eigen::Index lo, Eigen::Index hi) { return v >= lo && v <= hi; };
  if (!in(m, 1, 4096) || !in(n, 1, 4096))
    throw InputError("problem size " + std::to_string(m) + "x" + std::to_string(n) + " out of range [1, 4096]");
  if (!in(samples, 1, n))
    throw InputError("--samples must be in [1, n] (k ≤ n so that W X = Y has an exact solution); got " +
                     std::to_string(samples));
  if (kind != ProblemKind::k_sample && samples != 1)
    throw InputError("only the ksample problem takes more than one sample");
  if (kind == ProblemKind::lora && !in(rank, 1, n))
    throw InputError("LoRA rank must be in [1, n]; got " + std::to_string(rank));
}

template <class S>
void Problem<S>::finalize() {
  if (x.size() == 0 || y.size() == 0) throw InputError("problem: x and y must be non-empty");
  if (x.cols() != y.cols())
    throw InputError("problem: x has " + std::to_string(x.cols()) + " sample(s) but y has " +
                     std::to_string(y.cols()));
  if (w0.size() == 0) w0 = Mat<S>::Zero(y.rows(), x.rows());
  if (w0.rows() != y.rows() || w0.cols() != x.rows())
    throw InputError("problem: w0 must be " + std::to_string(y.rows()) + "x" + std::to_string(x.rows()) + ", got " +
                     std::to_string(w0.rows()) + "x" + std::to_string(w0.cols()));
  if (!all_finite(x) || !all_finite(y) || !all_finite(w0) || !all_finite(a))
    throw InputError("problem: entries must be finite");
  if (spectral::norm_max(x) == S(0)) throw InputError("problem: x must be non-zero");
  if (kind == ProblemKind::lora) {
    if (a.size() == 0 || a.cols() != x.rows())
      throw InputError("problem: the LoRA factor A must be r x " + std::to_string(x.rows()));
    if (x.cols() != 1) throw InputError("problem: the LoRA surrogate takes one sample");
    p0 = Mat<S>::Zero(y.rows(), a.rows());
    u = a * x;
    if (spectral::norm_max(u) == S(0)) throw InputError("problem: u = A z is zero (Prop D.8 needs u != 0)");
  } else {
    if (a.size() != 0) throw InputError("problem: only the LoRA problem takes a factor A");
    p0 = w0;
    u = x;
  }
  r0 = y - w0 * x;
  offset = p0 * u + r0;
}

template <class S>
Mat<S> Problem<S>::weight(const Mat<S>& p) const {
  if (kind == ProblemKind::lora) return w0 + p * a;
  return p;
}

template <class S>
Mat<S> Problem<S>::residual(const Mat<S>& p) const {
  // Written as in-place loops rather than Eigen products: for MPFR scalars every temporary is an allocation, and
  // this is the inner loop of every run (bench_toy measures it).
  Mat<S> r = -offset;
  S term;
  for (Eigen::Index k = 0; k < u.cols(); ++k)
    for (Eigen::Index j = 0; j < u.rows(); ++j) {
      const S& ujk = u(j, k);
      for (Eigen::Index i = 0; i < p.rows(); ++i) {
        mul_into(term, p(i, j), ujk);
        r(i, k) += term;
      }
    }
  return r;
}

template <class S>
S Problem<S>::loss(const Mat<S>& p) const {
  return spectral::norm_frobenius_sq(residual(p)) / S(2);
}

template <class S>
void Problem<S>::gradient(const Mat<S>& p, Mat<S>& g) const {
  const Mat<S> r = residual(p);
  if (g.rows() != p.rows() || g.cols() != p.cols()) g.resize(p.rows(), p.cols());
  S term;
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = 0; i < g.rows(); ++i) {
      // ∇L = R Uᵀ, accumulated in place (no temporaries for MPFR scalars)
      mul_into(g(i, j), r(i, 0), u(j, 0));
      for (Eigen::Index k = 1; k < u.cols(); ++k) {
        mul_into(term, r(i, k), u(j, k));
        g(i, j) += term;
      }
    }
}

namespace {

template <class S>
Mat<S> draw(spectral::Rng& rng, Eigen::Index rows, Eigen::Index cols, Entries e) {
  if (e == Entries::gaussian) return spectral::random_gaussian<S>(rng, rows, cols);
  Mat<S> out(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) {
      long v = rng.integer(-3, 2);
      out(i, j) = S(v >= 0 ? v + 1 : v);  // uniform on {−3, −2, −1, 1, 2, 3}
    }
  return out;
}

}  // namespace

template <class S>
Problem<S> make_problem(const ProblemSpec& spec) {
  spec.validate();
  spectral::Rng rng(spec.seed, spec.stream);
  Problem<S> p;
  p.kind = spec.kind;
  p.x = draw<S>(rng, spec.n, spec.samples, spec.entries);
  p.y = draw<S>(rng, spec.m, spec.samples, spec.entries);
  if (spec.kind != ProblemKind::single_sample) p.w0 = draw<S>(rng, spec.m, spec.n, spec.entries);
  if (spec.kind == ProblemKind::lora) p.a = draw<S>(rng, spec.rank, spec.n, spec.entries);
  p.finalize();
  return p;
}

template <class S>
Problem<S> read_problem_file(const std::string& path) {
  SectionFile f = read_section_file(path, "problem file", {"x", "y", "w0", "a"}, {"x", "y"});
  const auto read = [&](const std::string& name) {
    std::istringstream s(f.text[name]);
    return read_matrix_csv<S>(s, path + " [" + name + "] (from line " + std::to_string(f.first_line[name]) + ")");
  };
  Problem<S> p;
  p.x = read("x").transpose();  // rows are samples in the file, columns internally
  p.y = read("y").transpose();
  if (f.has("w0")) p.w0 = read("w0");
  if (f.has("a")) p.a = read("a");
  if (p.x.cols() != p.y.cols())
    throw InputError(path + ": [x] has " + std::to_string(p.x.cols()) + " row(s) (samples) but [y] has " +
                     std::to_string(p.y.cols()));
  if (f.has("a")) p.kind = ProblemKind::lora;
  else if (p.x.cols() > 1) p.kind = ProblemKind::k_sample;
  else if (f.has("w0")) p.kind = ProblemKind::continuation;
  else p.kind = ProblemKind::single_sample;
  p.finalize();
  return p;
}

template struct Problem<double>;
template struct Problem<Real>;
template struct Problem<Rational>;
template Problem<double> make_problem<double>(const ProblemSpec&);
template Problem<Real> make_problem<Real>(const ProblemSpec&);
template Problem<Rational> make_problem<Rational>(const ProblemSpec&);
template Problem<double> read_problem_file<double>(const std::string&);
template Problem<Real> read_problem_file<Real>(const std::string&);
template Problem<Rational> read_problem_file<Rational>(const std::string&);

}  // namespace muonlab::toy
