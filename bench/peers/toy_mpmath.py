#!/usr/bin/env python3
"""The peer of bench_toy's long run: SignGD on the single-sample toy problem L = 1/2 |W x - y|^2, written the
way a researcher would with mpmath (REFERENCE 2): W <- W - eta_t sign((W x - y) x^T), eta_t = eta0/(t+1), W0 = 0,
at a given decimal precision. Prints one JSON line: steps, seconds, seconds_per_step, final loss.

    /usr/bin/python3 bench/peers/toy_mpmath.py --m 16 --n 32 --digits 100 --steps 1000
"""
import argparse
import json
import random
import time

import mpmath


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--digits", type=int, default=100)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--eta0", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.m < 1 or a.n < 1 or a.steps < 0 or a.digits < 10:
        ap.error("need m, n >= 1, steps >= 0, digits >= 10")
    mpmath.mp.dps = a.digits
    rng = random.Random(a.seed)
    mpf = mpmath.mpf
    x = [mpf(rng.gauss(0, 1)) for _ in range(a.n)]
    y = [mpf(rng.gauss(0, 1)) for _ in range(a.m)]
    w = [[mpf(0)] * a.n for _ in range(a.m)]
    eta0 = mpf(a.eta0)

    def sign(v):
        return 1 if v > 0 else (-1 if v < 0 else 0)

    t0 = time.perf_counter()
    for t in range(a.steps):
        eta = eta0 / (t + 1)
        for i in range(a.m):
            row = w[i]
            r = mpmath.fsum(row[j] * x[j] for j in range(a.n)) - y[i]  # residual (W x - y)_i
            for j in range(a.n):
                s = sign(r * x[j])  # sign of the gradient entry (W x - y)_i x_j
                if s:
                    row[j] -= eta * s
    seconds = time.perf_counter() - t0
    loss = sum((mpmath.fsum(w[i][j] * x[j] for j in range(a.n)) - y[i]) ** 2 for i in range(a.m)) / 2
    print(json.dumps({"peer": "mpmath", "mpmath": mpmath.__version__, "m": a.m, "n": a.n, "digits": a.digits,
                      "steps": a.steps, "seconds": seconds,
                      "seconds_per_step": seconds / a.steps if a.steps else 0.0,
                      "loss": mpmath.nstr(loss, 10)}))


if __name__ == "__main__":
    main()
