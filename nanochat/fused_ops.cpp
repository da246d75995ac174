// Fused NanoChat ops: references, the dispatcher, and one autograd Function per op whose forward and backward run
// either in plain ATen (Impl::Aten, the CPU path) or through the CUDA kernels (Impl::Kernel). The two paths run the
// same algorithm and save the same things; only the element-wise and row-reduction work differs.
#include "nanochat/fused_ops.hpp"

#include "nanochat/fused_ops_cuda.hpp"
#include "nanochat/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace muonlab::nanochat {

bool fused_ops_available() {
#ifdef MUONLAB_HAVE_CUDA_KERNELS
  return true;
#else
  return false;
#endif
}

namespace fused {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// F.rms_norm's default eps for float32 statistics (model.cpp's rms_norm).
const double kEps = std::numeric_limits<float>::epsilon();

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

std::string str(torch::ScalarType t) { return c10::toString(t); }

// The dtype statistics and element-wise math run in: float64 stays float64, everything else is float32.
torch::ScalarType opmath(torch::ScalarType t) { return t == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32; }

void require_floating(const torch::Tensor& x, const std::string& op, const std::string& name) {
  require(x.defined(), op + ": " + name + " is undefined");
  require(torch::isFloatingType(x.scalar_type()),
          op + ": " + name + " must be a floating-point tensor, got " + str(x.scalar_type()));
}

// ---- shared ATen pieces of the fused algorithms -------------------------------------------------------------

// Backward of y = r·rstd over the last dim, from the saved output: gr = rstd·(g − y·mean(g⊙y)).
torch::Tensor rms_backward_aten(const torch::Tensor& g, const torch::Tensor& y, const torch::Tensor& rstd) {
  const torch::Tensor gf = g.to(rstd.scalar_type()), yf = y.to(rstd.scalar_type());
  return rstd * (gf - yf * (gf * yf).mean(-1, /*keepdim=*/true));
}

// ---- autograd Functions -------------------------------------------------------------------------------------

struct RmsNormFn : torch::autograd::Function<RmsNormFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, bool kernel) {
    torch::Tensor y, rstd;
    if (kernel) {
      std::tie(y, rstd) = cuda::rms_norm_forward(x.contiguous(), kEps);
    } else {
      const torch::Tensor xf = x.to(opmath(x.scalar_type()));
      rstd = torch::rsqrt(xf.square().mean(-1, /*keepdim=*/true) + kEps);  // (..., 1)
      y = (xf * rstd).to(x.scalar_type());
    }
    ctx->save_for_backward({y, rstd});
    ctx->saved_data["kernel"] = kernel;
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const variable_list s = ctx->get_saved_variables();
    const torch::Tensor &y = s[0], &rstd = s[1];
    torch::Tensor gx = ctx->saved_data["kernel"].toBool()
                           ? cuda::rms_norm_backward(grad[0].contiguous(), y, rstd)
                           : rms_backward_aten(grad[0], y, rstd).to(y.scalar_type());
    return {gx, torch::Tensor()};
  }
};

// Rotation of the half-split pairs (x1, x2) by the angle whose cos and sin are c, s (broadcast over B and H):
// forward (x1·c + x2·s, x2·c − x1·s); its transpose (g1·c − g2·s, g1·s + g2·c).
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor& s, bool transpose) {
  const int64_t half = x.size(3) / 2;
  const torch::Tensor a = x.narrow(3, 0, half), b = x.narrow(3, half, half);
  if (transpose) return torch::cat({a * c - b * s, a * s + b * c}, 3);
  return torch::cat({a * c + b * s, b * c - a * s}, 3);
}

