// Integer powers by repeated squaring, shared by the optimizers (bias corrections) and the step-size schedules.
#pragma once

namespace muonlab::solvers {

/// x^k by repeated squaring (exact in rationals; O(log k) roundings otherwise).
template <class S>
S ipow(S x, long k) {
  S r(1);
  while (k > 0) {
    if (k & 1) r *= x;
    x *= x;
    k >>= 1;
  }
  return r;
}

}  // namespace muonlab::solvers
