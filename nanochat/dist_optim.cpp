#include "nanochat/dist_optim.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace muonlab::nanochat {

namespace {

bool is_matrix_rule(Rule r) { return r != Rule::AdamW; }

// The state a Muon-family rule keeps per matrix (optim.hpp: stacked_keys), and its shape for an (m, n) matrix
// (NorMuon's ν is m×1).
std::vector<std::int64_t> state_shape(const std::string& key, std::vector<std::int64_t> item) {
  if (key == "nu") item.back() = 1;
  return item;
}

}  // namespace

DistOptimizer::DistOptimizer(ModelOptimizer& base, std::shared_ptr<Comm> comm) : base_(base), comm_(std::move(comm)) {
  if (!distributed()) return;
  const auto& slots = base_.slots();
  const auto& groups = base_.groups();
  const std::int64_t W = comm_->size();
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const SlotGroup& g = groups[gi];
    const torch::Tensor& p0 = slots[g.slots.front()].param;
    if (p0.device() != comm_->device())
      throw std::invalid_argument(fmt::format("distributed optimizer: '{}' is on {}, the process group on {}",
                                              slots[g.slots.front()].name, p0.device().str(), comm_->device().str()));
    if (p0.scalar_type() != slots.front().param.scalar_type())
      throw std::invalid_argument("distributed optimizer: every parameter must have the same dtype");
    Shard s;
    s.group = gi, s.rule = g.rule;
    if (is_matrix_rule(g.rule)) {
      s.k = std::int64_t(g.slots.size());
      s.item_shape.assign(p0.sizes().begin(), p0.sizes().end());
      s.item_numel = p0.numel();
    } else {
      s.k = std::int64_t(g.slots.size()) * p0.numel();
    }
    s.chunk = (s.k + W - 1) / W;
    shards_.push_back(std::move(s));
  }
}

std::vector<std::size_t> DistOptimizer::owned_slots() const {
  std::vector<std::size_t> out;
  const auto& groups = base_.groups();
  if (!distributed()) {
    for (const SlotGroup& g : groups) out.insert(out.end(), g.slots.begin(), g.slots.end());
    return out;
  }
  const std::int64_t r = comm_->rank();
  for (const Shard& s : shards_) {
    if (!is_matrix_rule(s.rule)) continue;
    const auto& ids = groups[s.group].slots;
    for (std::int64_t j = r * s.chunk; j < std::min(s.k, (r + 1) * s.chunk); ++j) out.push_back(ids[std::size_t(j)]);
  }
  return out;
}

torch::Tensor DistOptimizer::padded_flat(const Shard& s, const std::vector<torch::Tensor>& per_slot) const {
  std::vector<torch::Tensor> parts;
  std::int64_t n = 0;
  for (const torch::Tensor& t : per_slot) parts.push_back(t.reshape({-1})), n += t.numel();
  const std::int64_t total = s.chunk * comm_->size() * s.item_numel;
  if (total > n) parts.push_back(torch::zeros({total - n}, per_slot.front().options()));
  return torch::cat(parts);
}

torch::Tensor DistOptimizer::gather_full(const Shard& s, const torch::Tensor& part) const {
  torch::Tensor full = torch::empty({part.numel() * comm_->size()}, part.options());
  comm_->all_gather(full, part.reshape({-1}));
  (void)s;
  return full;
}

