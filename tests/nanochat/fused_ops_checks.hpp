// Low-precision checks of the fused ops, shared by the CPU tests (Impl::Aten in float32 and bfloat16, which also shows
// the bounds hold for the algorithm before any GPU runs it) and the CUDA tests (Impl::Kernel): each op's output and
// gradients against the exact float64 value of the same rounded inputs, and against the ATen reference, within
// bounds derived from the unit roundoffs (fused_ops_bounds.hpp).
#pragma once

#include "fused_ops_bounds.hpp"
#include "nanochat/fused_ops.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <utility>

namespace muonlab::testing::fused_checks {

using namespace fused_bounds;
using nanochat::fused::Impl;

inline bool verbose() {
  const char* v = std::getenv("MUONLAB_FUSED_TEST_VERBOSE");
  return v && std::string(v) == "1";
}

/// Names the case in Catch's message and, when verbose, on stdout.
inline std::string describe(const std::ostringstream& os) {
  if (verbose()) std::printf("%s\n", os.str().c_str());
  return os.str();
}

/// |a − b| ≤ tol elementwise (NaN fails), with the worst error/tolerance ratio in the message.
inline void check_within(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& tol,
                         const std::string& what) {
  REQUIRE(a.sizes() == b.sizes());
  const torch::Tensor err = (f64(a).to(b.device()) - f64(b)).abs();
  const torch::Tensor t = f64(tol).to(b.device()).expand_as(err);
  const double worst = (err / (t + 1e-300)).max().item<double>();
  INFO(what << ": max |error| " << err.max().item<double>() << ", worst error/tolerance " << worst);
  // MUONLAB_FUSED_TEST_VERBOSE=1 prints how much of each bound is used (a bound used at 1e-6 is loose, not wrong).
  if (verbose())
    std::printf("  %-36s max |error| %.3e  worst error/bound %.3e\n", what.c_str(), err.max().item<double>(), worst);
  CHECK((err <= t).all().item<bool>());
}

inline torch::Tensor grad_of(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& g) {
  return torch::autograd::grad({y}, {x}, {g})[0];
}

/// Input data drawn in float64 on the CPU (the same numbers on every device), rounded to dtype, moved to device.
inline torch::Tensor draw(torch::IntArrayRef shape, double scale, torch::ScalarType dtype, torch::Device device) {
  return (torch::randn(shape, torch::kFloat64) * scale).to(dtype).to(device);
}

/// RMSNorm over rows × cols, x placed `offset` elements into its buffer (an offset makes the kernel's pointer
/// unaligned, so it takes its scalar path).
inline void check_rms_norm(torch::Device dev, torch::ScalarType dt, Impl impl, int64_t rows, int64_t cols,
                           int64_t offset = 0) {
  std::ostringstream os;
  os << "rms_norm " << rows << "x" << cols << " offset " << offset << " " << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  const torch::Tensor buf = draw({rows * cols + offset}, 3.0, dt, dev);
  const torch::Tensor x = buf.narrow(0, offset, rows * cols).view({rows, cols}).detach().requires_grad_(true);
  const torch::Tensor g = draw({rows, cols}, 1.0, dt, dev);
  const torch::Tensor y = nanochat::fused::rms_norm(x, impl);
  REQUIRE(y.scalar_type() == dt);
  const torch::Tensor gx = grad_of(y, x, g);
  REQUIRE(gx.scalar_type() == dt);

  const double u = unit_roundoff(dt);
  const RmsExact e = rms_exact(x);
  const torch::Tensor ge = f64(g), gx_e = rms_grad(ge, e.y, e.r);
  // Forward: mean of `cols` squares, eps, rsqrt (≤ 2 ulp), one product: ≤ cols + 8 float32 roundings, then the
  // output rounded once to dt: |Δy| ≤ (u + 2γ_{cols+8})·|y|.
  const torch::Tensor tol_y = (u + 2 * gamma(cols + 8, kU32)) * e.y.abs();
  // Backward from the stored output y (off by ≤ (u + 2γ)|y|, so mean(g⊙y) is off by ≤ (u + 3γ)·mean(|g||y|)):
  // |Δgx| ≤ u·|gx| + (2u(1 + u) + γ_{2·cols+16})·r·(|g| + |y|·mean(|g||y|)).
  const torch::Tensor S = rms_grad_abs(ge, e.y.abs(), e.r);
  const torch::Tensor tol_g = u * gx_e.abs() + (2 * u * (1 + u) + gamma(2 * cols + 16, kU32)) * S;
  check_within(y, e.y, tol_y, "y vs exact");
  check_within(gx, gx_e, tol_g, "dx vs exact");
  // The reference rounds the same way (float32 statistics, one rounding of y) and differentiates the float32
  // expression, so each of its results is within the same bound of the exact one.
  const torch::Tensor y_ref = nanochat::fused::reference::rms_norm(x);
  check_within(y, y_ref, 2 * tol_y, "y vs reference");
  check_within(gx, grad_of(y_ref, x, g), 2 * tol_g, "dx vs reference");
}

/// Rotary + QK-norm on x (B, T, H, D).
inline void check_rope_qk_norm(torch::Device dev, torch::ScalarType dt, Impl impl, int64_t B, int64_t T, int64_t H,
                               int64_t D) {
  std::ostringstream os;
  os << "rope_qk_norm (" << B << ", " << T << ", " << H << ", " << D << ") " << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  const torch::Tensor x = draw({B, T, H, D}, 2.0, dt, dev).requires_grad_(true);
  const torch::Tensor g = draw({B, T, H, D}, 1.0, dt, dev);
  auto [cos, sin] = rope_tables(T, D);
  cos = cos.to(dev), sin = sin.to(dev);
  const torch::Tensor y = nanochat::fused::rope_qk_norm(x, cos, sin, impl);
  REQUIRE(y.scalar_type() == dt);
  const torch::Tensor gx = grad_of(y, x, g);

  const double u = unit_roundoff(dt);
  const torch::Tensor xe = f64(x), c = f64(cos), s = f64(sin), ge = f64(g);
  const torch::Tensor rot = rotate(xe, c, s, false);
  const torch::Tensor r = torch::rsqrt(rot.square().mean(-1, true) + kEpsF32);
  const torch::Tensor ye = rot * r;
  const torch::Tensor gx_e = rotate(rms_grad(ge, ye, r), c, s, true);
  // Magnitudes: Y = r·|rotation|(|x|) ≥ |y| bounds every rounding in the rotation; S bounds the backward's.
  const torch::Tensor Y = r * rotate_abs(xe, c, s);
  const torch::Tensor S = rotate_abs(rms_grad_abs(ge, Y, r), c, s);
  // Fused: rotation (3 roundings), D-term mean, rsqrt, product in float32, output rounded once:
  // |Δy| ≤ u|y| + (2u² + γ_{2D+16})·Y. Backward as RMSNorm's, then the transposed rotation in float32 and one
  // rounding: |Δgx| ≤ u|gx| + (2u(1 + u) + γ_{2D+24})·S.
  const torch::Tensor tol_y = u * ye.abs() + (2 * u * u + gamma(2 * D + 16, kU32)) * Y;
  const torch::Tensor tol_g = u * gx_e.abs() + (2 * u * (1 + u) + gamma(2 * D + 24, kU32)) * S;
  check_within(y, ye, tol_y, "y vs exact");
  check_within(gx, gx_e, tol_g, "dx vs exact");
  // The reference (model.cpp) rotates in dt: the cos/sin tables, both products and their sum are rounded, so the
  // rotated values are off by ≤ 3.1u·A (A = |rotation|(|x|)); since ‖A‖ ≤ ‖x‖ = ‖rotation(x)‖ (Cauchy–Schwarz,
  // c² + s² = 1) the row's rstd moves by ≤ 3.1u relatively: |Δy| ≤ u|y| + (6.5u + γ)·Y. Its backward sees those
  // perturbed values (y and mean(g⊙y) off by ≤ 6.2u relative to Y: ≤ 15.5u·S), rounds the gradient to dt and rotates
  // back in dt (the tables, the products and the sum again: ≤ 3.1u): ≤ (20u + γ)·S in all.
  const torch::Tensor tol_y_ref = u * ye.abs() + (6.5 * u + gamma(2 * D + 16, kU32)) * Y;
  const torch::Tensor tol_g_ref = (20 * u + gamma(2 * D + 24, kU32)) * S;
  const torch::Tensor y_ref = nanochat::fused::reference::rope_qk_norm(x, cos, sin);
  check_within(y, y_ref, tol_y + tol_y_ref, "y vs reference");
  check_within(gx, grad_of(y_ref, x, g), tol_g + tol_g_ref, "dx vs reference");
}

/// relu(x)² over n elements placed `offset` elements into their buffer; a tenth of them exactly zero.
inline void check_relu_square(torch::Device dev, torch::ScalarType dt, Impl impl, int64_t n, int64_t offset = 0) {
  std::ostringstream os;
  os << "relu_square n=" << n << " offset " << offset << " " << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  torch::Tensor buf = draw({n + offset}, 2.0, dt, dev);
  buf.masked_fill_(torch::rand({n + offset}, torch::kFloat64).to(dev) < 0.1, 0.0);
  const torch::Tensor x = buf.narrow(0, offset, n).detach().requires_grad_(true);
  const torch::Tensor g = draw({n}, 1.0, dt, dev);
  const torch::Tensor y = nanochat::fused::relu_square(x, impl);
  const torch::Tensor gx = grad_of(y, x, g);
  REQUIRE(y.scalar_type() == dt);

  const double u = unit_roundoff(dt);
  const torch::Tensor xe = f64(x), ge = f64(g);
  const torch::Tensor ye = torch::relu(xe).square(), gx_e = 2 * torch::relu(xe) * ge;
  // x² of a dt number is rounded once to dt (exact in float32 for bfloat16): |Δy| ≤ u|y|. The backward takes √y of
  // the stored y (relative error ≤ u/2), then 2·√y·g in float32 and one rounding: ≤ (1.5u + u² + γ_4)·|gx|.
  check_within(y, ye, u * ye.abs(), "y vs exact");
  check_within(gx, gx_e, (1.5 * u + u * u + gamma(4, kU32)) * gx_e.abs(), "dx vs exact");
  // The reference squares the same float32 value and rounds it the same way: equal bit for bit.
  const torch::Tensor y_ref = nanochat::fused::reference::relu_square(x);
  CHECK(torch::equal(y, y_ref));
  check_within(gx, grad_of(y_ref, x, g), (2.5 * u + u * u + gamma(8, kU32)) * gx_e.abs(), "dx vs reference");
}

/// Softcapped cross-entropy, h (N, C) in dt, w (V, C) float32 master weights, chunks of `chunk` rows.
inline void check_softcap_ce(torch::Device dev, torch::ScalarType dt, Impl impl, int64_t N, int64_t C, int64_t V,
                             double softcap, int64_t chunk, const std::string& reduction, double h_scale,
                             double w_scale) {
  std::ostringstream os;
  os << "softcap_cross_entropy N=" << N << " C=" << C << " V=" << V << " softcap " << softcap << " chunk " << chunk
                                  << " " << reduction << " " << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  const torch::Tensor h = draw({N, C}, h_scale, dt, dev).requires_grad_(true);
  const torch::Tensor w = draw({V, C}, w_scale, torch::kFloat32, dev).requires_grad_(true);
  const torch::Tensor targets = torch::randint(0, V, {N}, torch::kInt64).to(dev);
  const torch::TensorOptions f32 = torch::TensorOptions(torch::kFloat32).device(dev);
  const torch::Tensor g = reduction == "none" ? draw({N}, 1.0, torch::kFloat32, dev) : torch::full({}, 0.75, f32);
  nanochat::fused::SoftcapCeOptions opt;
  opt.softcap = softcap, opt.reduction = reduction, opt.chunk_rows = chunk;
  const torch::Tensor loss = nanochat::fused::softcap_cross_entropy(h, w, targets, opt, impl);
  REQUIRE(loss.scalar_type() == torch::kFloat32);
  const auto grads = torch::autograd::grad({loss}, {h, w}, {g});
  REQUIRE(grads[0].scalar_type() == dt);
  REQUIRE(grads[1].scalar_type() == torch::kFloat32);

  // The matmuls see h and w rounded to dt; the logits and dz are stored in dt, everything else is float32.
  const double u = unit_roundoff(dt);
  const CeExact e = ce_exact(h, w.to(dt), targets, softcap, reduction, g, u, kU32);
  check_within(loss, e.loss, e.tol_loss, "loss vs exact");
  check_within(grads[0], e.dh, e.tol_dh, "dh vs exact");
  check_within(grads[1], e.dw, e.tol_dw, "dw vs exact");
  // The reference rounds at the same places (bf16 logits and logit gradient, float32 in between) with one chunk.
  const torch::Tensor loss_ref = nanochat::fused::reference::softcap_cross_entropy(h, w, targets, softcap, reduction);
  const auto grads_ref = torch::autograd::grad({loss_ref}, {h, w}, {g});
  check_within(loss, loss_ref, 2 * e.tol_loss, "loss vs reference");
  check_within(grads[0], grads_ref[0], 2 * e.tol_dh, "dh vs reference");
  check_within(grads[1], grads_ref[1], 2 * e.tol_dw, "dw vs reference");
}

// ---- the kernels one by one (the fused::cuda wrappers on a GPU, the SIMT emulator on the CPU) ---------------------

using TensorPair = std::pair<torch::Tensor, torch::Tensor>;
struct RmsKernels {
  std::function<TensorPair(const torch::Tensor& x, double eps)> forward;
  std::function<torch::Tensor(const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd)> backward;
};
struct RopeKernels {
  std::function<TensorPair(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, double eps)>
      forward;
  std::function<torch::Tensor(const torch::Tensor& gy, const torch::Tensor& y, const torch::Tensor& rstd,
                              const torch::Tensor& cos, const torch::Tensor& sin)>
      backward;
};
struct ReluKernels {
  std::function<torch::Tensor(const torch::Tensor& x)> forward;
  std::function<torch::Tensor(const torch::Tensor& gy, const torch::Tensor& y)> backward;
};
struct CeKernels {
  std::function<TensorPair(const torch::Tensor& z, const torch::Tensor& targets, double softcap)> forward;
  std::function<void(torch::Tensor& z, const torch::Tensor& targets, const torch::Tensor& lse,
                     const torch::Tensor& dloss, double dloss_scale, double softcap)>
      backward;
};

/// A contiguous rows × cols tensor of dt placed `offset` elements into its buffer (unaligned for offset ≠ 0).
inline torch::Tensor draw_at(int64_t rows, int64_t cols, int64_t offset, double scale, torch::ScalarType dt,
                             torch::Device dev) {
  return draw({rows * cols + offset}, scale, dt, dev).narrow(0, offset, rows * cols).view({rows, cols});
}

/// The RMSNorm kernels against the exact values, with check_rms_norm's bounds; rstd within γ_{cols+8} relative.
inline void check_rms_kernels(const RmsKernels& k, torch::Device dev, torch::ScalarType dt, int64_t rows,
                              int64_t cols, int64_t offset = 0) {
  std::ostringstream os;
  os << "rms_norm kernels " << rows << "x" << cols << " offset " << offset << " " << c10::toString(dt) << " on "
     << dev;
  INFO(describe(os));
  const torch::Tensor x = draw_at(rows, cols, offset, 3.0, dt, dev), g = draw_at(rows, cols, offset, 1.0, dt, dev);
  const auto [y, rstd] = k.forward(x, kEpsF32);
  const torch::Tensor gx = k.backward(g, y, rstd);
  const double u = unit_roundoff(dt);
  const RmsExact e = rms_exact(x);
  const torch::Tensor ge = f64(g), gx_e = rms_grad(ge, e.y, e.r);
  check_within(rstd, e.r.view({rows}), gamma(cols + 8, kU32) * e.r.view({rows}), "rstd vs exact");
  check_within(y, e.y, (u + 2 * gamma(cols + 8, kU32)) * e.y.abs(), "y vs exact");
  const torch::Tensor S = rms_grad_abs(ge, e.y.abs(), e.r);
  check_within(gx, gx_e, u * gx_e.abs() + (2 * u * (1 + u) + gamma(2 * cols + 16, kU32)) * S, "dx vs exact");
}

/// The rotary + RMSNorm kernels against the exact values, with check_rope_qk_norm's bounds.
inline void check_rope_kernels(const RopeKernels& k, torch::Device dev, torch::ScalarType dt, int64_t B, int64_t T,
                               int64_t H, int64_t D, int64_t offset = 0) {
  std::ostringstream os;
  os << "rope_qk_norm kernels (" << B << ", " << T << ", " << H << ", " << D << ") offset " << offset << " "
     << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  const torch::Tensor x = draw_at(B * T * H, D, offset, 2.0, dt, dev).view({B, T, H, D});
  const torch::Tensor g = draw_at(B * T * H, D, offset, 1.0, dt, dev).view({B, T, H, D});
  auto [cos, sin] = rope_tables(T, D);
  cos = cos.to(dev), sin = sin.to(dev);
  const auto [y, rstd] = k.forward(x, cos, sin, kEpsF32);
  const torch::Tensor gx = k.backward(g, y, rstd, cos, sin);
  const double u = unit_roundoff(dt);
  const torch::Tensor xe = f64(x), c = f64(cos), s = f64(sin), ge = f64(g);
  const torch::Tensor rot = rotate(xe, c, s, false);
  const torch::Tensor r = torch::rsqrt(rot.square().mean(-1, true) + kEpsF32);
  const torch::Tensor ye = rot * r, gx_e = rotate(rms_grad(ge, ye, r), c, s, true);
  const torch::Tensor Y = r * rotate_abs(xe, c, s), S = rotate_abs(rms_grad_abs(ge, Y, r), c, s);
  check_within(rstd, r.view({B, T, H}), gamma(2 * D + 16, kU32) * r.view({B, T, H}), "rstd vs exact");
  check_within(y, ye, u * ye.abs() + (2 * u * u + gamma(2 * D + 16, kU32)) * Y, "y vs exact");
  check_within(gx, gx_e, u * gx_e.abs() + (2 * u * (1 + u) + gamma(2 * D + 24, kU32)) * S, "dx vs exact");
}

/// The ReLU² kernels: y equal bit for bit to ATen's relu(x)² on the same device, dx within check_relu_square's bound.
inline void check_relu_kernels(const ReluKernels& k, torch::Device dev, torch::ScalarType dt, int64_t n,
                               int64_t offset = 0) {
  std::ostringstream os;
  os << "relu_square kernels n=" << n << " offset " << offset << " " << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  torch::Tensor x = draw_at(1, n, offset, 2.0, dt, dev).view({n});
  x.masked_fill_(torch::rand({n}, torch::kFloat64).to(dev) < 0.1, 0.0);
  const torch::Tensor g = draw_at(1, n, offset, 1.0, dt, dev).view({n});
  const torch::Tensor y = k.forward(x), gx = k.backward(g, y);
  CHECK(torch::equal(y, torch::relu(x).square()));
  const double u = unit_roundoff(dt);
  const torch::Tensor gx_e = 2 * torch::relu(f64(x)) * f64(g);
  check_within(gx, gx_e, (1.5 * u + u * u + gamma(4, kU32)) * gx_e.abs(), "dx vs exact");
}

/// The cross-entropy row kernels on given logits z (rows, V): loss and lse against the exact values of the same z,
/// then dz for per-row loss gradients and for one broadcast value.
inline void check_ce_kernels(const CeKernels& k, torch::Device dev, torch::ScalarType dt, int64_t rows, int64_t V,
                             double s = 15) {
  std::ostringstream os;
  os << "softcap_cross_entropy kernels rows " << rows << " V " << V << " " << c10::toString(dt) << " on " << dev;
  INFO(describe(os));
  const torch::Tensor z = draw({rows, V}, 8.0, dt, dev);  // |z| to ~40: the cap saturates
  const torch::Tensor t = torch::randint(0, V, {rows}, torch::kInt64).to(dev);
  const auto [loss, lse] = k.forward(z, t, s);
  const torch::Tensor ze = f64(z), onehot = torch::zeros_like(ze).scatter_(1, t.reshape({rows, 1}), 1.0);
  const torch::Tensor th = torch::tanh(ze / s), c = s * th;
  const torch::Tensor lse_e = torch::logsumexp(c, 1), loss_e = lse_e - (c * onehot).sum(1);
  // c: reciprocal, product, tanhf (≤ 2 ulp), product: ≤ γ_8·s. lse: V terms, shift, expf, logf: ≤ γ_{V+16}
  // relative to the magnitudes |lse| + 2s its terms and arguments take.
  const torch::Tensor tol_lse = gamma(V + 16, kU32) * (lse_e.abs() + 2 * s) + gamma(8, kU32) * s;
  check_within(lse, lse_e, tol_lse, "lse");
  // loss = lse − c_target, one more rounding of a value ≤ |lse| + s.
  check_within(loss, loss_e, tol_lse + gamma(8, kU32) * s + kU32 * (lse_e.abs() + s), "loss");

  const torch::Tensor p = torch::exp(c - lse_e.unsqueeze(1));
  const double u = unit_roundoff(dt);
  // log p = c − lse is off by ≤ |Δc| + |Δlse| + the subtraction's rounding; expf adds ≤ 2 ulp; 1 − th² is off by
  // ≤ 2γ_8 + γ_2; the products by γ_8; the result is stored in dt.
  const torch::Tensor dlogp = tol_lse + gamma(8, kU32) * s + kU32 * (lse_e.abs() + s);
  const torch::Tensor dp = p * torch::expm1(dlogp).unsqueeze(1) + gamma(4, kU32) * p;
  const double dth2 = 2 * gamma(8, kU32) + gamma(2, kU32);
  for (bool broadcast : {false, true}) {
    const torch::Tensor dl = broadcast ? torch::full({1}, 0.5, torch::TensorOptions(torch::kFloat32).device(dev))
                                       : draw({rows}, 1.0, torch::kFloat32, dev);
    const double scale = broadcast ? 1.0 / double(rows) : 1.0;
    torch::Tensor dz = z.clone();
    k.backward(dz, t, lse, dl, scale, s);
    const torch::Tensor dle = (broadcast ? f64(dl).expand({rows}) : f64(dl)) * scale;
    const torch::Tensor dz_e = (p - onehot) * dle.unsqueeze(1) * (1 - th.square());
    const torch::Tensor tol =
        u * dz_e.abs() +
        (1 + u) * dle.abs().unsqueeze(1) * (dp * (1 - th.square() + dth2) + (p + onehot) * (dth2 + gamma(8, kU32)));
    check_within(dz, dz_e, tol, broadcast ? "dz (broadcast gradient)" : "dz (per-row gradient)");
  }
}

/// A NaN logit, or a target outside [0, V), makes that row's loss NaN and leaves the other rows finite.
inline void check_ce_kernels_nan(const CeKernels& k, torch::Device dev, torch::ScalarType dt) {
  INFO("softcap_cross_entropy kernels, NaN and bad targets, " << c10::toString(dt) << " on " << dev);
  torch::Tensor z = draw({4, 64}, 3.0, dt, dev);
  z.index_put_({1, 17}, std::nan(""));
  const torch::Tensor t = torch::tensor({3, 5, 64, -1}, torch::kInt64).to(dev);  // rows 2 and 3 out of range
  const torch::Tensor loss = k.forward(z, t, 15).first.cpu();
  CHECK(std::isfinite(loss[0].item<double>()));
  CHECK(std::isnan(loss[1].item<double>()));
  CHECK(std::isnan(loss[2].item<double>()));
  CHECK(std::isnan(loss[3].item<double>()));
}

}  // namespace muonlab::testing::fused_checks
