#include "nanochat/optim.hpp"

#include "nanochat/optimizer_names.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace muonlab::nanochat {

// ---- orthogonalization -----------------------------------------------------------------------------------------

torch::Tensor newton_schulz(const torch::Tensor& g, const NsCoefficients& sch, bool bf16) {
  if (g.dim() != 2 && g.dim() != 3) throw std::invalid_argument("newton_schulz: expected a matrix or a stack of them");
  const bool tall = g.size(-2) > g.size(-1);
  torch::Tensor x = tall ? g.transpose(-2, -1) : g;
  if (bf16) x = x.to(torch::kBFloat16);
  // X / (‖X‖F·(1 + safety) + eps), the norm per matrix (REFERENCE §3; safety > 0 for Polar Express tables)
  x = x / (x.norm(2, {-2, -1}, /*keepdim=*/true) * (1.0 + sch.safety) + sch.eps);
  const bool batched = x.dim() == 3;
  // c·beta + (a·b)·alpha in one GEMM call (cuBLAS accumulates in fp32 and rounds once).
  auto gemm_acc = [batched](const torch::Tensor& c, const torch::Tensor& a, const torch::Tensor& b, double beta,
                            double alpha) {
    return batched ? torch::baddbmm(c, a, b, beta, alpha) : torch::addmm(c, a, b, beta, alpha);
  };
  for (const auto& st : sch.steps) {
    const torch::Tensor a = torch::matmul(x, x.transpose(-2, -1));  // A = X Xᵀ (small Gram matrix)
    const torch::Tensor b = gemm_acc(a, a, a, st[1], st[2]);         // bA + cA²
    x = gemm_acc(x, b, x, st[0], 1.0);                               // aX + (bA + cA²)X
  }
  if (tall) x = x.transpose(-2, -1);
  return x.to(g.scalar_type());
}

// ---- update rules ----------------------------------------------------------------------------------------------

namespace {

void ensure_zero(torch::Tensor& s, const torch::Tensor& like) {
  if (!s.defined()) s = torch::zeros_like(like);
}

// The Frobenius norm of each matrix of a (m, n) or (k, m, n) tensor, shaped to broadcast against it.
torch::Tensor matrix_norms(const torch::Tensor& x) { return x.norm(2, {-2, -1}, /*keepdim=*/true); }

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

// Multi-tensor (foreach) kernels: a few launches for the whole list instead of a few per tensor.
void adamw_foreach(std::vector<torch::Tensor>& w, const std::vector<torch::Tensor>& g, std::vector<torch::Tensor>& m,
                   std::vector<torch::Tensor>& v, std::int64_t t, double lr, const AdamWHyper& h) {
  torch::_foreach_mul_(m, h.beta1);
  torch::_foreach_add_(m, g, 1.0 - h.beta1);
  torch::_foreach_mul_(v, h.beta2);
  torch::_foreach_addcmul_(v, g, g, 1.0 - h.beta2);
  const double bc1 = 1.0 - std::pow(h.beta1, double(t)), bc2 = 1.0 - std::pow(h.beta2, double(t));
  if (h.weight_decay != 0) torch::_foreach_mul_(w, 1.0 - lr * h.weight_decay);
  std::vector<torch::Tensor> denom = torch::_foreach_div(v, bc2);
  torch::_foreach_sqrt_(denom);
  torch::_foreach_add_(denom, h.eps);
  if (std::abs(lr / bc1) <= std::numeric_limits<float>::max()) {
    torch::_foreach_addcdiv_(w, m, denom, -lr / bc1);
  } else {
    // A step size beyond float32's range cannot be a kernel's scalar argument: scale m̂ in tensor arithmetic, which
    // overflows to ±inf as the per-tensor rule does (a diverging run is then detected, not an exception).
    std::vector<torch::Tensor> step = torch::_foreach_div(m, bc1);
    torch::_foreach_mul_(step, lr);
    torch::_foreach_addcdiv_(w, step, denom, -1.0);
  }
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

Direction muon_direction(const torch::Tensor& g, torch::Tensor& buf, const MuonHyper& h) {
  const torch::Tensor u = muon_momentum(g, buf, h);
  const double m = double(g.size(-2)), n = double(g.size(-1));
  // Moonlight: 0.2·√max(m, n), RMS-matched to AdamW; Keller: √max(1, m/n).
  const double scale = h.variant == "moonlight" ? 0.2 * std::sqrt(std::max(m, n)) : std::sqrt(std::max(1.0, m / n));
  return {newton_schulz(u, h.ns, h.bf16), scale};
}

Direction adamuon_direction(const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& v, const MuonHyper& h) {
  MuonHyper keller = h;
  keller.variant = "keller";
  const torch::Tensor u = muon_momentum(g, buf, keller);
  const torch::Tensor o = newton_schulz(torch::sign(u), h.ns, h.bf16);  // O = NS(sign(u)) (seed 004)
  ensure_zero(v, g);
  v.lerp_(o * o, 1.0 - h.momentum);               // v ← βv + (1−β)O², β = the momentum, no bias correction
  const torch::Tensor oh = o / (v.sqrt() + 1e-8);  // Ô = O / (√v + 1e-8)
  // RMS(Ô) = 0.2: Ô·0.2·√(mn)/‖Ô‖F per matrix; ‖Ô‖F = 0 (u = 0: a zero gradient) means no move.
  const torch::Tensor nrm = matrix_norms(oh);
  const double target = 0.2 * std::sqrt(double(g.size(-2)) * double(g.size(-1)));
  const torch::Tensor factor = torch::where(nrm > 0, target / nrm, torch::zeros_like(nrm));
  return {oh * factor, 1.0};
}

Direction normuon_direction(const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& nu, const MuonHyper& h,
                            double beta2, double eps) {
  MuonHyper keller = h;
  keller.variant = "keller";
  const torch::Tensor u = muon_momentum(g, buf, keller);
  const torch::Tensor o = newton_schulz(u, h.ns, h.bf16);
  if (!nu.defined()) {
    std::vector<std::int64_t> shape(g.sizes().begin(), g.sizes().end());
    shape.back() = 1;
    nu = torch::zeros(shape, g.options());
  }
  nu.lerp_((o * o).mean(-1, /*keepdim=*/true), 1.0 - beta2);  // ν ← β2 ν + (1−β2) rowmean(O⊙O), m×1
  torch::Tensor oh = o / (nu.sqrt() + eps);                    // Ô = O / (√ν + ε)
  oh.mul_(matrix_norms(o) / (matrix_norms(oh) + eps));         // ‖Ô‖F = ‖O‖F (+ε as the reference code)
  return {oh, std::sqrt(std::max(1.0, double(g.size(-2)) / double(g.size(-1))))};
}

namespace {

void apply_direction(torch::Tensor& w, const Direction& d, double lr, double weight_decay) {
  if (weight_decay != 0) w.mul_(1.0 - lr * weight_decay);  // decoupled (Moonlight uses 0.1, nanochat 0)
  w.sub_(d.d, lr * d.scale);
}

}  // namespace

void muon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, double lr, const MuonHyper& h) {
  torch::NoGradGuard no_grad;
  apply_direction(w, muon_direction(g, buf, h), lr, h.weight_decay);
}

void adamuon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& v, double lr,
                    const MuonHyper& h) {
  torch::NoGradGuard no_grad;
  apply_direction(w, adamuon_direction(g, buf, v, h), lr, h.weight_decay);
}

