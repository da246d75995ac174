// Spectral probes (nanochat/probes.hpp): singular values through the Gram matrix.
#include "nanochat/probes.hpp"

#include <catch2/catch.hpp>

using namespace muonlab::nanochat;

TEST_CASE("singular values from the Gram matrix agree with an SVD", "[nanochat][probes]") {
  torch::manual_seed(61);
  for (auto shape : {std::pair<int, int>{30, 70}, {70, 30}, {40, 40}}) {
    const torch::Tensor w = torch::randn({shape.first, shape.second}, torch::kFloat64);
    const torch::Tensor s = singular_values(w), ref = at::linalg_svdvals(w);
    REQUIRE(s.numel() == ref.numel());
    // Eigenvalues of WWᵀ are exact to ~n·1e-16·σ₁²; these σ_i are O(1)-O(10), so the σ agree to ~1e-12.
    CHECK((s - ref).abs().max().item<double>() < 1e-10 * ref[0].item<double>());
  }
  // A rank-2 matrix: the zero singular values read as (at most) ~1e-8·σ₁, as documented.
  const torch::Tensor u = torch::randn({50, 2}, torch::kFloat64), v = torch::randn({2, 60}, torch::kFloat64);
  const torch::Tensor s = singular_values(torch::matmul(u, v));
  CHECK(s.narrow(0, 2, s.numel() - 2).max().item<double>() <= 1e-7 * s[0].item<double>());
  CHECK(s[1].item<double>() > 1e-3 * s[0].item<double>());
}
