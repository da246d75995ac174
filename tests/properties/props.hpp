// Shared machinery of the property tests (issue 6): how a property is run, how random cases are drawn so that a
// failure shrinks to a minimal counterexample, and the precision-derived tolerances.
//
// Running. `check_property(description, cases, body)` runs a RapidCheck property inside a Catch2 SECTION with
// `cases` successful cases and a fixed seed, so CI is reproducible; RC_PARAMS overrides both (e.g.
// RC_PARAMS="max_success=1000 seed=7" for a long exploratory run; RapidCheck prints the seed and a `reproduce`
// string on failure).
//
// Shrinking. A property never draws a matrix directly: it draws a `Case` (shape kind, m, n, rank, seed, decimal
// scale exponent) and builds the matrix from it. RapidCheck shrinks each field towards its smallest value (1×1,
// rank 1, seed 0, exponent 0), so a failure is reported as the smallest shape/seed/scale that still fails, e.g.
// "Case{tall 2x1 rank 1 seed 0 scale 1e0}".
#pragma once

#include "solvers/solvers.hpp"
#include "spectral/spectral.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace muonlab::props {

/// The factor applied to every property's nominal case count (props.cpp says how it was chosen).
int case_multiplier();

/// Runs `body` as a RapidCheck property with `cases`·case_multiplier() successful cases (see the file comment).
template <class Testable>
void check_property(const std::string& description, int cases, Testable&& body) {
  SECTION(description) {
    using namespace rc::detail;
    TestParams params = configuration().testParams;
    const char* env = std::getenv("RC_PARAMS");
    const std::string overrides = env ? env : "";
    if (overrides.find("max_success") == std::string::npos) params.maxSuccess = cases * case_multiplier();
    if (overrides.find("seed") == std::string::npos) params.seed = 20261122;
    TestMetadata meta;
    meta.id = description;
    meta.description = description;
    const TestResult result = checkTestable(std::forward<Testable>(body), meta, params);
    if (!result.template is<SuccessResult>()) {
      std::ostringstream os;
      printResultMessage(result, os);
      INFO(os.str());
      FAIL("property failed: " << description);
    }
    SUCCEED();
  }
}

/// The shapes the issue asks for.
enum class ShapeKind { square, tall, wide, row, column, rank_deficient, zero };

/// One random instance, as the fields RapidCheck draws and shrinks.
struct Case {
  ShapeKind kind = ShapeKind::square;
  int m = 1, n = 1;
  int rank = 1;               // exact rank for rank_deficient; min(m, n) otherwise (0 for zero)
  std::uint64_t seed = 0;
  int scale_exp = 0;          // entries multiplied by 10^scale_exp
};

const char* kind_name(ShapeKind k);
std::ostream& operator<<(std::ostream& os, const Case& c);
inline void showValue(const Case& c, std::ostream& os) { os << c; }
inline void showValue(ShapeKind k, std::ostream& os) { os << kind_name(k); }

/// Draws a Case inside a property: dimensions up to `max_dim`, decimal scale exponents in [−max_exp, max_exp].
/// `kinds` restricts the shape kinds (all by default).
Case pick_case(int max_dim, int max_exp, std::vector<ShapeKind> kinds = {});

/// The matrix of a case at scalar S (entries drawn in double from the seed, so the same at every precision;
/// scaled by the exactly rounded 10^scale_exp).
template <class S>
Mat<S> build_matrix(const Case& c, std::uint64_t stream = 0);

/// The exactly rounded 10^e at scalar S.
template <class S>
S pow10(int e);

/// 50 decimal digits for Real for the lifetime of the object; nothing for double. Construct it first in a
/// property body so every Real of the case carries the working precision.
template <class S>
struct Working {
  std::unique_ptr<PrecisionScope> scope;
  Working() {
    if constexpr (std::is_same_v<S, Real>) scope = std::make_unique<PrecisionScope>(50);
  }
  /// Unit roundoff u of the working precision.
  static double u() { return to_double(ScalarTraits<S>::epsilon()); }
};

/// Successful cases per property: `in_double` in double (cheap), `at_50` at 50 digits (a 50-digit Jacobi SVD of a
/// 12×6 matrix costs a few ms).
template <class S>
constexpr int cases(int in_double = 60, int at_50 = 15) {
  return std::is_same_v<S, double> ? in_double : at_50;
}

/// Positive diagonal scalings D1 (m entries) and D2 (n entries) of a case, drawn by `entry(rng)` (D1 first) from
/// stream `stream` of the case's seed.
template <class S>
struct DiagonalScaling {
  Vec<S> d1, d2;
  Mat<S> apply(const Mat<S>& g) const { return d1.asDiagonal() * g * d2.asDiagonal(); }
};
template <class S, class Entry>
DiagonalScaling<S> diagonal_scaling(const Case& c, std::uint64_t stream, Entry entry) {
  spectral::Rng rng(c.seed, stream);
  DiagonalScaling<S> d{Vec<S>(c.m), Vec<S>(c.n)};
  for (int i = 0; i < c.m; ++i) d.d1(i) = S(entry(rng));
  for (int j = 0; j < c.n; ++j) d.d2(j) = S(entry(rng));
  return d;
}

/// Steps `a` on g_t = gradient(t) and `b` on D1 g_t D2 in lockstep for `steps` steps with lr 0 (the states advance,
/// W stays 0), calling check(t, g_t, D1 g_t D2) before each step.
template <class S, class Gradient, class Check>
void run_scaled_pair(solvers::Optimizer<S>& a, solvers::Optimizer<S>& b, const DiagonalScaling<S>& d, int steps,
                     Gradient gradient, Check check) {
  Mat<S> wa = Mat<S>::Zero(d.d1.size(), d.d2.size()), wb = wa;
  for (int t = 0; t < steps; ++t) {
    const Mat<S> g = gradient(t), gs = d.apply(g);
    check(t, g, gs);
    a.step(wa, g, S(0)), b.step(wb, gs, S(0));
  }
}

template <class S>
double max_abs_diff(const Mat<S>& a, const Mat<S>& b) {
  return to_double(spectral::norm_max(Mat<S>(a - b)));
}

template <class S>
bool bit_identical(const Mat<S>& a, const Mat<S>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      if (!(a(i, j) == b(i, j))) return false;
  return true;
}

/// σ_1/σ_r over the singular values above the rank threshold (1 for a zero matrix): the condition number that
/// governs the sensitivity of ortho(G) = U_r V_rᵀ.
template <class S>
double polar_condition(const Mat<S>& g);

/// Error amplification of a Newton–Schulz schedule, for tolerance derivations. `bound` = B is the largest |x| any
/// step sees for normalized singular values x ∈ [0, 1]; `growth` = Π_i L_i with L_i = max_{|x|≤B} |p_i'(x)|.
/// Why this is the right constant: step i maps X to p_i(X) (p_i odd), whose Fréchet derivative at X is bounded by
/// the divided differences (p(σ_j) ∓ p(σ_k))/(σ_j ∓ σ_k) ≤ L_i (mean value theorem on [−B, B]); so an error
/// present before step i grows by at most L_i, and the rounding a step adds is O(k·u·B). Both maxima are taken
/// on a 4001-point grid and padded by 10% (the grid is fine against the curvature of these polynomials).
struct NsLipschitz {
  double growth = 1;
  double bound = 1;
};
NsLipschitz ns_lipschitz(const spectral::NsScheduleSpec& spec);

}  // namespace muonlab::props