struct RopeQkNormFn : torch::autograd::Function<RopeQkNormFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& cos,
                               const torch::Tensor& sin, bool kernel) {
    torch::Tensor y, rstd, c, s;
    if (kernel) {
      c = cos.to(torch::kFloat32).contiguous();  // (1, T, 1, D/2): row t at t·D/2
      s = sin.to(torch::kFloat32).contiguous();
      std::tie(y, rstd) = cuda::rope_rms_norm_forward(x.contiguous(), c, s, kEps);
    } else {
      const torch::ScalarType op = opmath(x.scalar_type());
      c = cos.to(op), s = sin.to(op);
      const torch::Tensor r = rotate(x.to(op), c, s, /*transpose=*/false);  // (B, T, H, D)
      rstd = torch::rsqrt(r.square().mean(-1, /*keepdim=*/true) + kEps);   // (B, T, H, 1)
      y = (r * rstd).to(x.scalar_type());
    }
    ctx->save_for_backward({y, rstd, c, s});
    ctx->saved_data["kernel"] = kernel;
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const variable_list sv = ctx->get_saved_variables();
    const torch::Tensor &y = sv[0], &rstd = sv[1], &c = sv[2], &s = sv[3];
    torch::Tensor gx;
    if (ctx->saved_data["kernel"].toBool()) {
      gx = cuda::rope_rms_norm_backward(grad[0].contiguous(), y, rstd, c, s);
    } else {
      gx = rotate(rms_backward_aten(grad[0], y, rstd), c, s, /*transpose=*/true).to(y.scalar_type());
    }
    return {gx, torch::Tensor(), torch::Tensor(), torch::Tensor()};  // cos and sin are tables: no gradient
  }
};

struct ReluSquareFn : torch::autograd::Function<ReluSquareFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, bool kernel) {
    // relu is exact in any dtype; the square is rounded once (ATen computes bf16 products in float32).
    const torch::Tensor y = kernel ? cuda::relu_square_forward(x.contiguous()) : torch::relu(x).square();
    ctx->save_for_backward({y});
    ctx->saved_data["kernel"] = kernel;
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const torch::Tensor y = ctx->get_saved_variables()[0];
    torch::Tensor gx;
    if (ctx->saved_data["kernel"].toBool()) {
      gx = cuda::relu_square_backward(grad[0].contiguous(), y);
    } else {
      const torch::ScalarType op = opmath(y.scalar_type());
      gx = (2 * y.to(op).sqrt() * grad[0].to(op)).to(y.scalar_type());  // d relu(x)²/dx = 2·relu(x) = 2·√y
    }
    return {gx, torch::Tensor()};
  }
};

enum Reduction : int64_t { kMean = 0, kSum = 1, kNone = 2 };

Reduction parse_reduction(const std::string& r) {
  if (r == "mean") return kMean;
  if (r == "sum") return kSum;
  if (r == "none") return kNone;
  throw std::invalid_argument("softcap_cross_entropy: reduction must be mean, sum or none, got '" + r + "'");
}

// The capped logits' loss pieces of one chunk on the Aten path: (loss, lse) per row, in `acc`.
std::pair<torch::Tensor, torch::Tensor> ce_chunk_forward_aten(const torch::Tensor& z, const torch::Tensor& t,
                                                              double softcap, torch::ScalarType acc) {
  const torch::Tensor c = torch::tanh(z.to(acc) / softcap) * softcap;  // (n, V)
  const torch::Tensor lse = torch::logsumexp(c, 1);                     // (n)
  return {lse - c.gather(1, t.unsqueeze(1)).squeeze(1), lse};
}

// dz = (softmax(c) − onehot(t))·dl·(1 − tanh²(z/softcap)) on the Aten path, in z's dtype; dl (n) in acc.
torch::Tensor ce_chunk_backward_aten(const torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& lse,
                                     const torch::Tensor& dl, double softcap) {
  const torch::Tensor th = torch::tanh(z.to(lse.scalar_type()) / softcap);
  torch::Tensor p = torch::exp(th * softcap - lse.unsqueeze(1));
  const torch::Tensor idx = t.unsqueeze(1);
  p.scatter_(1, idx, p.gather(1, idx) - 1);
  return (p * dl.unsqueeze(1) * (1 - th.square())).to(z.scalar_type());
}