void normuon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& nu, double lr,
                    const MuonHyper& h, double beta2, double eps) {
  torch::NoGradGuard no_grad;
  apply_direction(w, normuon_direction(g, buf, nu, h, beta2, eps), lr, h.weight_decay);
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

Rule matrix_rule(solvers::OptimizerId optimizer) {
  // The torch registry: each shared rule (solvers/optimizer_id.hpp) on its torch implementation above.
  switch (solvers::optimizer_row(optimizer).rule) {
    case solvers::UpdateRule::adam: return Rule::AdamW;  // nanochat's options of the Adam rule
    case solvers::UpdateRule::muon: return Rule::Muon;
    case solvers::UpdateRule::adamuon: return Rule::AdaMuon;
    case solvers::UpdateRule::normuon: return Rule::NorMuon;
    default: break;
  }
  throw std::invalid_argument("optimizer '" + optimizer_text(optimizer) + "' has no torch rule");
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
  make_groups();
}

void ModelOptimizer::make_groups() {
  groups_.clear();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    auto same = [&](const SlotGroup& g) {
      const Slot& f = slots_[g.slots.front()];
      return g.rule == s.rule && f.base_lr == s.base_lr && f.param.sizes() == s.param.sizes() &&
             f.param.scalar_type() == s.param.scalar_type() && f.param.device() == s.param.device();
    };
    auto it = std::find_if(groups_.begin(), groups_.end(), same);
    if (it == groups_.end()) groups_.push_back(SlotGroup{s.rule, {i}, {}, false});
    else it->slots.push_back(i);
  }
}

std::vector<std::string> stacked_keys(Rule r) {
  switch (r) {
    case Rule::Muon: return {"buf"};
    case Rule::AdaMuon: return {"buf", "v"};
    case Rule::NorMuon: return {"buf", "nu"};
    case Rule::AdamW: return {};
  }
  return {};
}

