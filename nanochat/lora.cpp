#include "nanochat/lora.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace muonlab::nanochat {

double lora_scale(const LoraConfig& c) {
  return c.rslora ? c.alpha / std::sqrt(double(c.rank)) : c.alpha / double(c.rank);
}

LoraAdapter::LoraAdapter(torch::Tensor a, torch::Tensor b, double s, double p)
    : A(std::move(a)), B(std::move(b)), scale(s), dropout(p) {}

torch::Tensor LoraAdapter::forward(const torch::Tensor& x, bool bf16) {
  const torch::Tensor xd = (training && dropout > 0) ? torch::dropout(x, dropout, /*train=*/true) : x;
  return linear(linear(xd, A, bf16), B, bf16) * scale;  // s · (drop(x) Aᵀ) Bᵀ: (…, in) → (…, r) → (…, out)
}

torch::Tensor LoraAdapter::delta64() const {
  torch::NoGradGuard no_grad;
  return torch::matmul(B.detach().to(torch::kFloat64), A.detach().to(torch::kFloat64)) * scale;
}

std::vector<LoraTarget> attach_lora(GPT& model, const LoraConfig& cfg) {
  cfg.validate();
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.set_requires_grad(false);  // base weights, embedding and head frozen
  const double s = lora_scale(cfg);
  std::vector<LoraTarget> out;
  for (const NamedMatrix& m : hidden_matrices(model)) {
    if (std::find(cfg.targets.begin(), cfg.targets.end(), m.kind) == cfg.targets.end()) continue;
    const std::int64_t rows = m.weight.size(0), cols = m.weight.size(1), r = cfg.rank;
    if (r > std::min(rows, cols))
      throw std::invalid_argument("--rank " + std::to_string(r) + " exceeds min(out, in) = " +
                                  std::to_string(std::min(rows, cols)) + " of " + m.name + " (" + m.kind + ", " +
                                  std::to_string(rows) + "×" + std::to_string(cols) + ")");
    if (*m.adapter) throw std::invalid_argument(m.name + " already carries an adapter");
    const auto opts = m.weight.options();
    torch::Tensor a, b;
    if (cfg.init == "pissa") {
      // W = U S Vᵀ in float64; s·B A = U_r S_r V_rᵀ; base ← W − s·B A (so B A carries the top-r part of W).
      const torch::Tensor w64 = m.weight.detach().to(torch::kFloat64);
      const auto [u, sv, vh] = at::linalg_svd(w64, /*full_matrices=*/false);  // driver: default in 1.13 and 2.x
      const torch::Tensor root = (sv.narrow(0, 0, r) / s).sqrt();                       // (S_r/s)^½, (r)
      const torch::Tensor b64 = u.narrow(1, 0, r) * root.view({1, r});                  // U_r (S_r/s)^½
      const torch::Tensor a64 = root.view({r, 1}) * vh.narrow(0, 0, r);                  // (S_r/s)^½ V_rᵀ
      m.weight.copy_(w64 - torch::matmul(b64, a64) * s);
      a = a64.to(opts), b = b64.to(opts);
    } else {
      // PyTorch/peft Kaiming-uniform with a = √5: bound = √(6/((1 + a²)·in)) = 1/√in.
      const double bound = 1.0 / std::sqrt(double(cols));
      a = torch::empty({r, cols}, opts).uniform_(-bound, bound);
      b = torch::zeros({rows, r}, opts);
    }
    a.set_requires_grad(true);
    b.set_requires_grad(true);
    auto adapter = std::make_shared<LoraAdapter>(a, b, s, cfg.dropout);
    *m.adapter = adapter;
    LoraTarget t;
    t.name = m.name, t.kind = m.kind, t.layer = m.layer, t.weight = m.weight, t.slot = m.adapter;
    t.adapter = adapter;
    t.delta0 = adapter->delta64();
    out.push_back(std::move(t));
  }
  if (out.empty()) throw std::invalid_argument("no LoRA target matches this model");
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> lora_parameters(const std::vector<LoraTarget>& targets) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const LoraTarget& t : targets) {
    const std::string stem = t.name.substr(0, t.name.rfind(".weight"));
    out.emplace_back(stem + ".lora_A", t.adapter->A);
    out.emplace_back(stem + ".lora_B", t.adapter->B);
  }
  return out;
}

std::vector<Route> lora_routing(const std::vector<LoraTarget>& targets, Rule rule, double lr, bool a_adamw) {
  std::vector<Route> routes;
  for (const auto& [name, p] : lora_parameters(targets)) {
    const bool is_a = name.size() >= 7 && name.compare(name.size() - 7, 7, ".lora_A") == 0;
    routes.push_back({name, p, (is_a && a_adamw) ? Rule::AdamW : rule, lr});
  }
  return routes;
}

void set_lora_training(std::vector<LoraTarget>& targets, bool training) {
  for (LoraTarget& t : targets) t.adapter->training = training;
}

torch::Tensor lora_update(const LoraTarget& t) { return t.adapter->delta64() - t.delta0; }

void merge_lora(std::vector<LoraTarget>& targets) {
  torch::NoGradGuard no_grad;
  for (LoraTarget& t : targets) {
    if (!t.slot || !*t.slot) continue;  // merged already
    t.weight.add_(t.adapter->delta64().to(t.weight.options()));  // W ← W + s·B A (B = 0 adds exact zeros)
    t.slot->reset();
  }
}

}  // namespace muonlab::nanochat