struct SoftcapCeFn : torch::autograd::Function<SoftcapCeFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& h, const torch::Tensor& w,
                               const torch::Tensor& targets, double softcap, int64_t reduction, int64_t chunk,
                               bool kernel) {
    const int64_t N = h.size(0);
    const torch::ScalarType acc = opmath(h.scalar_type());
    const torch::Tensor wm = w.to(h.scalar_type());  // the matmul's copy of w (V, C)
    torch::Tensor losses = torch::empty({N}, h.options().dtype(acc));
    torch::Tensor lse = torch::empty({N}, h.options().dtype(acc));
    for (int64_t r0 = 0; r0 < N; r0 += chunk) {
      const int64_t n = std::min(chunk, N - r0);
      const torch::Tensor z = torch::mm(h.narrow(0, r0, n), wm.t());  // (n, V) logits of this chunk only
      const torch::Tensor t = targets.narrow(0, r0, n);
      const auto [l, s] = kernel ? cuda::softcap_ce_forward(z, t, softcap) : ce_chunk_forward_aten(z, t, softcap, acc);
      losses.narrow(0, r0, n).copy_(l);
      lse.narrow(0, r0, n).copy_(s);
    }
    ctx->save_for_backward({h, wm, targets, lse});
    ctx->saved_data["softcap"] = softcap;
    ctx->saved_data["reduction"] = reduction;
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["kernel"] = kernel;
    ctx->saved_data["w_dtype"] = static_cast<int64_t>(w.scalar_type());
    if (reduction == kMean) return losses.mean();
    if (reduction == kSum) return losses.sum();
    return losses;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const variable_list sv = ctx->get_saved_variables();
    const torch::Tensor &h = sv[0], &wm = sv[1], &targets = sv[2], &lse = sv[3];
    const double softcap = ctx->saved_data["softcap"].toDouble();
    const int64_t reduction = ctx->saved_data["reduction"].toInt(), chunk = ctx->saved_data["chunk"].toInt();
    const bool kernel = ctx->saved_data["kernel"].toBool();
    const auto w_dtype = static_cast<torch::ScalarType>(ctx->saved_data["w_dtype"].toInt());
    const int64_t N = h.size(0), V = wm.size(0), C = wm.size(1);
    // Each row's loss gradient is dl[i]·scale: the upstream gradient per row (none) or one value for all rows.
    const torch::Tensor dl = reduction == kNone ? grad[0].to(lse.scalar_type()).contiguous()
                                                : grad[0].to(lse.scalar_type()).reshape({1});
    const double scale = reduction == kMean ? 1.0 / double(N) : 1.0;
    const bool need_h = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1);
    torch::Tensor dh = need_h ? torch::empty({N, C}, h.options()) : torch::Tensor();
    // dw accumulates the chunks' products (each in the matmul dtype) in float32, or float64 where the matmul or the
    // weights are float64; it is rounded to w's dtype once at the end.
    const torch::ScalarType dw_acc = torch::promote_types(opmath(wm.scalar_type()), opmath(w_dtype));
    torch::Tensor dw = need_w ? torch::zeros({V, C}, wm.options().dtype(dw_acc)) : torch::Tensor();
    for (int64_t r0 = 0; r0 < N; r0 += chunk) {
      const int64_t n = std::min(chunk, N - r0);
      const torch::Tensor hc = h.narrow(0, r0, n), t = targets.narrow(0, r0, n);
      torch::Tensor z = torch::mm(hc, wm.t());  // recomputed, never kept across chunks
      const torch::Tensor dlc = reduction == kNone ? dl.narrow(0, r0, n) : dl;
      if (kernel) {
        cuda::softcap_ce_backward_(z, t, lse.narrow(0, r0, n), dlc, scale, softcap);  // z now holds dz
      } else {
        z = ce_chunk_backward_aten(z, t, lse.narrow(0, r0, n), dlc.expand({n}) * scale, softcap);
      }
      if (need_h) {
        torch::Tensor dh_rows = dh.narrow(0, r0, n);  // contiguous rows of dh: mm writes in place
        torch::mm_out(dh_rows, z, wm);
      }
      if (need_w) dw.add_(torch::mm(z.t(), hc));
    }
    return {dh, need_w ? dw.to(w_dtype) : torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The CPU-side check of the targets' range (a device synchronization on CUDA; the kernel path skips it).
void check_target_range(const torch::Tensor& targets, int64_t V) {
  if (targets.numel() == 0) return;
  const int64_t lo = targets.min().item<int64_t>(), hi = targets.max().item<int64_t>();
  require(lo >= 0 && hi < V, "softcap_cross_entropy: targets must lie in [0, " + std::to_string(V) + "), found [" +
                                 std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

}  // namespace

// ---- dispatch -----------------------------------------------------------------------------------------------

bool enabled_by_env() {
  const char* v = std::getenv("MUONLAB_FUSED");
  if (v == nullptr || *v == '\0' || std::string(v) == "1") return true;
  if (std::string(v) == "0") return false;
  throw std::invalid_argument(std::string("MUONLAB_FUSED must be 0 (ATen reference) or 1 (fused ops), got '") + v +
                              "'");
}

Impl resolve(Impl impl, const torch::Tensor& x) {
  const bool kernel_ok = fused_ops_available() && x.is_cuda() && cuda::supports(x.scalar_type());
  switch (impl) {
    case Impl::Auto:
      if (!enabled_by_env()) return Impl::Reference;
      return kernel_ok ? Impl::Kernel : Impl::Reference;
    case Impl::Kernel:
      if (!kernel_ok) {
        const std::string why = !fused_ops_available() ? "the CUDA kernels were not compiled into this build"
                                : !x.is_cuda()         ? "the tensor is on " + x.device().str() + ", not CUDA"
                                                       : "the kernels take float32 or bfloat16, not " +
                                                     str(x.scalar_type());
        throw std::invalid_argument("fused kernel requested but " + why);
      }
      return Impl::Kernel;
    default:
      return impl;
  }
}

// ---- references ---------------------------------------------------------------------------------------------

namespace reference {

torch::Tensor rms_norm(const torch::Tensor& x) {
  const torch::Tensor xf = x.to(opmath(x.scalar_type()));
  return (xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + kEps)).to(x.scalar_type());
}

torch::Tensor rope_qk_norm(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return rms_norm(apply_rotary(x, cos, sin));  // model.cpp: RoPE, then QK-norm
}

torch::Tensor relu_square(const torch::Tensor& x) { return torch::relu(x).square(); }

torch::Tensor softcap_cross_entropy(const torch::Tensor& h, const torch::Tensor& w, const torch::Tensor& targets,
                                    double softcap, const std::string& reduction) {
  const Reduction r = parse_reduction(reduction);
  const torch::Tensor z = torch::matmul(h, w.to(h.scalar_type()).t()).to(opmath(h.scalar_type()));  // (N, V)
  const torch::Tensor logits = softcap * torch::tanh(z / softcap);
  const torch::Tensor nll = -torch::log_softmax(logits, -1).gather(1, targets.reshape({-1, 1})).squeeze(1);
  if (r == kSum) return nll.sum();
  if (r == kNone) return nll;
  return nll.mean();
}

}  // namespace reference

// ---- the ops --------------------------------------------------------------------------------------------------

torch::Tensor rms_norm(const torch::Tensor& x, Impl impl) {
  require_floating(x, "rms_norm", "x");
  require(x.dim() >= 1 && x.size(-1) >= 1, "rms_norm: the last dimension must be non-empty");
  const Impl r = resolve(impl, x);
  if (r == Impl::Reference) return reference::rms_norm(x);
  return RmsNormFn::apply(x, r == Impl::Kernel);
}

torch::Tensor rope_qk_norm(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, Impl impl) {
  const std::string op = "rope_qk_norm";
  require_floating(x, op, "x");
  require_floating(cos, op, "cos");
  require_floating(sin, op, "sin");
  require(x.dim() == 4 && x.size(3) >= 2 && x.size(3) % 2 == 0, op + ": x must be (B, T, H, D) with D even");
  const std::vector<int64_t> table{1, x.size(1), 1, x.size(3) / 2};
  require(cos.sizes() == table && sin.sizes() == table,
          op + ": cos and sin must be (1, T, 1, D/2) = (1, " + std::to_string(x.size(1)) + ", 1, " +
              std::to_string(x.size(3) / 2) + ")");
  require(cos.device() == x.device() && sin.device() == x.device(), op + ": cos and sin must be on x's device");
  const Impl r = resolve(impl, x);
  if (r == Impl::Reference) return reference::rope_qk_norm(x, cos, sin);
  return RopeQkNormFn::apply(x, cos, sin, r == Impl::Kernel);
}

torch::Tensor relu_square(const torch::Tensor& x, Impl impl) {
  require_floating(x, "relu_square", "x");
  const Impl r = resolve(impl, x);
  if (r == Impl::Reference) return reference::relu_square(x);
  return ReluSquareFn::apply(x, r == Impl::Kernel);
}

std::int64_t softcap_ce_chunk_rows(const SoftcapCeOptions& opt, std::int64_t N, std::int64_t V,
                                   std::int64_t elem_bytes) {
  require(opt.chunk_rows >= 0, "softcap_cross_entropy: chunk_rows must be ≥ 0 (0: automatic), got " +
                                   std::to_string(opt.chunk_rows));
  constexpr std::int64_t kChunkBytes = std::int64_t(256) << 20;
  const std::int64_t row_bytes = std::max<std::int64_t>(1, V * std::max<std::int64_t>(1, elem_bytes));
  const std::int64_t rows = opt.chunk_rows > 0 ? opt.chunk_rows : kChunkBytes / row_bytes;
  return std::clamp<std::int64_t>(rows, 1, std::max<std::int64_t>(N, 1));
}

torch::Tensor softcap_cross_entropy(const torch::Tensor& h, const torch::Tensor& w, const torch::Tensor& targets,
                                    const SoftcapCeOptions& opt, Impl impl) {
  const std::string op = "softcap_cross_entropy";
  require_floating(h, op, "h");
  require_floating(w, op, "w_head");
  require(h.dim() == 2 && w.dim() == 2, op + ": h must be (N, C) and w_head (V, C)");
  require(h.size(1) == w.size(1), op + ": h has " + std::to_string(h.size(1)) + " columns but w_head has " +
                                      std::to_string(w.size(1)));
  const int64_t N = h.size(0), V = w.size(0);
  require(N >= 1 && V >= 1 && h.size(1) >= 1, op + ": h and w_head must be non-empty");
  require(targets.defined() && targets.scalar_type() == torch::kInt64, op + ": targets must be int64");
  require(targets.dim() == 1 && targets.size(0) == N,
          op + ": targets must be (N) = (" + std::to_string(N) + ")");
  require(w.device() == h.device() && targets.device() == h.device(),
          op + ": h, w_head and targets must be on one device");
  require(opt.softcap > 0 && std::isfinite(opt.softcap), op + ": softcap must be positive and finite");
  const Reduction red = parse_reduction(opt.reduction);
  const int64_t chunk = softcap_ce_chunk_rows(opt, N, V, h.element_size());
  const Impl r = resolve(impl, h);
  if (r != Impl::Kernel) check_target_range(targets, V);
  if (r == Impl::Reference) return reference::softcap_cross_entropy(h, w, targets, opt.softcap, opt.reduction);
  return SoftcapCeFn::apply(h, w, targets.contiguous(), opt.softcap, int64_t(red), chunk, r == Impl::Kernel);
}

}  // namespace fused
}  // namespace muonlab::nanochat
