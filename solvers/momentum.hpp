// The momentum buffer of the Muon family (REFERENCE §3), the input it hands to the orthogonalizer, and the EMA
// that every first or second moment in solvers/ is.
//
//   ema (Keller, nanochat):  B ← βB + (1−β)G;   Nesterov u = (1−β)G + βB  (= G.lerp(B, β));  else u = B
//   classical (Moonlight):   B ← βB + G;        Nesterov u = G + βB;                           else u = B
//   none:                    u = G (no buffer; `nesterov` has no effect)
//
// By induction B_ema = (1−β)·B_classical, so u_ema = (1−β)·u_classical: the orthogonalized update agrees up to
// the normalization ε of Newton–Schulz (exactly, for the exact polar factor).
#pragma once

#include "spectral/eigen_support.hpp"
#include "spectral/errors.hpp"

#include <string>

namespace muonlab::solvers {

enum class MomentumKind { none, ema, classical };

inline const char* momentum_name(MomentumKind k) {
  switch (k) {
    case MomentumKind::none: return "none";
    case MomentumKind::ema: return "ema";
    case MomentumKind::classical: return "classical";
  }
  return "?";
}

inline MomentumKind momentum_kind_from(const std::string& s) {
  if (s == "none") return MomentumKind::none;
  if (s == "ema") return MomentumKind::ema;
  if (s == "classical") return MomentumKind::classical;
  throw InputError("momentum must be none, ema or classical, not '" + s + "'");
}

/// The exponential moving average after x: βe + (1−β)x, `e` empty meaning zero (the state before the first step).
/// The EMA buffer here, and Adam's, AdaMuon's and NorMuon's moments.
template <class S>
Mat<S> ema_next(const S& beta, const Mat<S>& e, const Mat<S>& x) {
  return e.size() ? Mat<S>(beta * e + (S(1) - beta) * x) : Mat<S>((S(1) - beta) * x);
}

/// The buffer after seeing g (`b` empty means zero, the state before the first step).
template <class S>
Mat<S> momentum_next(MomentumKind kind, const S& beta, const Mat<S>& b, const Mat<S>& g) {
  switch (kind) {
    case MomentumKind::none:
      return Mat<S>();
    case MomentumKind::ema:
      return ema_next(beta, b, g);
    case MomentumKind::classical:
      return b.size() ? Mat<S>(beta * b + g) : g;
  }
  return Mat<S>();
}

/// The matrix handed to the orthogonalizer, given g and the updated buffer b.
template <class S>
Mat<S> momentum_input(MomentumKind kind, const S& beta, bool nesterov, const Mat<S>& g, const Mat<S>& b) {
  if (kind == MomentumKind::none) return g;
  if (!nesterov) return b;
  if (kind == MomentumKind::ema) return (S(1) - beta) * g + beta * b;
  return g + beta * b;
}

}  // namespace muonlab::solvers