torch::Tensor DistOptimizer::step(double lr_mult, double momentum, double grad_clip) {
  torch::NoGradGuard no_grad;
  const auto& slots = base_.slots();
  const auto& groups = base_.groups();
  torch::Tensor norm = torch::zeros({});
  if (!distributed()) {
    if (grad_clip > 0) {
      std::vector<torch::Tensor> params;
      for (const Slot& s : slots) params.push_back(s.param);
      norm = clip_grad_norm(params, grad_clip);
    }
    base_.step(lr_mult, momentum);
    return norm;
  }
  const std::int64_t W = comm_->size(), r = comm_->rank();

  // Groups with a gradient this step (the same on every rank: one model, one code path). A slot without one in an
  // active group contributes zeros.
  std::vector<Shard*> active;
  for (Shard& s : shards_)
    for (std::size_t i : groups[s.group].slots)
      if (slots[i].param.grad().defined()) {
        active.push_back(&s);
        break;
      }
  if (active.empty()) return norm;

  // 1. One reduce-scatter: segment q of the send buffer is rank q's share of every active group, in group order.
  std::vector<std::vector<torch::Tensor>> per_rank(static_cast<std::size_t>(W));
  std::int64_t segment = 0;
  for (Shard* s : active) {
    std::vector<torch::Tensor> grads;
    for (std::size_t i : groups[s->group].slots) {
      const torch::Tensor& g = slots[i].param.grad();
      grads.push_back(g.defined() ? g : torch::zeros_like(slots[i].param));
    }
    const torch::Tensor flat = padded_flat(*s, grads);
    for (std::int64_t q = 0; q < W; ++q)
      per_rank[static_cast<std::size_t>(q)].push_back(flat.narrow(0, q * s->length(), s->length()));
    segment += s->length();
  }
  std::vector<torch::Tensor> pieces;
  for (auto& v : per_rank) pieces.insert(pieces.end(), v.begin(), v.end());
  torch::Tensor mine = comm_->reduce_scatter_sum(torch::cat(pieces));
  mine.div_(double(W));  // the mean over ranks of per-rank mean gradients: the global batch's mean gradient

  // 2. The global gradient norm from the shares (padding is zero), and the clip g·min(1, clip/(‖g‖ + 1e-6))
  //    (torch.nn.utils.clip_grad_norm_), kept on the group's device as optim.hpp's clip_grad_norm does: no host
  //    synchronization.
  if (grad_clip > 0) {
    torch::Tensor sq = mine.to(torch::kFloat64).square().sum().reshape({1});
    comm_->all_reduce_sum(sq);
    norm = sq.sqrt().reshape({});
    mine.mul_(torch::clamp_max(grad_clip / (norm + 1e-6), 1.0));
  }

  // 3. Each rank steps its share with the single-process rules.
  MuonHyper mh = base_.muon_hyper();
  mh.momentum = momentum;
  std::vector<torch::Tensor> updated;
  std::int64_t off = 0;
  for (Shard* s : active) {
    const torch::Tensor g = mine.narrow(0, off, s->length());
    off += s->length();
    const auto& ids = groups[s->group].slots;
    const double lr = slots[ids.front()].base_lr * lr_mult;
    std::vector<torch::Tensor> params;
    for (std::size_t i : ids) params.push_back(slots[i].param.detach());
    torch::Tensor w = padded_flat(*s, params).narrow(0, r * s->length(), s->length()).clone();
    if (is_matrix_rule(s->rule)) {
      std::vector<std::int64_t> shape = {s->chunk};
      shape.insert(shape.end(), s->item_shape.begin(), s->item_shape.end());
      const torch::Tensor G = g.view(shape);
      for (const std::string& key : stacked_keys(s->rule)) {
        torch::Tensor& st = s->state[key];
        if (!st.defined()) {
          std::vector<std::int64_t> ss = {s->chunk};
          const auto item = state_shape(key, s->item_shape);
          ss.insert(ss.end(), item.begin(), item.end());
          st = torch::zeros(ss, G.options());
        }
      }
      Direction d;
      switch (s->rule) {
        case Rule::Muon: d = muon_direction(G, s->state["buf"], mh); break;
        case Rule::AdaMuon: d = adamuon_direction(G, s->state["buf"], s->state["v"], mh); break;
        case Rule::NorMuon:
          d = normuon_direction(G, s->state["buf"], s->state["nu"], mh, base_.normuon_beta2());
          break;
        case Rule::AdamW: break;
      }
      torch::Tensor wm = w.view(shape);
      if (mh.weight_decay != 0) wm.mul_(1.0 - lr * mh.weight_decay);
      wm.add_(d.d, -lr * d.scale);
    } else {
      torch::Tensor& m = s->state["m"];
      torch::Tensor& v = s->state["v"];
      if (!m.defined()) m = torch::zeros_like(g);
      if (!v.defined()) v = torch::zeros_like(g);
      std::vector<torch::Tensor> ws{w}, gs{g}, ms{m}, vs{v};
      adamw_foreach(ws, gs, ms, vs, ++s->t, lr, base_.adamw_hyper());
    }
    updated.push_back(w);
  }

  // 4. One all-gather of the updated shares; every rank writes them into its parameters.
  torch::Tensor full = torch::empty({segment * W}, mine.options());
  comm_->all_gather(full, torch::cat(updated));
  off = 0;
  for (Shard* s : active) {
    std::vector<torch::Tensor> parts;
    for (std::int64_t q = 0; q < W; ++q) parts.push_back(full.narrow(0, q * segment + off, s->length()));
    off += s->length();
    const torch::Tensor flat = torch::cat(parts);  // the group's parameters, flattened and padded
    std::int64_t pos = 0;
    for (std::size_t i : groups[s->group].slots) {
      torch::Tensor p = slots[i].param.detach();
      p.view({-1}).copy_(flat.narrow(0, pos, p.numel()));
      pos += p.numel();
    }
  }
  return norm;
}

