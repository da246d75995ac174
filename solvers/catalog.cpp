#include "solvers/catalog.hpp"
#include "solvers/optimizer.hpp"

namespace muonlab::solvers {
namespace {

const Rational kZero(0), kOne(1);

KeyInfo wd_key(const std::string& def) {
  return scalar_key("wd", def, "decoupled weight decay: W <- W(1 - lr*wd) before the step", kZero, false,
                    std::nullopt, false);
}
KeyInfo beta_key(const std::string& key, const std::string& def, const std::string& help) {
  return scalar_key(key, def, help, kZero, false, kOne, true);
}
KeyInfo eps_key(const std::string& def, const std::string& help) {
  return scalar_key("eps", def, help, kZero, false, std::nullopt, false);
}

std::vector<KeyInfo> ortho_keys(const std::string& ortho) {
  return {text_key("ortho", ortho, "polar (exact U V^T) | ns5 | keller | pe5 | pe-paper | pe-paper-raw | cubic | "
                                   "a coefficient file"),
          integer_key("ns_steps", "", "number of steps for ortho=ns5 or cubic (default: the schedule's own)", 1),
          scalar_key("ns_eps", "", "Newton-Schulz normalization epsilon (default: the schedule's, 1e-7)", kZero,
                     false, std::nullopt, false)};
}

std::vector<KeyInfo> muon_keys(const std::string& ortho, const std::string& scaling, const std::string& momentum,
                               const std::string& nesterov, const std::string& wd) {
  std::vector<KeyInfo> k = ortho_keys(ortho);
  k.push_back(choice_key("scaling", scaling, "keller: sqrt(max(1, m/n)); moonlight: 0.2 sqrt(max(m, n)); none: 1",
                         {"keller", "moonlight", "none"}));
  k.push_back(choice_key("momentum", momentum, "ema: B <- bB + (1-b)G; classical: B <- bB + G; none",
                         {"ema", "classical", "none"}));
  k.push_back(beta_key("beta", "0.95", "momentum coefficient"));
  k.push_back(flag_key("nesterov", nesterov, "orthogonalize the Nesterov look-ahead instead of the buffer"));
  k.push_back(wd_key(wd));
  return k;
}

std::vector<KeyInfo> adam_keys(const std::string& wd) {
  return {beta_key("beta1", "0.9", "first-moment decay"), beta_key("beta2", "0.999", "second-moment decay"),
          eps_key("1e-8", "added to sqrt(v_hat); 0 allowed (0/0 := 0)"), wd_key(wd),
          flag_key("bias_correction", "1", "divide the moments by 1 - beta^t")};
}

std::vector<OptimizerInfo> build() {
  std::vector<OptimizerInfo> c;
  c.push_back({"gd", "gradient descent: W <- W - lr*G", "textbook", {wd_key("0")}, true});
  c.push_back({"signgd", "sign gradient descent: W <- W - lr*sign(G), sign(0) = 0 (Thm 3.1)",
               "the paper's Section 3", {wd_key("0")}, true});
  c.push_back({"adam", "Adam: W <- W - lr*m_hat/(sqrt(v_hat) + eps); beta1 = beta2 = eps = 0 is SignGD",
               "PyTorch torch.optim.Adam defaults", adam_keys("0"), false});
  c.push_back({"adamw", "AdamW: Adam with decoupled weight decay W <- W(1 - lr*wd) (default wd = 0.01)",
               "PyTorch torch.optim.AdamW defaults", adam_keys("0.01"), false});
  c.push_back({"muon",
               "Muon as in nanochat / the paper's Section 3 (Keller): EMA momentum 0.95, Nesterov, NS5, "
               "scale sqrt(max(1, m/n))",
               "Keller Jordan's Muon; karpathy/nanochat", muon_keys("ns5", "keller", "ema", "1", "0"), false});
  c.push_back({"muon-moonlight",
               "Muon, Moonlight variant (the paper's Section 4): classical momentum, Nesterov, NS5, "
               "scale 0.2 sqrt(max(m, n)), weight decay 0.1",
               "MoonshotAI Moonlight", muon_keys("ns5", "moonlight", "classical", "1", "0.1"), false});
  c.push_back({"muon-ideal",
               "idealized Muon of the paper's theory (Thm 3.2): W <- W - lr*ortho(G), exact polar, no momentum, "
               "no scaling",
               "the paper's Section 3", muon_keys("polar", "none", "none", "0", "0"), false});
  c.push_back({"muonall",
               "MuonAll: Muon (Keller defaults) on every parameter; an n x 1 (1-D) parameter is treated as "
               "diag(g) and the diagonal read back: with the default ortho=ns5 that is NS5 applied entry-wise to "
               "g/|g|_2, which is NOT sign(g) (NS5(diag v) != diag(sign v); the 1-D limit is W*_phi, phi = "
               "NS5(diag(x/|x|)), claim bias-muonall); only with ortho=polar is it sign(g)",
               "seed 003 (MuonAll)", muon_keys("ns5", "keller", "ema", "1", "0"), false});
  {
    std::vector<KeyInfo> k = ortho_keys("ns5");
    k.push_back(beta_key("beta", "0.95", "momentum coefficient (EMA)"));
    k.push_back(flag_key("nesterov", "1", "orthogonalize the Nesterov look-ahead"));
    k.push_back(flag_key("sign", "1", "orthogonalize sign(u) (the paper's sign stabilization) instead of u"));
    k.push_back(scalar_key("beta2", "", "second-moment decay on O*O (default: beta, REFERENCE 3)", kZero, false,
                           kOne, true));
    k.push_back(eps_key("1e-8", "added to sqrt(v)"));
    k.push_back(wd_key("0"));
    c.push_back({"adamuon",
                 "AdaMuon: O = NS(sign(u)), element-wise second moment on O, RMS aligned to 0.2",
                 "seed 004 (AdaMuon), REFERENCE 3", k, false});
  }
  {
    std::vector<KeyInfo> k = ortho_keys("ns5");
    k.push_back(beta_key("beta", "0.95", "momentum coefficient (EMA)"));
    k.push_back(flag_key("nesterov", "1", "orthogonalize the Nesterov look-ahead"));
    k.push_back(beta_key("beta2", "0.95", "decay of the per-row second moment"));
    k.push_back(eps_key("1e-10", "added to sqrt(nu) and to the rescaling norm"));
    k.push_back(wd_key("0"));
    c.push_back({"normuon",
                 "NorMuon: NS(u) normalized per row by an EMA of its mean square, Frobenius norm restored, "
                 "scale sqrt(max(1, m/n))",
                 "NorMuon reference normuon.py, REFERENCE 3", k, false});
  }
  return c;
}

}  // namespace

const std::vector<OptimizerInfo>& optimizer_catalog() {
  static const std::vector<OptimizerInfo> c = build();
  return c;
}

const OptimizerInfo& optimizer_info(const std::string& name) {
  for (const auto& o : optimizer_catalog())
    if (o.name == name) return o;
  std::string known;
  for (const auto& o : optimizer_catalog()) known += (known.empty() ? "" : ", ") + o.name;
  throw InputError("unknown optimizer '" + name + "' (known: " + known + ")");
}

std::vector<std::pair<std::string, std::string>> optimizer_help() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : optimizer_catalog())
    out.emplace_back(o.name, o.description + "; keys: " + describe_keys(o.keys) +
                                 (o.field_only ? "; exact in rationals" : ""));
  return out;
}

}  // namespace muonlab::solvers
