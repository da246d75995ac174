#include "nanochat/probes.hpp"

#include "nanochat/checkpoint.hpp"
#include "spectral/spectral_metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <stdexcept>

namespace muonlab::nanochat {

torch::Tensor singular_values(const torch::Tensor& w_in) {
  torch::NoGradGuard no_grad;
  if (w_in.dim() != 2) throw std::invalid_argument("singular_values: expected a matrix");
  const torch::Tensor w = w_in.detach().to(torch::kFloat64);
  const bool wide = w.size(0) <= w.size(1);
  const torch::Tensor gram = wide ? torch::matmul(w, w.t()) : torch::matmul(w.t(), w);  // min(m, n)²
  const torch::Tensor lambda = torch::linalg_eigvalsh(gram.cpu());                      // ascending
  return torch::sqrt(torch::clamp_min(lambda, 0.0)).flip(0).contiguous();
}

std::vector<MatrixProbe> probe_model(GPT& model, double offset) {
  torch::NoGradGuard no_grad;
  std::vector<MatrixProbe> out;
  for (const NamedMatrix& m : hidden_matrices(model)) {
    const torch::Tensor w = m.weight.detach();
    MatrixProbe p;
    p.name = m.name, p.kind = m.kind, p.layer = m.layer, p.rows = w.size(0), p.cols = w.size(1);
    const torch::Tensor s = singular_values(w);
    const std::vector<double> sigma(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
    p.norm_max = w.abs().max().to(torch::kFloat64).item<double>();
    p.norm_spectral = sigma.empty() ? 0.0 : sigma.front();
    try {
      p.stable_rank = spectral::stable_rank(sigma, offset);  // Σσ²/σ₁²
      p.svd_entropy = spectral::svd_entropy(sigma, offset);  // −Σ p log p / log r
    } catch (const std::domain_error&) {
      // zero matrix: undefined, left empty
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string probes_csv_header() {
  return "step,name,kind,layer,rows,cols,stable_rank,svd_entropy,norm_max,norm_spectral\n";
}

std::string probes_csv_rows(std::int64_t step, const std::vector<MatrixProbe>& probes) {
  std::string out;
  auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{:.10g}", *v) : std::string(); };
  for (const auto& p : probes)
    out += fmt::format("{},{},{},{},{},{},{},{},{:.10g},{:.10g}\n", step, p.name, p.kind, p.layer, p.rows, p.cols,
                       opt(p.stable_rank), opt(p.svd_entropy), p.norm_max, p.norm_spectral);
  return out;
}

nlohmann::json to_json(const MatrixProbe& p) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"name", p.name},           {"kind", p.kind},
          {"layer", p.layer},         {"rows", p.rows},
          {"cols", p.cols},           {"stable_rank", opt(p.stable_rank)},
          {"svd_entropy", opt(p.svd_entropy)}, {"norm_max", p.norm_max},
          {"norm_spectral", p.norm_spectral}};
}

CheckpointSpectrum checkpoint_spectrum(const std::string& path, double offset) {
  LoadedModel lm = load_model(path);
  CheckpointSpectrum s;
  s.path = lm.path, s.config = lm.config, s.step = lm.step;
  s.probes = probe_model(lm.model, offset);
  return s;
}

nlohmann::json to_json(const CheckpointSpectrum& s) {
  nlohmann::json probes = nlohmann::json::array();
  for (const auto& p : s.probes) probes.push_back(to_json(p));
  return {{"path", s.path},
          {"step", s.step},
          {"optimizer", s.config.value("train", nlohmann::json::object()).value("optimizer", "")},
          {"model", s.config.value("model", nlohmann::json::object())},
          {"matrices", probes}};
}

std::string format_table(const CheckpointSpectrum& s) {
  const auto train = s.config.value("train", nlohmann::json::object());
  std::string out = fmt::format("model {}  (step {}, optimizer {}, depth {})\n", s.path, s.step,
                                train.value("optimizer", "?"), s.config.value("model", nlohmann::json::object()).value("depth", 0));
  out += fmt::format("{:<24} {:>11} {:>12} {:>12} {:>12} {:>13}\n", "matrix", "shape", "stable rank", "SVD entropy",
                     "max norm", "spectral norm");
  auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{:.4f}", *v) : std::string("undefined"); };
  for (const auto& p : s.probes)
    out += fmt::format("{:<24} {:>11} {:>12} {:>12} {:>12.4g} {:>13.4g}\n", p.name, fmt::format("{}x{}", p.rows, p.cols),
                       opt(p.stable_rank), opt(p.svd_entropy), p.norm_max, p.norm_spectral);
  return out;
}

namespace {

// Mean over layers of each kind; undefined entries (zero matrices) are skipped.
std::map<std::string, std::pair<double, double>> kind_means(const std::vector<MatrixProbe>& probes) {
  std::map<std::string, std::array<double, 3>> acc;
  for (const auto& p : probes) {
    if (!p.stable_rank) continue;
    auto& a = acc[p.kind];
    a[0] += *p.stable_rank, a[1] += *p.svd_entropy, a[2] += 1;
  }
  std::map<std::string, std::pair<double, double>> out;
  for (const auto& [k, a] : acc) out[k] = {a[0] / a[2], a[1] / a[2]};
  return out;
}

}  // namespace

RunComparison compare_runs(const std::string& run_a, const std::string& run_b, double offset) {
  RunComparison c;
  c.a = checkpoint_spectrum(run_a, offset);
  c.b = checkpoint_spectrum(run_b, offset);
  const auto& ma = c.a.config.at("model");
  const auto& mb = c.b.config.at("model");
  if (ma.value("depth", 0) != mb.value("depth", 0) || ma.value("vocab_size", 0) != mb.value("vocab_size", 0))
    throw std::invalid_argument("the two runs have different model shapes (depth or vocabulary); compare like with like");
  c.optimizer_a = c.a.config.value("train", nlohmann::json::object()).value("optimizer", "");
  c.optimizer_b = c.b.config.value("train", nlohmann::json::object()).value("optimizer", "");
  const auto mean_a = kind_means(c.a.probes), mean_b = kind_means(c.b.probes);
  double qa = 0, qb = 0, ea = 0, eb = 0;
  int nq = 0;
  for (const char* kind : {"Q", "K", "V", "O", "MLP_up", "MLP_down"}) {
    if (!mean_a.count(kind) || !mean_b.count(kind)) continue;
    KindComparison k{kind, mean_a.at(kind).first, mean_b.at(kind).first, mean_a.at(kind).second,
                     mean_b.at(kind).second};
    const std::string ks = kind;
    if (ks == "Q" || ks == "K" || ks == "V") qa += k.stable_rank_a, qb += k.stable_rank_b, ea += k.entropy_a,
                                             eb += k.entropy_b, ++nq;
    c.kinds.push_back(k);
  }
  if (nq > 0) c.qkv_stable_rank_a = qa / nq, c.qkv_stable_rank_b = qb / nq, c.qkv_entropy_a = ea / nq,
              c.qkv_entropy_b = eb / nq;
  // Figure 2 (right) and Figure 10: Muon-pretrained Q, K, V have higher stable rank and SVD entropy than Adam's.
  c.statement = "Muon-pretrained Q, K, V weights have higher mean stable rank and SVD entropy than Adam-pretrained ones "
                "(Figure 2 right, Figure 10)";
  const bool a_muon = c.optimizer_a == "muon" && c.optimizer_b == "adam";
  const bool b_muon = c.optimizer_b == "muon" && c.optimizer_a == "adam";
  if (nq == 0 || (!a_muon && !b_muon)) {
    c.verdict = "not applicable";
  } else {
    const double sm = a_muon ? c.qkv_stable_rank_a : c.qkv_stable_rank_b, sa = a_muon ? c.qkv_stable_rank_b : c.qkv_stable_rank_a;
    const double em = a_muon ? c.qkv_entropy_a : c.qkv_entropy_b, ea2 = a_muon ? c.qkv_entropy_b : c.qkv_entropy_a;
    c.verdict = (sm > sa && em > ea2) ? "holds" : "violated";
  }
  return c;
}

nlohmann::json to_json(const RunComparison& c) {
  nlohmann::json kinds = nlohmann::json::array();
  for (const auto& k : c.kinds)
    kinds.push_back({{"kind", k.kind},
                     {"stable_rank_a", k.stable_rank_a},
                     {"stable_rank_b", k.stable_rank_b},
                     {"svd_entropy_a", k.entropy_a},
                     {"svd_entropy_b", k.entropy_b}});
  return {{"run_a", {{"path", c.a.path}, {"optimizer", c.optimizer_a}, {"step", c.a.step}}},
          {"run_b", {{"path", c.b.path}, {"optimizer", c.optimizer_b}, {"step", c.b.step}}},
          {"kinds", kinds},
          {"qkv_stable_rank_a", c.qkv_stable_rank_a},
          {"qkv_stable_rank_b", c.qkv_stable_rank_b},
          {"qkv_svd_entropy_a", c.qkv_entropy_a},
          {"qkv_svd_entropy_b", c.qkv_entropy_b},
          {"statement", c.statement},
          {"verdict", c.verdict},
          {"holds", c.verdict == "holds"},
          {"a", to_json(c.a)},
          {"b", to_json(c.b)}};
}

std::string format_table(const RunComparison& c) {
  std::string out = fmt::format("A: {} (optimizer {}, step {})\nB: {} (optimizer {}, step {})\n", c.a.path,
                                c.optimizer_a, c.a.step, c.b.path, c.optimizer_b, c.b.step);
  out += fmt::format("{:<10} {:>14} {:>14} {:>14} {:>14}\n", "kind", "stable rank A", "stable rank B",
                     "SVD entropy A", "SVD entropy B");
  for (const auto& k : c.kinds)
    out += fmt::format("{:<10} {:>14.4f} {:>14.4f} {:>14.4f} {:>14.4f}\n", k.kind, k.stable_rank_a, k.stable_rank_b,
                       k.entropy_a, k.entropy_b);
  out += fmt::format("{:<10} {:>14.4f} {:>14.4f} {:>14.4f} {:>14.4f}\n", "Q,K,V", c.qkv_stable_rank_a,
                     c.qkv_stable_rank_b, c.qkv_entropy_a, c.qkv_entropy_b);
  out += fmt::format("claim: {}\nverdict: {}\n", c.statement, c.verdict);
  return out;
}

}  // namespace muonlab::nanochat
