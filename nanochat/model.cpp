#include "nanochat/model.hpp"

#include "nanochat/fused_ops.hpp"

#include <cmath>
#include <limits>

namespace muonlab::nanochat {

// ---- primitives ----------------------------------------------------------------------------------------------

torch::Tensor rms_norm(const torch::Tensor& x) {
  // F.rms_norm(x, (C,)) with eps=None uses the dtype's machine epsilon; the statistics run in float32.
  // torch::rms_norm: one fused kernel on CUDA (the arithmetic x·rsqrt(mean(x²) + eps) written out is 5 passes).
  const double eps = std::numeric_limits<float>::epsilon();
  const torch::Tensor xf = x.scalar_type() == torch::kFloat64 ? x : x.to(torch::kFloat32);
  return torch::rms_norm(xf, {xf.size(-1)}, /*weight=*/std::nullopt, eps).to(x.scalar_type());
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, bool bf16) {
  if (bf16) return torch::matmul(x.to(torch::kBFloat16), w.to(torch::kBFloat16).t());
  return torch::matmul(x, w.t());
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const AdapterSlot& adapter, bool bf16) {
  if (!adapter) return linear(x, w, bf16);
  return linear(x, w, bf16) + adapter->forward(x, bf16);
}

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t d = x.size(3) / 2;
  const torch::Tensor x1 = x.narrow(3, 0, d), x2 = x.narrow(3, d, d);  // (B, T, H, D/2) each
  const torch::Tensor c = cos.to(x.scalar_type()), s = sin.to(x.scalar_type());
  const torch::Tensor y1 = x1 * c + x2 * s;
  const torch::Tensor y2 = x2 * c - x1 * s;
  return torch::cat({y1, y2}, 3);
}

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  // scale 1/√D is SDPA's default; no dropout.
  return torch::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0, /*is_causal=*/true);
}

torch::Tensor causal_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const int64_t T = q.size(2);
  // The softmax in float32 at least (float64 inputs stay float64).
  const auto acc = q.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  torch::Tensor att = torch::matmul(q, k.transpose(-2, -1)).to(acc) / std::sqrt(double(q.size(3)));
  const torch::Tensor future = torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(q.device()))
                                   .triu(1);  // (T, T): true above the diagonal
  att = att.masked_fill(future, -std::numeric_limits<float>::infinity()).softmax(-1).to(v.scalar_type());
  return torch::matmul(att, v);  // (B, H, T, D)
}

namespace {

torch::nn::Linear make_linear(int in, int out) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

}  // namespace

// ---- blocks --------------------------------------------------------------------------------------------------

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const ModelConfig& c)
    : n_head(c.n_head()), head_dim(c.actual_head_dim()) {
  const int C = c.n_embd();
  c_q = register_module("c_q", make_linear(C, n_head * head_dim));
  c_k = register_module("c_k", make_linear(C, n_head * head_dim));
  c_v = register_module("c_v", make_linear(C, n_head * head_dim));
  c_proj = register_module("c_proj", make_linear(n_head * head_dim, C));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                               const torch::Tensor& sin, const ComputeMode& mode) {
  const int64_t B = x.size(0), T = x.size(1);
  const bool bf16 = mode.bf16;
  torch::Tensor q = linear(x, c_q->weight, q_adapter, bf16).view({B, T, n_head, head_dim});  // (B, T, H, D)
  torch::Tensor k = linear(x, c_k->weight, k_adapter, bf16).view({B, T, n_head, head_dim});
  torch::Tensor v = linear(x, c_v->weight, v_adapter, bf16).view({B, T, n_head, head_dim});
  // RoPE, then QK-norm (nanochat's order).
  const torch::Tensor c = cos.narrow(1, 0, T).contiguous(), s = sin.narrow(1, 0, T).contiguous();
  if (mode.fused) {
    q = fused::rope_qk_norm(q, c, s, mode.fused_impl), k = fused::rope_qk_norm(k, c, s, mode.fused_impl);
  } else {
    q = rms_norm(apply_rotary(q, c, s)), k = rms_norm(apply_rotary(k, c, s));
  }
  q = q.transpose(1, 2), k = k.transpose(1, 2), v = v.transpose(1, 2);  // (B, H, T, D)
  torch::Tensor y = mode.sdpa ? causal_attention(q, k, v) : causal_attention_reference(q, k, v);  // (B, H, T, D)
  y = y.transpose(1, 2).contiguous().view({B, T, n_head * head_dim});  // (B, T, C)
  return linear(y, c_proj->weight, proj_adapter, bf16);
}

