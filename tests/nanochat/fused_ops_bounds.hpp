// Exact (float64) values of the fused ops and the rounding-error bounds the tests hold them to
// (tests/nanochat/test_fused_ops.cpp and test_fused_ops_cuda.cpp).
//
// Every bound is the classical forward-error bound: an expression evaluated with n roundings of unit roundoff u is off
// by at most γ_n = n·u/(1 − n·u) times the same expression evaluated on absolute values (Higham, Accuracy and
// Stability of Numerical Algorithms, §3.1), plus, where a result is stored in a narrower type, u_out times its
// magnitude. Unit roundoffs: float64 2^-53, float32 2^-24, bfloat16 2^-8 (8 significand bits). The operation counts
// are stated where each bound is formed; they are deliberately rounded up (a reduction over D terms is counted as D
// operations whatever its tree), so a bound fails only for an error no correct evaluation order can make.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace muonlab::testing::fused_bounds {

inline const double kU64 = std::ldexp(1.0, -53);
inline const double kU32 = std::ldexp(1.0, -24);
inline const double kU16 = std::ldexp(1.0, -8);
inline const double kEpsF32 = std::numeric_limits<float>::epsilon();  // RMSNorm's eps

inline double gamma(double n, double u) { return n * u / (1 - n * u); }

/// Unit roundoff of a floating dtype.
inline double unit_roundoff(torch::ScalarType t) {
  if (t == torch::kFloat64) return kU64;
  if (t == torch::kFloat32) return kU32;
  if (t == torch::kBFloat16) return kU16;
  throw std::invalid_argument("no unit roundoff for this dtype in the tests");
}

inline torch::Tensor f64(const torch::Tensor& t) { return t.detach().to(torch::kFloat64); }

// ---- RMSNorm -----------------------------------------------------------------------------------------------------

struct RmsExact {
  torch::Tensor y, r;  // y = x·r, r = 1/√(mean(x²) + eps) (..., 1)
};
inline RmsExact rms_exact(const torch::Tensor& x) {
  const torch::Tensor xe = f64(x);
  const torch::Tensor r = torch::rsqrt(xe.square().mean(-1, true) + kEpsF32);
  return {xe * r, r};
}
/// gx = r·(g − y·mean(g⊙y)), the gradient of y = x·r(x) written in y.
inline torch::Tensor rms_grad(const torch::Tensor& g, const torch::Tensor& y, const torch::Tensor& r) {
  return r * (g - y * (g * y).mean(-1, true));
}
/// The same expression on magnitudes, with Y ≥ |y| elementwise: r·(|g| + Y·mean(|g|·Y)).
inline torch::Tensor rms_grad_abs(const torch::Tensor& g, const torch::Tensor& Y, const torch::Tensor& r) {
  return r * (g.abs() + Y * (g.abs() * Y).mean(-1, true));
}

// ---- rotary (half-split) -----------------------------------------------------------------------------------------

/// (x1·c + x2·s, x2·c − x1·s), or its transpose (x1·c − x2·s, x1·s + x2·c).
inline torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor& s, bool transpose) {
  const int64_t h = x.size(-1) / 2;
  const torch::Tensor a = x.narrow(-1, 0, h), b = x.narrow(-1, h, h);
  if (transpose) return torch::cat({a * c - b * s, a * s + b * c}, -1);
  return torch::cat({a * c + b * s, b * c - a * s}, -1);
}
/// Either rotation on magnitudes: (|x1||c| + |x2||s|, |x2||c| + |x1||s|) (both directions give the same).
inline torch::Tensor rotate_abs(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor& s) {
  const int64_t h = x.size(-1) / 2;
  const torch::Tensor a = x.narrow(-1, 0, h).abs(), b = x.narrow(-1, h, h).abs();
  return torch::cat({a * c.abs() + b * s.abs(), b * c.abs() + a * s.abs()}, -1);
}

/// RoPE tables as model.cpp builds them: angle t·base^(−2j/D), float32, (1, T, 1, D/2).
inline std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t T, int64_t D) {
  const torch::Tensor inv_freq = 1.0 / torch::pow(10000.0, torch::arange(0, D, 2, torch::kFloat64) / double(D));
  const torch::Tensor freqs = torch::outer(torch::arange(T, torch::kFloat64), inv_freq);
  return {freqs.cos().to(torch::kFloat32).view({1, T, 1, D / 2}),
          freqs.sin().to(torch::kFloat32).view({1, T, 1, D / 2})};
}

// ---- softcapped cross-entropy ------------------------------------------------------------------------------------

/// Exact values and error bounds of softcap_cross_entropy for one set of inputs. The bounds are for ONE evaluation
/// whose logits are stored with unit roundoff u_store (the matmul's output dtype) after an accumulation with unit
/// roundoff u_acc, and whose softcap, log-sum-exp and gradients run with unit roundoff u_acc, the gradient dz being
/// stored with u_store again; dw accumulates chunk products stored with u_store.
struct CeExact {
  torch::Tensor loss, dh, dw;              // exact (reduced as asked)
  torch::Tensor tol_loss, tol_dh, tol_dw;  // bounds on |computed − exact|
};

