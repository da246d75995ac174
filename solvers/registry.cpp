#include "solvers/registry.hpp"

#include "solvers/adam.hpp"
#include "solvers/adamuon.hpp"
#include "solvers/gd.hpp"
#include "solvers/muon.hpp"
#include "solvers/normuon.hpp"

#include <algorithm>

namespace muonlab::solvers {
namespace {

const Rational kZero(0), kOne(1);

std::string flag_text(bool b) { return b ? "1" : "0"; }

KeyInfo wd_key(const char* def) {
  return scalar_key("wd", def, "decoupled weight decay: W <- W(1 - lr*wd) before the step", kZero, false,
                    std::nullopt, false);
}
KeyInfo beta_key(const std::string& key, const char* def, const std::string& help) {
  return scalar_key(key, def, help, kZero, false, kOne, true);
}
KeyInfo eps_key(const char* def, const std::string& help) {
  return scalar_key("eps", def, help, kZero, false, std::nullopt, false);
}

std::vector<KeyInfo> ortho_keys(const char* ortho) {
  return {text_key("ortho", ortho, "polar (exact U V^T) | ns5 | keller | pe5 | pe-paper | pe-paper-raw | cubic | "
                                   "a coefficient file"),
          integer_key("ns_steps", "", "number of steps for ortho=ns5 or cubic (default: the schedule's own)", 1),
          scalar_key("ns_eps", "", "Newton-Schulz normalization epsilon (default: the schedule's, 1e-7)", kZero,
                     false, std::nullopt, false)};
}

/// The keys OrthoMomentumOptions reads, for a rule with EMA momentum (AdaMuon, NorMuon); D is its Defaults struct.
template <class D>
std::vector<KeyInfo> ema_ortho_keys() {
  std::vector<KeyInfo> k = ortho_keys(D::ortho);
  k.push_back(beta_key("beta", D::beta, "momentum coefficient (EMA)"));
  k.push_back(flag_key("nesterov", flag_text(D::nesterov), "orthogonalize the Nesterov look-ahead"));
  return k;
}

// ---- the keys of each rule, defaults read from its Defaults struct (written once, beside the options) ----------

std::vector<KeyInfo> gd_keys() { return {wd_key(GdDefaults::wd)}; }

std::vector<KeyInfo> adam_keys() {
  using D = AdamDefaults;
  return {beta_key("beta1", D::beta1, "first-moment decay"), beta_key("beta2", D::beta2, "second-moment decay"),
          eps_key(D::eps, "added to sqrt(v_hat); 0 allowed (0/0 := 0)"), wd_key(D::wd),
          flag_key("bias_correction", flag_text(D::bias_correction), "divide the moments by 1 - beta^t")};
}

std::vector<KeyInfo> muon_keys() {
  using D = MuonDefaults;
  std::vector<KeyInfo> k = ortho_keys(D::ortho);
  k.push_back(choice_key("scaling", D::scaling, "keller: sqrt(max(1, m/n)); moonlight: 0.2 sqrt(max(m, n)); none: 1",
                         {"keller", "moonlight", "none"}));
  k.push_back(choice_key("momentum", D::momentum, "ema: B <- bB + (1-b)G; classical: B <- bB + G; none",
                         {"ema", "classical", "none"}));
  k.push_back(beta_key("beta", D::beta, "momentum coefficient"));
  k.push_back(flag_key("nesterov", flag_text(D::nesterov), "orthogonalize the Nesterov look-ahead instead of the buffer"));
  k.push_back(wd_key(D::wd));
  KeyInfo diag = flag_key("diag_vectors", flag_text(D::diag_vectors), "MuonAll: an n x 1 parameter is diag(g)");
  diag.internal = true;  // set by the muonall preset only
  k.push_back(diag);
  return k;
}

std::vector<KeyInfo> adamuon_keys() {
  using D = AdaMuonDefaults;
  std::vector<KeyInfo> k = ema_ortho_keys<D>();
  k.push_back(flag_key("sign", flag_text(D::sign), "orthogonalize sign(u) (the paper's sign stabilization) instead of u"));
  k.push_back(scalar_key("beta2", D::beta2, "second-moment decay on O*O (default: beta, REFERENCE 3)", kZero, false,
                         kOne, true));
  k.push_back(eps_key(D::eps, "added to sqrt(v)"));
  k.push_back(wd_key(D::wd));
  return k;
}

std::vector<KeyInfo> normuon_keys() {
  using D = NorMuonDefaults;
  std::vector<KeyInfo> k = ema_ortho_keys<D>();
  k.push_back(beta_key("beta2", D::beta2, "decay of the per-row second moment"));
  k.push_back(eps_key(D::eps, "added to sqrt(nu) and to the rescaling norm"));
  k.push_back(wd_key(D::wd));
  return k;
}

// ---- factories ----------------------------------------------------------------------------------------------

std::unique_ptr<Optimizer<Rational>> needs_square_roots(const SpecReader& r) {
  throw InputError("optimizer '" + r.spec_name() +
                   "' needs square roots, which exact rationals do not have; use --digits (MPFR) or double");
}

template <template <class> class Rule>
OptimizerFactories field_rule() {
  return {&make_rule<double, Rule<double>>, &make_rule<Real, Rule<Real>>, &make_rule<Rational, Rule<Rational>>};
}
template <template <class> class Rule>
OptimizerFactories floating_rule() {
  return {&make_rule<double, Rule<double>>, &make_rule<Real, Rule<Real>>, &needs_square_roots};
}

/// The one place a rule's keys and factories are chosen (by the enum, not by a name).
struct RuleParts {
  std::vector<KeyInfo> keys;
  OptimizerFactories make;
  bool field_only;
};
RuleParts rule_parts(UpdateRule r) {
  switch (r) {
    case UpdateRule::gd: return {gd_keys(), field_rule<GdRule>(), true};
    case UpdateRule::signgd: return {gd_keys(), field_rule<SignGdRule>(), true};
    case UpdateRule::adam: return {adam_keys(), floating_rule<AdamRule>(), false};
    case UpdateRule::muon: return {muon_keys(), floating_rule<MuonRule>(), false};
    case UpdateRule::adamuon: return {adamuon_keys(), floating_rule<AdaMuonRule>(), false};
    case UpdateRule::normuon: return {normuon_keys(), floating_rule<NorMuonRule>(), false};
  }
  throw std::logic_error("optimizer registry: a rule without keys");
}

/// The variant's preset becomes the defaults of its keys (so name() omits them and --help shows them).
std::vector<KeyInfo> with_preset(std::vector<KeyInfo> keys, std::string_view name, std::string_view preset) {
  if (preset.empty()) return keys;
  const Spec s = parse_spec(std::string(name) + ":" + std::string(preset), "optimizer");
  for (const auto& [key, value] : s.values) {
    auto it = std::find_if(keys.begin(), keys.end(), [&](const KeyInfo& k) { return k.key == key; });
    if (it == keys.end()) throw std::logic_error("optimizer registry: preset key '" + key + "' of " + s.name);
    it->default_text = value;
  }
  return keys;
}

struct Help {
  OptimizerId id;
  const char* description;
  const char* source;
};

const Help kHelp[] = {
    {OptimizerId::gd, "gradient descent: W <- W - lr*G", "textbook"},
    {OptimizerId::signgd, "sign gradient descent: W <- W - lr*sign(G), sign(0) = 0 (Thm 3.1)", "the paper's Section 3"},
    {OptimizerId::adam, "Adam: W <- W - lr*m_hat/(sqrt(v_hat) + eps); beta1 = beta2 = eps = 0 is SignGD",
     "PyTorch torch.optim.Adam defaults"},
    {OptimizerId::adamw, "AdamW: Adam with decoupled weight decay W <- W(1 - lr*wd) (default wd = 0.01)",
     "PyTorch torch.optim.AdamW defaults"},
    {OptimizerId::muon,
     "Muon as in nanochat / the paper's Section 3 (Keller): EMA momentum 0.95, Nesterov, NS5, scale sqrt(max(1, m/n))",
     "Keller Jordan's Muon; karpathy/nanochat"},
    {OptimizerId::muon_moonlight,
     "Muon, Moonlight variant (the paper's Section 4): classical momentum, Nesterov, NS5, scale 0.2 sqrt(max(m, n)), "
     "weight decay 0.1",
     "MoonshotAI Moonlight"},
    {OptimizerId::muon_ideal,
     "idealized Muon of the paper's theory (Thm 3.2): W <- W - lr*ortho(G), exact polar, no momentum, no scaling",
     "the paper's Section 3"},
    {OptimizerId::muonall,
     "MuonAll: Muon (Keller defaults) on every parameter; an n x 1 (1-D) parameter is treated as diag(g) and the "
     "diagonal read back: with the default ortho=ns5 that is NS5 applied entry-wise to g/|g|_2, which is NOT sign(g) "
     "(NS5(diag v) != diag(sign v); the 1-D limit is W*_phi, phi = NS5(diag(x/|x|)), claim bias-muonall); only with "
     "ortho=polar is it sign(g)",
     "seed 003 (MuonAll)"},
    {OptimizerId::adamuon, "AdaMuon: O = NS(sign(u)), element-wise second moment on O, RMS aligned to 0.2",
     "seed 004 (AdaMuon), REFERENCE 3"},
    {OptimizerId::normuon,
     "NorMuon: NS(u) normalized per row by an EMA of its mean square, Frobenius norm restored, scale sqrt(max(1, m/n))",
     "NorMuon reference normuon.py, REFERENCE 3"},
};

const Help& help_of(OptimizerId id) {
  for (const auto& h : kHelp)
    if (h.id == id) return h;
  throw std::logic_error("optimizer registry: no help for '" + std::string(optimizer_name(id)) + "'");
}

std::vector<OptimizerEntry> build() {
  std::vector<OptimizerEntry> out;
  for (const auto& row : kOptimizerNames) {
    RuleParts parts = rule_parts(row.rule);
    const Help& h = help_of(row.id);
    out.push_back({row.id, std::string(row.name), h.description, h.source,
                   with_preset(std::move(parts.keys), row.name, row.preset), parts.field_only, parts.make});
  }
  return out;
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_registry() {
  static const std::vector<OptimizerEntry> r = build();
  return r;
}

const OptimizerEntry& optimizer_entry(OptimizerId id) {
  for (const auto& e : optimizer_registry())
    if (e.id == id) return e;
  throw std::logic_error("optimizer registry: no entry for '" + std::string(optimizer_name(id)) + "'");
}

const OptimizerEntry& optimizer_entry(const std::string& name) {
  const auto id = optimizer_id(name);
  if (!id) throw InputError("unknown optimizer '" + name + "' (known: " + optimizer_names_text() + ")");
  return optimizer_entry(*id);
}

std::vector<std::pair<std::string, std::string>> optimizer_help() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : optimizer_registry())
    out.emplace_back(o.name, o.description + "; keys: " + describe_keys(o.keys) +
                                 (o.field_only ? "; exact in rationals" : ""));
  return out;
}

template <class S>
std::unique_ptr<Optimizer<S>> make_optimizer(const std::string& text) {
  Spec spec = parse_spec(text, "optimizer");
  const OptimizerEntry& e = optimizer_entry(spec.name);
  spec.name = e.name;  // an alias builds, and prints, as the canonical name
  return e.make.get<S>()(SpecReader(spec, e.keys));
}

template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const std::string&);
template std::unique_ptr<Optimizer<Real>> make_optimizer<Real>(const std::string&);
template std::unique_ptr<Optimizer<Rational>> make_optimizer<Rational>(const std::string&);

}  // namespace muonlab::solvers
