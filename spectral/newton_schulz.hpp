// Newton–Schulz orthogonalization with any schedule of odd quintic steps (REFERENCE §3, §4).
//
// One step maps X ← aX + (bA + cA²)X with A = XXᵀ, i.e. every singular value σ ← p(σ) = aσ + bσ³ + cσ⁵ while the
// singular vectors stay put. A cubic step is (a, b, 0).
#pragma once

#include "spectral/norms.hpp"

#include <array>
#include <string>
#include <vector>

namespace muonlab::spectral {

/// One step's coefficients p(x) = a x + b x³ + c x⁵.
template <class S>
struct NsStep {
  S a, b, c;
  S operator()(const S& x) const {
    const S x2 = x * x;
    return x * (a + x2 * (b + c * x2));
  }
};

/// A schedule: the steps and how the input is normalized first, X / (‖X‖F·(1 + safety) + eps).
template <class S>
struct NsSchedule {
  std::string name;
  std::vector<NsStep<S>> steps;
  S safety = S(0);  // the reference codes use 0 (Keller) or 1e-2 / 2e-2 (Polar Express)
  S eps = S(1) / S(10000000);  // 1e-7 in the reference codes
};

/// The scalar map the schedule applies to each singular value of the *normalized* input.
template <class S>
S ns_scalar_map(const NsSchedule<S>& sch, S x) {
  for (const auto& st : sch.steps) x = st(x);
  return x;
}

/// The normalization denominator ‖G‖F·(1 + safety) + eps.
template <class S>
S ns_normalizer(const NsSchedule<S>& sch, const S& frobenius) {
  return frobenius * (S(1) + sch.safety) + sch.eps;
}

/// Applies the schedule to G (any shape). Like the reference code it works on the wide orientation (transposes a
/// tall G so that A = XXᵀ is the smaller Gram matrix) and transposes back.
template <class S>
Mat<S> newton_schulz(const Mat<S>& g, const NsSchedule<S>& sch) {
  const bool tall = g.rows() > g.cols();
  Mat<S> x = tall ? Mat<S>(g.transpose()) : g;
  const S denom = ns_normalizer(sch, norm_frobenius(x));
  if (denom == S(0)) return Mat<S>::Zero(g.rows(), g.cols());  // G = 0 with eps = 0: NS(0) = 0, not 0/0
  x /= denom;
  // Three products per step as in the reference code. (Forming the symmetric Gram matrices by rank updates, BLAS
  // syrk, saves 1/3 of the FLOPs but measured no faster with OpenBLAS here: bench/README.md.)
  const Eigen::Index k = x.rows();
  Mat<S> a(k, k), b(k, k), xn(x.rows(), x.cols());
  for (const auto& st : sch.steps) {
    a.noalias() = x * x.transpose();
    b.noalias() = a * a;
    b = st.b * a + st.c * b;
    xn.noalias() = b * x;
    x = st.a * x + xn;
  }
  if (tall) x.transposeInPlace();
  return x;
}

/// A schedule given in double precision (published tables) converted to scalar type S.
struct NsScheduleSpec {
  std::string name;
  std::string source;  // where the numbers come from
  std::vector<std::array<double, 3>> steps;
  double safety = 0;
  double eps = 1e-7;
};

template <class S>
NsSchedule<S> schedule_cast(const NsScheduleSpec& spec) {
  NsSchedule<S> out;
  out.name = spec.name;
  for (const auto& st : spec.steps) out.steps.push_back({S(st[0]), S(st[1]), S(st[2])});
  out.safety = S(spec.safety);
  out.eps = S(spec.eps);
  return out;
}

/// Named schedules: "ns5" (Keller), "pe5" (modded-nanogpt/nanochat Polar Express), "pe-paper" (the paper's
/// Algorithm 1 listing, with the 1.01 safety division applied), "cubic" (1.5, -0.5) × steps.
/// Throws InputError for an unknown name (the message lists the known ones).
NsScheduleSpec named_schedule(const std::string& name, int cubic_steps = 30);
std::vector<std::string> schedule_names();

/// Reads a coefficient file: one step per line, "a, b, c" (commas or spaces), '#' comments; optional header
/// lines "safety = X" and "eps = X". Throws InputError with the line number on malformed input.
NsScheduleSpec read_schedule_file(const std::string& path);

/// A name from schedule_names() or a path to a coefficient file; InputError "cannot read coefficient file 'X'" when
/// it is neither (docs/conventions.md, "Coefficient files").
NsScheduleSpec schedule_by_name_or_file(const std::string& name_or_path);

}  // namespace muonlab::spectral
