#include "nanochat/optim.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace muonlab::nanochat {

// ---- orthogonalization -----------------------------------------------------------------------------------------

torch::Tensor newton_schulz(const torch::Tensor& g, const NsCoefficients& sch, bool bf16) {
  if (g.dim() != 2) throw std::invalid_argument("newton_schulz: expected a matrix");
  const bool tall = g.size(0) > g.size(1);
  torch::Tensor x = tall ? g.t() : g;
  if (bf16) x = x.to(torch::kBFloat16);
  // X / (‖X‖F·(1 + safety) + eps) (REFERENCE §3; safety > 0 for Polar Express tables)
  x = x / (x.norm() * (1.0 + sch.safety) + sch.eps);
  for (const auto& st : sch.steps) {
    const torch::Tensor a = torch::matmul(x, x.t());                     // A = X Xᵀ (small Gram matrix)
    const torch::Tensor b = st[1] * a + st[2] * torch::matmul(a, a);     // bA + cA²
    x = st[0] * x + torch::matmul(b, x);                                 // aX + (bA + cA²)X
  }
  if (tall) x = x.t();
  return x.to(g.scalar_type());
}

// ---- update rules ----------------------------------------------------------------------------------------------

namespace {

void ensure_zero(torch::Tensor& s, const torch::Tensor& like) {
  if (!s.defined()) s = torch::zeros_like(like);
}

}  // namespace

void adamw_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, std::int64_t t,
                  double lr, const AdamWHyper& h) {
  torch::NoGradGuard no_grad;
  ensure_zero(m, w), ensure_zero(v, w);
  m.mul_(h.beta1).add_(g, 1.0 - h.beta1);            // m ← β1 m + (1−β1) g
  v.mul_(h.beta2).addcmul_(g, g, 1.0 - h.beta2);     // v ← β2 v + (1−β2) g²
  const double bc1 = 1.0 - std::pow(h.beta1, double(t)), bc2 = 1.0 - std::pow(h.beta2, double(t));
  if (h.weight_decay != 0) w.mul_(1.0 - lr * h.weight_decay);
  // W ← W − lr · m̂ / (√v̂ + ε), m̂ = m/bc1, v̂ = v/bc2
  w.sub_(lr * (m / bc1) / ((v / bc2).sqrt() + h.eps));
}

torch::Tensor muon_momentum(const torch::Tensor& g, torch::Tensor& buf, const MuonHyper& h) {
  ensure_zero(buf, g);
  const double beta = h.momentum;
  if (h.variant == "moonlight") {
    buf.mul_(beta).add_(g);                        // B ← βB + g (classical momentum)
    return h.nesterov ? g + beta * buf : buf.clone();  // u = g + βB
  }
  buf.lerp_(g, 1.0 - beta);                        // B ← βB + (1−β)g (EMA, Keller)
  return h.nesterov ? g.lerp(buf, beta) : buf.clone();  // u = (1−β)g + βB
}

void muon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, double lr, const MuonHyper& h) {
  torch::NoGradGuard no_grad;
  const torch::Tensor u = muon_momentum(g, buf, h);
  const torch::Tensor o = newton_schulz(u, h.ns, h.bf16);
  const double m = double(w.size(0)), n = double(w.size(1));
  if (h.weight_decay != 0) w.mul_(1.0 - lr * h.weight_decay);  // decoupled (Moonlight uses 0.1, nanochat 0)
  if (h.variant == "moonlight") {
    w.sub_(o, lr * 0.2 * std::sqrt(std::max(m, n)));  // Moonlight: RMS-matched to AdamW
  } else {
    w.sub_(o, lr * std::sqrt(std::max(1.0, m / n)));  // Keller: √max(1, m/n)
  }
}

void adamuon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& v, double lr,
                    const MuonHyper& h) {
  torch::NoGradGuard no_grad;
  MuonHyper keller = h;
  keller.variant = "keller";
  const torch::Tensor u = muon_momentum(g, buf, keller);
  const torch::Tensor o = newton_schulz(torch::sign(u), h.ns, h.bf16);  // O = NS(sign(u)) (seed 004)
  ensure_zero(v, w);
  v.lerp_(o * o, 1.0 - h.momentum);               // v ← βv + (1−β)O², β = the momentum, no bias correction
  torch::Tensor oh = o / (v.sqrt() + 1e-8);        // Ô = O / (√v + 1e-8)
  const double nrm = oh.norm().item<double>();
  if (h.weight_decay != 0) w.mul_(1.0 - lr * h.weight_decay);
  if (nrm == 0) return;                            // u = 0 (first step of a zero gradient): no move
  const double scale = 0.2 * std::sqrt(double(w.size(0)) * double(w.size(1))) / nrm;  // RMS(Ô) = 0.2
  w.sub_(oh, lr * scale);
}

void normuon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& nu, double lr,
                    const MuonHyper& h, double beta2, double eps) {
  torch::NoGradGuard no_grad;
  MuonHyper keller = h;
  keller.variant = "keller";
  const torch::Tensor u = muon_momentum(g, buf, keller);
  const torch::Tensor o = newton_schulz(u, h.ns, h.bf16);
  if (!nu.defined()) nu = torch::zeros({w.size(0), 1}, w.options());
  nu.lerp_((o * o).mean(1, /*keepdim=*/true), 1.0 - beta2);  // ν ← β2 ν + (1−β2) rowmean(O⊙O), m×1
  torch::Tensor oh = o / (nu.sqrt() + eps);                    // Ô = O / (√ν + ε)
  const double on = o.norm().item<double>(), ohn = oh.norm().item<double>();
  oh.mul_(on / (ohn + eps));                                   // ‖Ô‖F = ‖O‖F (+ε as the reference code)
  if (h.weight_decay != 0) w.mul_(1.0 - lr * h.weight_decay);
  w.sub_(oh, lr * std::sqrt(std::max(1.0, double(w.size(0)) / double(w.size(1)))));
}

