// The toy problems of the paper (REFERENCE §2): least squares on one or a few samples.
//
// Every problem is written in one reduced form over its trainable parameter P:
//
//     L(P) = ½ ‖(P − P0) U − R0‖_F²,   ∇L(P) = ((P − P0) U − R0) Uᵀ
//
//   single sample   P = W (m×n), P0 = 0,  U = x (n×1),   R0 = y                (Thm 3.1/3.2)
//   continuation    P = W (m×n), P0 = W0, U = z (n×1),   R0 = r0 = b − W0 z    (Prop D.4)
//   LoRA surrogate  P = B (m×r), P0 = 0,  U = u = A z,   R0 = r0 = b − W0 z    (Prop D.8; W = W0 + B A)
//   k samples       P = W (m×n), P0 = W0, U = X (n×k),   R0 = Y − W0 X         (open question of §2)
//
// so the closed forms and the runner treat all four alike. Scalar-generic: double, Real, and Rational (exact).
#pragma once

#include "spectral/eigen_support.hpp"

#include <cstdint>
#include <string>

namespace muonlab::toy {

enum class ProblemKind { single_sample, continuation, lora, k_sample };
const char* to_string(ProblemKind k);
/// "single", "continuation", "lora", "ksample" (InputError otherwise).
ProblemKind parse_problem_kind(const std::string& name);

template <class S>
struct Problem {
  ProblemKind kind = ProblemKind::single_sample;
  // The data as the paper states it.
  Mat<S> x;   // n×k inputs, one sample per column (z for continuation/LoRA)
  Mat<S> y;   // m×k targets (b for continuation/LoRA)
  Mat<S> w0;  // m×n pretrained weight (zero for the single-sample problem)
  Mat<S> a;   // r×n fixed LoRA factor (empty unless kind == lora)
  // The reduced form (see the file comment), derived by finalize().
  Mat<S> p0;  // initial parameter
  Mat<S> u;   // effective input
  Mat<S> r0;  // initial residual target
  Mat<S> offset;  // P0 U + R0, so that the residual is P U − offset (no m×n temporary per step)

  Eigen::Index m() const { return y.rows(); }
  Eigen::Index n() const { return x.rows(); }
  Eigen::Index samples() const { return x.cols(); }

  /// Checks shapes and finiteness (InputError with a clear message) and computes p0, u, r0.
  void finalize();
  /// The full weight W for parameter P (W = W0 + P A under LoRA, P otherwise).
  Mat<S> weight(const Mat<S>& p) const;
  /// ½‖(P − P0) U − R0‖².
  S loss(const Mat<S>& p) const;
  /// ∇L(P) into g (resized as needed).
  void gradient(const Mat<S>& p, Mat<S>& g) const;
  /// Residual (P − P0) U − R0 (m×k).
  Mat<S> residual(const Mat<S>& p) const;
};

/// How random instances are drawn.
enum class Entries {
  gaussian,  // standard normal, drawn in double (so the instance is the same at every precision)
  integer,   // uniform non-zero integers in [−3, 3] (exact in rationals; x has no zero entry)
};
Entries parse_entries(const std::string& name);

struct ProblemSpec {
  ProblemKind kind = ProblemKind::single_sample;
  Eigen::Index m = 4, n = 6;
  Eigen::Index samples = 1;  // k for k_sample (1 otherwise)
  Eigen::Index rank = 2;     // r for lora
  Entries entries = Entries::gaussian;
  std::uint64_t seed = 1;
  std::uint64_t stream = 0;
  /// Validates sizes (InputError): 1 ≤ m, n ≤ 4096, 1 ≤ samples ≤ n, 1 ≤ rank ≤ n.
  void validate() const;
};

/// A random instance from spec.seed/stream. For continuation and k-sample problems, W0 is random too;
/// for continuation (z, b) are random (so r0 ≠ 0 with probability one).
template <class S>
Problem<S> make_problem(const ProblemSpec& spec);

/// Reads an instance from a text file (see docs in toy/README section of the project README):
///
///     # comments with '#'; blank lines ignored
///     [x]          one sample per row: k rows of n entries (decimals or p/q)
///     [y]          one target per row: k rows of m entries
///     [w0]         optional, m rows of n entries (default 0)
///     [a]          optional, r rows of n entries (makes it a LoRA problem)
///
/// The kind is lora if [a] is present, else k_sample if k > 1, else continuation if [w0] is present, else
/// single_sample. InputError (with the line number) on anything malformed.
template <class S>
Problem<S> read_problem_file(const std::string& path);

// Explicit instantiations live in problem.cpp.
extern template struct Problem<double>;
extern template struct Problem<Real>;
extern template struct Problem<Rational>;
extern template Problem<double> make_problem<double>(const ProblemSpec&);
extern template Problem<Real> make_problem<Real>(const ProblemSpec&);
extern template Problem<Rational> make_problem<Rational>(const ProblemSpec&);
extern template Problem<double> read_problem_file<double>(const std::string&);
extern template Problem<Real> read_problem_file<Real>(const std::string&);
extern template Problem<Rational> read_problem_file<Rational>(const std::string&);

}  // namespace muonlab::toy
