// Each torch optimizer against its Eigen twin in solvers/ on the same matrices in float64 (issue 7: equal to
// 1e-12), and the torch Newton-Schulz tables against spectral::named_schedule. Full build only: the torch-only
// build has neither solvers/ nor spectral/.
#if MUONLAB_HAVE_THEORY
#include "nanochat/ns_coefficients.hpp"
#include "nanochat/optim.hpp"
#include "solvers/optimizer.hpp"
#include "spectral/newton_schulz.hpp"

#include <catch2/catch.hpp>

#include <functional>

using namespace muonlab;
using namespace muonlab::nanochat;

namespace {

MatD to_eigen(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat64).contiguous();
  MatD m(c.size(0), c.size(1));
  const double* p = c.data_ptr<double>();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = p[i * m.cols() + j];
  return m;
}

double max_abs_diff(const torch::Tensor& t, const MatD& m) { return (to_eigen(t) - m).cwiseAbs().maxCoeff(); }

// Runs `steps` steps of the torch rule and of the Eigen optimizer `spec` from the same W0 on the same gradients.
void compare(const std::string& spec, std::int64_t rows, std::int64_t cols,
             const std::function<void(torch::Tensor&, const torch::Tensor&, std::map<std::string, torch::Tensor>&,
                                      std::int64_t, double)>& torch_step) {
  torch::manual_seed(21);
  torch::Tensor w = torch::randn({rows, cols}, torch::kFloat64);
  MatD we = to_eigen(w);
  auto eigen_opt = solvers::make_optimizer<double>(spec);
  std::map<std::string, torch::Tensor> state;
  const double lr = 0.05;
  double worst = 0;
  for (std::int64_t t = 1; t <= 6; ++t) {
    const torch::Tensor g = torch::randn({rows, cols}, torch::kFloat64);
    torch_step(w, g, state, t, lr);
    eigen_opt->step(we, to_eigen(g), lr);
    worst = std::max(worst, max_abs_diff(w, we));
  }
  INFO(spec << " " << rows << "x" << cols << ": max |W_torch - W_eigen| = " << worst);
  // The two codes do the same arithmetic in a different order: rounding differences of ~1e-16 relative, amplified
  // by at most ~|a|^5 ≈ 5e2 in Newton-Schulz, on entries of size O(1): far below 1e-12.
  CHECK(worst < 1e-12);
}

}  // namespace

TEST_CASE("torch Newton-Schulz tables equal spectral::named_schedule", "[nanochat][theory]") {
  for (const char* name : {"ns5", "pe5", "pe-paper"}) {
    const NsCoefficients t = ns_coefficients(name);
    const spectral::NsScheduleSpec s = spectral::named_schedule(name);
    REQUIRE(t.steps.size() == s.steps.size());
    for (std::size_t i = 0; i < t.steps.size(); ++i)
      for (std::size_t k = 0; k < 3; ++k) CHECK(t.steps[i][k] == s.steps[i][k]);  // bit for bit
    CHECK(t.safety == s.safety);
    CHECK(t.eps == s.eps);
  }
}

TEST_CASE("torch optimizers equal their Eigen twins in float64", "[nanochat][theory]") {
  for (auto shape : {std::pair<std::int64_t, std::int64_t>{12, 20}, {20, 12}}) {
    const auto [m, n] = shape;
    SECTION("adam " + std::to_string(m) + "x" + std::to_string(n)) {
      AdamWHyper h;  // nanochat's betas and eps
      compare("adamw:beta1=0.8,beta2=0.95,eps=1e-10,wd=0.01", m, n,
              [&](torch::Tensor& w, const torch::Tensor& g, auto& st, std::int64_t t, double lr) {
                AdamWHyper hw = h;
                hw.weight_decay = 0.01;
                adamw_update(w, g, st["m"], st["v"], t, lr, hw);
              });
    }
    SECTION("muon keller " + std::to_string(m) + "x" + std::to_string(n)) {
      compare("muon", m, n, [&](torch::Tensor& w, const torch::Tensor& g, auto& st, std::int64_t, double lr) {
        MuonHyper h;
        muon_update(w, g, st["buf"], lr, h);
      });
    }
    SECTION("muon moonlight " + std::to_string(m) + "x" + std::to_string(n)) {
      compare("muon-moonlight", m, n, [&](torch::Tensor& w, const torch::Tensor& g, auto& st, std::int64_t, double lr) {
        MuonHyper h;
        h.variant = "moonlight", h.weight_decay = 0.1;
        muon_update(w, g, st["buf"], lr, h);
      });
    }
    SECTION("muon pe5 " + std::to_string(m) + "x" + std::to_string(n)) {
      compare("muon:ortho=pe5", m, n, [&](torch::Tensor& w, const torch::Tensor& g, auto& st, std::int64_t, double lr) {
        MuonHyper h;
        h.ns = ns_coefficients("pe5");
        muon_update(w, g, st["buf"], lr, h);
      });
    }
    SECTION("adamuon " + std::to_string(m) + "x" + std::to_string(n)) {
      compare("adamuon", m, n, [&](torch::Tensor& w, const torch::Tensor& g, auto& st, std::int64_t, double lr) {
        MuonHyper h;
        adamuon_update(w, g, st["buf"], st["v"], lr, h);
      });
    }
    SECTION("normuon " + std::to_string(m) + "x" + std::to_string(n)) {
      compare("normuon", m, n, [&](torch::Tensor& w, const torch::Tensor& g, auto& st, std::int64_t, double lr) {
        MuonHyper h;
        normuon_update(w, g, st["buf"], st["nu"], lr, h, 0.95);
      });
    }
  }
}
#endif
