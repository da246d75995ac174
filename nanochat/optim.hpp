// Optimizers on torch tensors (REFERENCE §3) and NanoChat's parameter routing (REFERENCE §5).
//
// Each update rule is a free function on one parameter (PyTorch layout m×n = out×in) and its state, written once
// and used both by the training loop and by the test against the Eigen twins in solvers/. They run in the
// parameter's dtype (float64 in the tests); Newton–Schulz runs in bf16 on CUDA as the reference codes do.
#pragma once

#include "nanochat/config.hpp"
#include "nanochat/ns_coefficients.hpp"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace muonlab::nanochat {

// ---- orthogonalization -----------------------------------------------------------------------------------------

/// NS(G): transpose a tall G, X ← X / (‖X‖F·(1 + safety) + eps), then X ← aX + (bA + cA²)X with A = XXᵀ per step,
/// transpose back (REFERENCE §3). `bf16` runs the iteration in bfloat16 (CUDA). G is one matrix (m, n) or a stack
/// of same-shape matrices (k, m, n), each orthogonalized on its own (one batched GEMM per product: issue of speed,
/// not of mathematics; the norm is per matrix).
torch::Tensor newton_schulz(const torch::Tensor& g, const NsCoefficients& sch, bool bf16 = false);

// ---- update rules (one parameter; state tensors are created zero on the first call when undefined) -----------

struct AdamWHyper {
  double beta1 = 0.8, beta2 = 0.95, eps = 1e-10, weight_decay = 0;  // nanochat's AdamW settings
};
/// PyTorch AdamW: m ← β1 m + (1−β1)g, v ← β2 v + (1−β2)g², W ← W(1 − lr·wd) − lr·m̂/(√v̂ + ε); t is 1-based.
void adamw_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, std::int64_t t,
                  double lr, const AdamWHyper& h);
/// adamw_update on lists of tensors that share t, lr and hyper-parameters, with multi-tensor (foreach) kernels and
/// the grouping W ← W − (lr/bc1)·m / (√(v/bc2) + ε). The batched AdamW path here and the sharded one
/// (nanochat/dist_optim.hpp) both step through it.
void adamw_foreach(std::vector<torch::Tensor>& w, const std::vector<torch::Tensor>& g, std::vector<torch::Tensor>& m,
                   std::vector<torch::Tensor>& v, std::int64_t t, double lr, const AdamWHyper& h);

struct MuonHyper {
  std::string variant = "keller";  // keller | moonlight
  double momentum = 0.95;
  bool nesterov = true;
  double weight_decay = 0;  // Moonlight only (REFERENCE §3)
  NsCoefficients ns = ns_coefficients("ns5");
  bool bf16 = false;
};
/// The Nesterov/momentum direction u and the buffer update of a Muon-family rule (Keller: EMA, Moonlight: sum).
torch::Tensor muon_momentum(const torch::Tensor& g, torch::Tensor& buf, const MuonHyper& h);
// Each Muon-family rule is written once as its *direction* D (the update is W ← W(1 − lr·wd) − lr·D), for one
// matrix (m, n) or a stack (k, m, n) of same-shape matrices with stacked state: the optimizer's batched path and the
// per-matrix path run the same code. No host synchronization: per-matrix norms stay on the device.
struct Direction {
  torch::Tensor d;     // same shape as g
  double scale = 1;    // the update is scale·d (a constant folded into the final axpy)
};
Direction muon_direction(const torch::Tensor& g, torch::Tensor& buf, const MuonHyper& h);
Direction adamuon_direction(const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& v, const MuonHyper& h);
Direction normuon_direction(const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& nu, const MuonHyper& h,
                            double beta2, double eps = 1e-10);

/// Muon. Keller: B ← βB + (1−β)g; u = g.lerp(B, β); W ← W − lr·√max(1, m/n)·NS(u).
/// Moonlight: B ← βB + g; u = g + βB; W ← W(1 − lr·wd) − lr·0.2·√max(m, n)·NS(u).
void muon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, double lr, const MuonHyper& h);
/// AdaMuon (seed 004): Keller momentum with Nesterov → O = NS(sign(u)) → v ← βv + (1−β)O² → Ô = O/(√v + 1e-8)
/// → Ô ← 0.2·√(mn)·Ô/‖Ô‖F → W ← W(1 − lr·wd) − lr·Ô.
void adamuon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& v, double lr,
                    const MuonHyper& h);
/// NorMuon (reference normuon.py): O = NS(u); ν ← β2 ν + (1−β2) rowmean(O⊙O) (m×1); Ô = O/(√ν + ε);
/// Ô ← Ô·‖O‖F/(‖Ô‖F + ε); W ← W(1 − lr·wd) − lr·√max(1, m/n)·Ô; ε = 1e-10.
void normuon_update(torch::Tensor& w, const torch::Tensor& g, torch::Tensor& buf, torch::Tensor& nu, double lr,
                    const MuonHyper& h, double beta2, double eps = 1e-10);