std::map<std::string, torch::Tensor> DistOptimizer::state_dict() const {
  if (!distributed()) return base_.state_dict();
  std::map<std::string, torch::Tensor> out;
  const auto& slots = base_.slots();
  const auto& groups = base_.groups();
  for (const Shard& s : shards_) {
    const auto& ids = groups[s.group].slots;
    const std::vector<std::string> keys =
        is_matrix_rule(s.rule) ? stacked_keys(s.rule) : std::vector<std::string>{"m", "v"};
    for (const std::string& key : keys) {
      const auto it = s.state.find(key);
      if (it == s.state.end() || !it->second.defined()) continue;  // not stepped yet (the same on every rank)
      const torch::Tensor full = gather_full(s, it->second);
      std::int64_t pos = 0;
      for (std::size_t i : ids) {
        const torch::Tensor& p = slots[i].param;
        const std::vector<std::int64_t> shape =
            is_matrix_rule(s.rule) ? state_shape(key, s.item_shape)
                                   : std::vector<std::int64_t>(p.sizes().begin(), p.sizes().end());
        std::int64_t n = 1;
        for (std::int64_t d : shape) n *= d;
        out[slots[i].name + "." + key] = full.narrow(0, pos, n).view(shape).clone();
        pos += n;
      }
    }
    for (std::size_t i : ids) out[slots[i].name + ".t"] = torch::tensor(std::vector<std::int64_t>{s.t});
  }
  return out;
}

void DistOptimizer::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  if (!distributed()) return base_.load_state_dict(state);
  torch::NoGradGuard no_grad;
  const auto& slots = base_.slots();
  const auto& groups = base_.groups();
  const std::int64_t r = comm_->rank();
  for (Shard& s : shards_) {
    s.state.clear();
    s.t = 0;
    const auto& ids = groups[s.group].slots;
    const auto t_it = state.find(slots[ids.front()].name + ".t");
    if (t_it != state.end()) s.t = t_it->second.item<std::int64_t>();
    const std::vector<std::string> keys =
        is_matrix_rule(s.rule) ? stacked_keys(s.rule) : std::vector<std::string>{"m", "v"};
    for (const std::string& key : keys) {
      bool any = false;
      std::vector<torch::Tensor> per_slot;
      for (std::size_t i : ids) {
        const torch::Tensor& p = slots[i].param;
        const std::vector<std::int64_t> shape =
            is_matrix_rule(s.rule) ? state_shape(key, s.item_shape)
                                   : std::vector<std::int64_t>(p.sizes().begin(), p.sizes().end());
        const auto it = state.find(slots[i].name + "." + key);
        if (it != state.end() && it->second.defined()) {
          if (it->second.sizes() != torch::IntArrayRef(shape))
            throw std::invalid_argument(c10::str("optimizer state '", slots[i].name, ".", key, "' has shape ",
                                                 it->second.sizes(), ", expected ", torch::IntArrayRef(shape)));
          per_slot.push_back(it->second.to(p.device(), p.scalar_type()));
          any = true;
        } else {
          per_slot.push_back(torch::zeros(shape, p.options()));
        }
      }
      if (!any) continue;
      Shard probe = s;
      probe.item_numel = is_matrix_rule(s.rule) ? per_slot.front().numel() : 1;
      const torch::Tensor flat = padded_flat(probe, per_slot);
      torch::Tensor part = flat.narrow(0, r * probe.length(), probe.length()).clone();
      if (is_matrix_rule(s.rule)) {
        std::vector<std::int64_t> shape = {s.chunk};
        const auto item = state_shape(key, s.item_shape);
        shape.insert(shape.end(), item.begin(), item.end());
        part = part.view(shape);
      }
      s.state[key] = part;
    }
  }
}

void DistOptimizer::gather_into_base() {
  if (distributed()) base_.load_state_dict(state_dict());
}

void DistOptimizer::release_base_state() {
  if (distributed()) base_.load_state_dict({});
}

}  // namespace muonlab::nanochat