/// h (N, C) and wm (V, C): the matmul's inputs exactly as the evaluation sees them (w already cast to h's dtype);
/// g: the upstream gradient (a scalar for mean/sum, (N) for none).
inline CeExact ce_exact(const torch::Tensor& h_in, const torch::Tensor& wm_in, const torch::Tensor& targets,
                        double softcap, const std::string& reduction, const torch::Tensor& g_in, double u_store,
                        double u_acc) {
  const torch::Tensor h = f64(h_in), wm = f64(wm_in), g = f64(g_in);
  const int64_t N = h.size(0), C = h.size(1), V = wm.size(0);
  const torch::Tensor onehot = torch::zeros({N, V}, h.options()).scatter_(1, targets.reshape({N, 1}), 1.0);
  const torch::Tensor z = torch::mm(h, wm.t());
  const torch::Tensor th = torch::tanh(z / softcap), c = softcap * th;
  const torch::Tensor lse = torch::logsumexp(c, 1);
  const torch::Tensor rows = lse - (c * onehot).sum(1);
  const torch::Tensor p = torch::exp(c - lse.unsqueeze(1));
  const torch::Tensor dl = reduction == "none" ? g : (reduction == "mean" ? g / double(N) : g).expand({N});
  const torch::Tensor dz = (p - onehot) * dl.unsqueeze(1) * (1 - th.square());

  CeExact e;
  e.loss = reduction == "none" ? rows : (reduction == "mean" ? rows.mean() : rows.sum());
  e.dh = torch::mm(dz, wm);
  e.dw = torch::mm(dz.t(), h);

  // Logits: stored with u_store (|z| ≤ A = |h|·|w|ᵀ) after C products and sums: |Δz| ≤ (u_store + γ_C)·A.
  const torch::Tensor A = torch::mm(h.abs(), wm.abs().t());
  const torch::Tensor dz_err = (u_store + gamma(C, u_acc)) * A;
  // c = softcap·tanh(z·(1/softcap)): tanh is 1-Lipschitz, so |Δc| ≤ |Δz| + (reciprocal, product, tanh within 2 ulp,
  // product: ≤ 8 roundings)·softcap.
  const torch::Tensor dc = dz_err + gamma(8, u_acc) * softcap;
  const torch::Tensor dc_max = std::get<0>(dc.max(1));
  // log-sum-exp is 1-Lipschitz in the max-norm: |Δlse| ≤ max|Δc| + (V terms, a shift, exp and log:
  // ≤ V + 16 roundings)·(|lse| + 2·softcap), the magnitudes its terms and arguments can take.
  const torch::Tensor dlse = dc_max + gamma(V + 16, u_acc) * (lse.abs() + 2 * softcap);
  const torch::Tensor tol_rows = dlse + dc_max;  // loss = lse − c_target
  if (reduction == "none") {
    e.tol_loss = tol_rows;
  } else {
    // The sum of N rows adds ≤ γ_N·Σ|loss|; the mean divides (one more rounding).
    torch::Tensor t = tol_rows.sum() + gamma(N + 1, u_acc) * rows.abs().sum();
    e.tol_loss = reduction == "mean" ? t / double(N) : t;
  }
  // Gradient of the logits, dz = (p − onehot)·dl·(1 − th²):
  //   p = exp(c − lse): |Δp| ≤ p·(exp(max|Δc| + |Δlse|) − 1);
  //   1 − th²: |Δ| ≤ 2|th|·|Δth| + |Δth|² + 2 roundings, |Δth| ≤ |Δz|/softcap + γ_8;
  //   the products with dl (and dl's own scaling): ≤ 8 roundings of |p − onehot|·|dl|; then stored with u_store.
  const torch::Tensor dp = p * torch::expm1(dc_max + dlse).unsqueeze(1) + gamma(4, u_acc) * p;
  const torch::Tensor dth = dz_err / softcap + gamma(8, u_acc);
  const torch::Tensor dth2 = 2 * th.abs() * dth + dth.square() + gamma(2, u_acc);
  const torch::Tensor dla = dl.abs().unsqueeze(1);
  const torch::Tensor ddz = dla * (dp * (1 - th.square() + dth2) + (p + onehot) * (dth2 + gamma(8, u_acc))) +
                            u_store * (dz.abs() + dla * dp);
  const torch::Tensor dz_mag = dz.abs() + ddz;  // bounds the stored dz
  // dh = dz·wm: V products summed and stored (u_store); dw = Σ_chunks (dzᵀ·h)_chunk: each chunk's product stored
  // (u_store), the chunks summed with u_acc over at most N rows.
  e.tol_dh = torch::mm(ddz, wm.abs()) + (u_store + gamma(V, u_acc)) * torch::mm(dz_mag, wm.abs());
  e.tol_dw = torch::mm(ddz.t(), h.abs()) + (u_store + gamma(N + C, u_acc)) * torch::mm(dz_mag.t(), h.abs());
  return e;
}

}  // namespace muonlab::testing::fused_bounds