// ---- the optimizer of a model: parameter routing, LR scaling, schedules --------------------------------------

enum class Rule { AdamW, Muon, AdaMuon, NorMuon };
std::string rule_name(Rule r);
/// The state a Muon-family rule keeps per matrix ("buf"; AdaMuon's "v"; NorMuon's row-wise "nu", m x 1 for an m x n
/// matrix); empty for AdamW, whose groups keep per-slot state for the foreach kernels.
std::vector<std::string> stacked_keys(Rule r);

/// One routed parameter with its rule, base learning rate and state.
struct Slot {
  std::string name;
  torch::Tensor param;
  Rule rule;
  double base_lr;
  std::map<std::string, torch::Tensor> state;  // "m", "v", "buf", "nu" (views into the group's stacked state)
  std::int64_t t = 0;                          // AdamW step counter
};

/// Slots that step together: one rule, one base lr, one shape, dtype and device. A Muon-family group keeps its state
/// stacked, (k, m, n), each slot's state a view into it, and runs one batched Newton–Schulz per step; an AdamW group
/// runs multi-tensor (foreach) kernels. A group whose slots do not all have a gradient steps slot by slot.
struct SlotGroup {
  Rule rule;
  std::vector<std::size_t> slots;  // indices into ModelOptimizer::slots()
  std::map<std::string, torch::Tensor> stacked;  // Muon family: "buf", "v", "nu" as (k, …)
  bool bound = false;              // stacked state exists and every slot's state views it
};

/// A parameter and where it goes: its rule and base learning rate (before the schedule's multiplier).
struct Route {
  std::string name;
  torch::Tensor param;
  Rule rule;
  double base_lr;
};
/// The rule of the hidden matrices for a torch rule id: muon → Muon, adam → AdamW, adamuon, normuon.
Rule matrix_rule(solvers::OptimizerId optimizer);
/// NanoChat routing (REFERENCE §5): hidden matrices → the matrix rule of `cfg.optimizer` at the matrix lr;
/// token embedding → AdamW at embedding_lr·s; LM head → AdamW at unembedding_lr·s; s = (n_embd/768)^−0.5.
std::vector<Route> nanochat_routing(const std::vector<std::pair<std::string, torch::Tensor>>& named_params,
                                    int n_embd, const TrainConfig& cfg);

class ModelOptimizer {
public:
  /// Pretraining: nanochat_routing of the named parameters.
  ModelOptimizer(const std::vector<std::pair<std::string, torch::Tensor>>& named_params, int n_embd,
                 const TrainConfig& cfg, bool cuda);
  /// Explicit routing (fine-tuning, LoRA adapters); the rules' hyper-parameters (betas, eps, weight decay, Muon
  /// variant, Newton–Schulz schedule, NorMuon β2) come from `cfg`.
  ModelOptimizer(std::vector<Route> routes, const TrainConfig& cfg, bool cuda);
  /// One step with every learning rate multiplied by lr_mult and the Muon momentum set to `momentum`.
  /// Parameters without a gradient are skipped.
  void step(double lr_mult, double momentum);
  void zero_grad();
  const std::vector<Slot>& slots() const { return slots_; }
  const std::vector<SlotGroup>& groups() const { return groups_; }
  /// The rules' settings (the distributed optimizer, nanochat/dist_optim.hpp, steps the same rules on shards).
  const AdamWHyper& adamw_hyper() const { return adam_; }
  const MuonHyper& muon_hyper() const { return muon_; }
  double normuon_beta2() const { return normuon_beta2_; }
  /// Force the per-matrix path (tests compare it with the batched one).
  void set_batched(bool on) { batched_ = on; }
  /// The state as named tensors ("<slot>.<key>", "<slot>.t") and its restoration (bit-identical continuation).
  std::map<std::string, torch::Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, torch::Tensor>& state);

private:
  void make_groups();
  void bind(SlotGroup& g);
  void step_slot(Slot& s, double lr, const MuonHyper& mh);
  void step_group(SlotGroup& g, double lr_mult, const MuonHyper& mh);

  std::vector<Slot> slots_;
  std::vector<SlotGroup> groups_;
  bool batched_ = true;
  AdamWHyper adam_;
  MuonHyper muon_;
  double normuon_beta2_;
};

/// Clips the global gradient norm to `max_norm` like torch::nn::utils::clip_grad_norm_, without a host
/// synchronization (the clip factor min(1, max_norm/(‖g‖ + 1e-6)) stays on the device). Returns ‖g‖ as a 0-d tensor.
torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

/// LR multiplier: 1, then linear to 0 over the last `warmdown_ratio` of the steps (nanochat get_lr_multiplier).
double lr_multiplier(int step, int steps, double warmdown_ratio);
/// Muon momentum: linear from start to end over `warmup` steps, then end (nanochat get_muon_momentum).
double muon_momentum_at(int step, double start, double end, int warmup);

}  // namespace muonlab::nanochat