MLPImpl::MLPImpl(const ModelConfig& c) {
  const int C = c.n_embd();
  c_fc = register_module("c_fc", make_linear(C, 4 * C));
  c_proj = register_module("c_proj", make_linear(4 * C, C));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x, const ComputeMode& mode) {
  const torch::Tensor up = linear(x, c_fc->weight, fc_adapter, mode.bf16);
  const torch::Tensor hdn =
      mode.fused ? fused::relu_square(up, mode.fused_impl) : torch::relu(up).square();  // ReLU² (B, T, 4C)
  return linear(hdn, c_proj->weight, proj_adapter, mode.bf16);
}

BlockImpl::BlockImpl(const ModelConfig& c) {
  attn = register_module("attn", CausalSelfAttention(c));
  mlp = register_module("mlp", MLP(c));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                                 const ComputeMode& mode) {
  auto norm = [&](const torch::Tensor& t) { return mode.fused ? fused::rms_norm(t, mode.fused_impl) : rms_norm(t); };
  torch::Tensor y = x + attn->forward(norm(x), cos, sin, mode).to(x.scalar_type());
  return y + mlp->forward(norm(y), mode).to(x.scalar_type());
}

// ---- the model -----------------------------------------------------------------------------------------------

GPTImpl::GPTImpl(const ModelConfig& c) : config(c) {
  c.validate();
  wte = register_module("wte", torch::nn::Embedding(c.vocab_size, c.n_embd()));
  h = register_module("h", torch::nn::ModuleList());
  for (int i = 0; i < c.depth; ++i) h->push_back(Block(c));
  lm_head = register_module("lm_head", make_linear(c.n_embd(), c.vocab_size));
  // RoPE tables: inv_freq_j = base^(−2j/D), angle = t·inv_freq (nanochat's _precompute_rotary_embeddings).
  const int64_t D = c.actual_head_dim();
  const torch::Tensor inv_freq =
      1.0 / torch::pow(c.rope_base, torch::arange(0, D, 2, torch::kFloat64) / double(D));  // (D/2)
  const torch::Tensor t = torch::arange(c.seq_len, torch::kFloat64);
  const torch::Tensor freqs = torch::outer(t, inv_freq);  // (T, D/2)
  rope_cos = register_buffer("rope_cos", freqs.cos().to(torch::kFloat32).view({1, c.seq_len, 1, D / 2}));
  rope_sin = register_buffer("rope_sin", freqs.sin().to(torch::kFloat32).view({1, c.seq_len, 1, D / 2}));
  init_weights();
}

void GPTImpl::init_weights() {
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    torch::Tensor w = p.value();
    if (p.key() == "wte.weight") {
      w.normal_(0.0, 1.0);  // embedding N(0, 1)
    } else if (w.dim() == 2) {
      // Linear: N(0, 1/√fan_in · min(1, √(fan_out/fan_in))) (arXiv 2310.17813, as nanochat)
      const double fan_out = double(w.size(0)), fan_in = double(w.size(1));
      w.normal_(0.0, 1.0 / std::sqrt(fan_in) * std::min(1.0, std::sqrt(fan_out / fan_in)));
    }
  }
  // Zero init: the LM head and both output projections of every block (nanochat init_weights).
  lm_head->weight.zero_();
  for (const auto& m : *h) {
    auto* b = m->as<BlockImpl>();
    b->attn->c_proj->weight.zero_();
    b->mlp->c_proj->weight.zero_();
  }
}