void ModelOptimizer::bind(SlotGroup& g) {
  // Stack the slots' state (zeros where a slot has none yet, as the per-slot rules start) and make each slot's state
  // a view into the stack, so checkpoints, the per-slot path and the batched path all see one state.
  for (const std::string& key : stacked_keys(g.rule)) {
    std::vector<torch::Tensor> parts;
    for (std::size_t i : g.slots) {
      const Slot& s = slots_[i];
      const auto it = s.state.find(key);
      if (it != s.state.end() && it->second.defined()) {
        parts.push_back(it->second);
      } else {
        std::vector<std::int64_t> shape(s.param.sizes().begin(), s.param.sizes().end());
        if (key == "nu") shape.back() = 1;  // NorMuon's row statistic, m×1
        parts.push_back(torch::zeros(shape, s.param.options()));
      }
    }
    torch::Tensor stacked = torch::stack(parts);
    for (std::size_t j = 0; j < g.slots.size(); ++j) slots_[g.slots[j]].state[key] = stacked[std::int64_t(j)];
    g.stacked[key] = stacked;
  }
  g.bound = true;
}

void ModelOptimizer::step_slot(Slot& s, double lr, const MuonHyper& mh) {
  const torch::Tensor& g = s.param.grad();
  torch::Tensor w = s.param;
  switch (s.rule) {
    case Rule::AdamW: adamw_update(w, g, s.state["m"], s.state["v"], ++s.t, lr, adam_); break;
    case Rule::Muon: muon_update(w, g, s.state["buf"], lr, mh); break;
    case Rule::AdaMuon: adamuon_update(w, g, s.state["buf"], s.state["v"], lr, mh); break;
    case Rule::NorMuon: normuon_update(w, g, s.state["buf"], s.state["nu"], lr, mh, normuon_beta2_); break;
  }
}

void ModelOptimizer::step_group(SlotGroup& g, double lr_mult, const MuonHyper& mh) {
  const double lr = slots_[g.slots.front()].base_lr * lr_mult;
  std::vector<torch::Tensor> ws, gs;
  bool all = true, same_t = true;
  for (std::size_t i : g.slots) {
    const Slot& s = slots_[i];
    if (!s.param.grad().defined()) all = false;
    if (s.t != slots_[g.slots.front()].t) same_t = false;
    ws.push_back(s.param), gs.push_back(s.param.grad());
  }
  if (!batched_ || g.slots.size() == 1 || !all || (g.rule == Rule::AdamW && !same_t)) {
    for (std::size_t i : g.slots)
      if (slots_[i].param.grad().defined()) step_slot(slots_[i], lr, mh);
    return;
  }
  if (g.rule == Rule::AdamW) {
    std::vector<torch::Tensor> ms, vs;
    for (std::size_t i : g.slots) {
      Slot& s = slots_[i];
      ensure_zero(s.state["m"], s.param), ensure_zero(s.state["v"], s.param);
      ms.push_back(s.state["m"]), vs.push_back(s.state["v"]);
      ++s.t;
    }
    adamw_foreach(ws, gs, ms, vs, slots_[g.slots.front()].t, lr, adam_);
    return;
  }
  if (!g.bound) bind(g);
  const torch::Tensor G = torch::stack(gs);  // (k, m, n)
  Direction d;
  switch (g.rule) {
    case Rule::Muon: d = muon_direction(G, g.stacked["buf"], mh); break;
    case Rule::AdaMuon: d = adamuon_direction(G, g.stacked["buf"], g.stacked["v"], mh); break;
    case Rule::NorMuon: d = normuon_direction(G, g.stacked["buf"], g.stacked["nu"], mh, normuon_beta2_); break;
    case Rule::AdamW: break;
  }
  if (mh.weight_decay != 0) torch::_foreach_mul_(ws, 1.0 - lr * mh.weight_decay);
  torch::_foreach_add_(ws, d.d.contiguous().unbind(0), -lr * d.scale);
}

void ModelOptimizer::step(double lr_mult, double momentum) {
  torch::NoGradGuard no_grad;
  MuonHyper mh = muon_;
  mh.momentum = momentum;
  for (SlotGroup& g : groups_) step_group(g, lr_mult, mh);
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
      if (v.defined()) out[s.name + "." + k] = v.clone();  // a copy: the state may view a group's stack
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
  for (SlotGroup& g : groups_) g.stacked.clear(), g.bound = false;  // re-stacked at the next step
}

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return torch::zeros({});
  const torch::Tensor total = torch::stack(torch::_foreach_norm(grads, 2)).norm();
  // torch.nn.utils.clip_grad_norm_: g ← g·min(1, max_norm / (‖g‖ + 1e-6)), here without reading ‖g‖ on the host.
  torch::_foreach_mul_(grads, torch::clamp_max(max_norm / (total + 1e-6), 1.0));
  return total;
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