// ---- the optimizer of a model ----------------------------------------------------------------------------------

std::string rule_name(Rule r) {
  switch (r) {
    case Rule::AdamW: return "adamw";
    case Rule::Muon: return "muon";
    case Rule::AdaMuon: return "adamuon";
    case Rule::NorMuon: return "normuon";
  }
  return "?";
}

Rule matrix_rule(const std::string& optimizer) {
  if (optimizer == "muon") return Rule::Muon;
  if (optimizer == "adam") return Rule::AdamW;
  if (optimizer == "adamuon") return Rule::AdaMuon;
  if (optimizer == "normuon") return Rule::NorMuon;
  throw std::invalid_argument("unknown optimizer '" + optimizer + "' (muon, adam, adamuon or normuon)");
}

std::vector<Route> nanochat_routing(const std::vector<std::pair<std::string, torch::Tensor>>& named_params,
                                    int n_embd, const TrainConfig& cfg) {
  // nanochat: AdamW learning rates scale as (n_embd/768)^−0.5 (tuned at width 768); the matrix lr does not.
  const double s = std::pow(double(n_embd) / 768.0, -0.5);
  const Rule mrule = matrix_rule(cfg.optimizer);
  std::vector<Route> routes;
  for (const auto& [name, p] : named_params) {
    if (name == "wte.weight") routes.push_back({name, p, Rule::AdamW, cfg.embedding_lr * s});
    else if (name == "lm_head.weight") routes.push_back({name, p, Rule::AdamW, cfg.unembedding_lr * s});
    else if (p.dim() == 2) routes.push_back({name, p, mrule, cfg.effective_matrix_lr()});
    else routes.push_back({name, p, Rule::AdamW, cfg.embedding_lr * s});  // none in this model (no 1-D params)
  }
  return routes;
}

ModelOptimizer::ModelOptimizer(const std::vector<std::pair<std::string, torch::Tensor>>& named_params, int n_embd,
                               const TrainConfig& cfg, bool cuda)
    : ModelOptimizer(nanochat_routing(named_params, n_embd, cfg), cfg, cuda) {}

ModelOptimizer::ModelOptimizer(std::vector<Route> routes, const TrainConfig& cfg, bool cuda)
    : normuon_beta2_(cfg.normuon_beta2) {
  adam_.beta1 = cfg.adam_beta1, adam_.beta2 = cfg.adam_beta2, adam_.eps = cfg.adam_eps;
  adam_.weight_decay = cfg.weight_decay;
  muon_.variant = cfg.muon_variant;
  muon_.momentum = cfg.momentum_end;
  muon_.weight_decay = cfg.weight_decay;
  muon_.ns = ns_coefficients(cfg.ns);
  muon_.bf16 = cuda;
  for (Route& r : routes) {
    Slot slot;
    slot.name = std::move(r.name);
    slot.param = r.param;
    slot.rule = r.rule;
    slot.base_lr = r.base_lr;
    slots_.push_back(std::move(slot));
  }
}

void ModelOptimizer::step(double lr_mult, double momentum) {
  torch::NoGradGuard no_grad;
  MuonHyper mh = muon_;
  mh.momentum = momentum;
  for (Slot& s : slots_) {
    const torch::Tensor& g = s.param.grad();
    if (!g.defined()) continue;
    const double lr = s.base_lr * lr_mult;
    torch::Tensor w = s.param;
    switch (s.rule) {
      case Rule::AdamW: adamw_update(w, g, s.state["m"], s.state["v"], ++s.t, lr, adam_); break;
      case Rule::Muon: muon_update(w, g, s.state["buf"], lr, mh); break;
      case Rule::AdaMuon: adamuon_update(w, g, s.state["buf"], s.state["v"], lr, mh); break;
      case Rule::NorMuon: normuon_update(w, g, s.state["buf"], s.state["nu"], lr, mh, normuon_beta2_); break;
    }
  }
}

void ModelOptimizer::zero_grad() {
  for (Slot& s : slots_) {
    torch::Tensor g = s.param.mutable_grad();
    if (g.defined()) g.zero_();
  }
}

std::map<std::string, torch::Tensor> ModelOptimizer::state_dict() const {
  std::map<std::string, torch::Tensor> out;
  for (const Slot& s : slots_) {
    for (const auto& [k, v] : s.state)
      if (v.defined()) out[s.name + "." + k] = v;
    out[s.name + ".t"] = torch::tensor(std::vector<std::int64_t>{s.t});
  }
  return out;
}

void ModelOptimizer::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  for (Slot& s : slots_) {
    s.state.clear();
    for (const auto& [k, v] : state) {
      if (k.rfind(s.name + ".", 0) != 0) continue;
      const std::string key = k.substr(s.name.size() + 1);
      if (key == "t") s.t = v.item<std::int64_t>();
      else s.state[key] = v.to(s.param.device()).clone();
    }
  }
}

double lr_multiplier(int step, int steps, double warmdown_ratio) {
  const double warmdown = std::round(warmdown_ratio * steps);
  if (warmdown <= 0 || step < steps - warmdown) return 1.0;
  return std::max(0.0, double(steps - step) / warmdown);  // linear to 0 (nanochat final_lr_frac = 0)
}

double muon_momentum_at(int step, double start, double end, int warmup) {
  const double frac = warmup > 0 ? std::min(double(step) / warmup, 1.0) : 1.0;
  return (1.0 - frac) * start + frac * end;
}

}  // namespace muonlab::nanochat