torch::Tensor GPTImpl::hidden(const torch::Tensor& idx) {
  const int64_t T = idx.size(1);
  if (T > config.seq_len)
    throw std::invalid_argument("sequence of " + std::to_string(T) + " tokens exceeds the context length " +
                                std::to_string(config.seq_len));
  auto norm = [&](const torch::Tensor& t) { return mode.fused ? fused::rms_norm(t, mode.fused_impl) : rms_norm(t); };
  torch::Tensor x = norm(wte->forward(idx));  // (B, T, C): norm after the embedding
  for (const auto& m : *h) x = m->as<BlockImpl>()->forward(x, rope_cos, rope_sin, mode);
  return norm(x);
}

torch::Tensor GPTImpl::forward(const torch::Tensor& idx) {
  torch::Tensor logits = linear(hidden(idx), lm_head->weight, mode.bf16);  // (B, T, V)
  if (logits.scalar_type() != torch::kFloat64) logits = logits.to(torch::kFloat32);  // float32 at least
  return config.softcap * torch::tanh(logits / config.softcap);                                // softcap 15
}

torch::Tensor GPTImpl::loss(const torch::Tensor& idx, const torch::Tensor& targets, const std::string& reduction) {
  if (reduction != "mean" && reduction != "sum" && reduction != "none")
    throw std::invalid_argument("loss reduction must be mean, sum or none, got '" + reduction + "'");
  if (mode.fused) {
    // The chunked softcap cross-entropy: the (B·T, V) logits exist a chunk of rows at a time, in the matmul dtype.
    torch::Tensor hs = hidden(idx);
    hs = hs.reshape({-1, hs.size(-1)});
    if (mode.bf16) hs = hs.to(torch::kBFloat16);
    fused::SoftcapCeOptions o;
    o.softcap = config.softcap, o.reduction = reduction;
    const torch::Tensor l =
        fused::softcap_cross_entropy(hs, lm_head->weight, targets.reshape({-1}), o, mode.fused_impl);
    return reduction == "none" ? l.view(targets.sizes()) : l;
  }
  const torch::Tensor logits = forward(idx);
  const torch::Tensor logp = torch::log_softmax(logits.view({-1, logits.size(-1)}), -1);
  const torch::Tensor nll = -logp.gather(1, targets.reshape({-1, 1})).squeeze(1);  // (B·T)
  if (reduction == "sum") return nll.sum();
  if (reduction == "none") return nll.view(targets.sizes());
  return nll.mean();
}

void GPTImpl::to_device(const torch::Device& device) {
  to(device);
  mode.bf16 = device.is_cuda();
  mode.fused = device.is_cuda();
}

std::vector<NamedMatrix> hidden_matrices(GPT& model) {
  std::vector<NamedMatrix> out;
  int layer = 0;
  for (const auto& m : *model->h) {
    auto* b = m->as<BlockImpl>();
    const std::string p = "h." + std::to_string(layer) + ".";
    out.push_back({p + "attn.c_q.weight", "Q", layer, b->attn->c_q->weight, &b->attn->q_adapter});
    out.push_back({p + "attn.c_k.weight", "K", layer, b->attn->c_k->weight, &b->attn->k_adapter});
    out.push_back({p + "attn.c_v.weight", "V", layer, b->attn->c_v->weight, &b->attn->v_adapter});
    out.push_back({p + "attn.c_proj.weight", "O", layer, b->attn->c_proj->weight, &b->attn->proj_adapter});
    out.push_back({p + "mlp.c_fc.weight", "MLP_up", layer, b->mlp->c_fc->weight, &b->mlp->fc_adapter});
    out.push_back({p + "mlp.c_proj.weight", "MLP_down", layer, b->mlp->c_proj->weight, &b->mlp->proj_adapter});
    ++layer;
  }
  return out;
}

ParamCount count_parameters(GPT& model) {
  ParamCount c;
  for (const auto& p : model->named_parameters()) {
    const std::int64_t n = p.value().numel();
    c.total += n;
    if (p.key() == "wte.weight") c.embedding += n;
    else if (p.key() == "lm_head.weight") c.head += n;
    else c.hidden += n;
  }
  return c;
}

double flops_per_token(const ModelConfig& c) {
  const double C = c.n_embd(), L = c.depth, T = c.seq_len, V = c.vocab_size;
  const double matmul_weights = L * 12 * C * C + V * C;
  return 6 * matmul_weights + 12 * L * T * C;
}

}  // namespace muonlab::nanochat
