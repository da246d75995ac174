// The c10d layer (nanochat/distributed.hpp): the torchrun/Slurm environment, and the collectives on two Gloo ranks.
#include "nanochat/distributed.hpp"
#include "dist_threads.hpp"
#include "nanochat/interrupt.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

using namespace muonlab::nanochat;
using muonlab::testing::RankChecks;
using muonlab::testing::run_ranks;

namespace {

// Sets environment variables for one scope and restores them after.
class EnvScope {
public:
  explicit EnvScope(const std::map<std::string, std::optional<std::string>>& vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k.c_str());
      saved_[k] = old ? std::optional<std::string>(old) : std::nullopt;
      if (v) setenv(k.c_str(), v->c_str(), 1);
      else unsetenv(k.c_str());
    }
  }
  ~EnvScope() {
    for (const auto& [k, v] : saved_) {
      if (v) setenv(k.c_str(), v->c_str(), 1);
      else unsetenv(k.c_str());
    }
  }

private:
  std::map<std::string, std::optional<std::string>> saved_;
};

const std::map<std::string, std::optional<std::string>> kClean = {
    {"RANK", std::nullopt},          {"WORLD_SIZE", std::nullopt},   {"LOCAL_RANK", std::nullopt},
    {"MASTER_ADDR", std::nullopt},   {"MASTER_PORT", std::nullopt},  {"SLURM_PROCID", std::nullopt},
    {"SLURM_NTASKS", std::nullopt},  {"SLURM_LOCALID", std::nullopt}, {"TORCHELASTIC_USE_AGENT_STORE", std::nullopt},
    {"MUONLAB_LAUNCHER", std::nullopt}};

std::map<std::string, std::optional<std::string>> with(std::map<std::string, std::optional<std::string>> add) {
  auto m = kClean;
  for (auto& [k, v] : add) m[k] = v;
  return m;
}

void assert_all(const RankChecks& checks, std::size_t expected) {
  CHECK(checks.results().size() == expected);
  for (const auto& [what, ok] : checks.results()) {
    INFO(what);
    CHECK(ok);
  }
}

}  // namespace

TEST_CASE("the torchrun and Slurm environments name the rank", "[nanochat][distributed]") {
  {
    EnvScope e(kClean);
    const DistEnv d = dist_env_from_environment();
    CHECK(d.world_size == 1);
    CHECK_FALSE(d.distributed());
  }
  {
    EnvScope e(with({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"},
                     {"MASTER_PORT", "29511"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"}}));
    const DistEnv d = dist_env_from_environment();
    CHECK(d.rank == 3);
    CHECK(d.world_size == 8);
    CHECK(d.local_rank == 1);
    CHECK(d.master_addr == "node7");
    CHECK(d.master_port == 29511);
    CHECK(d.agent_store);
    CHECK(rank_prefix(d) == "[rank 3] ");
  }
  {
    EnvScope e(with({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "16"}, {"SLURM_LOCALID", "1"}, {"MASTER_ADDR", "n1"}}));
    const DistEnv d = dist_env_from_environment();
    CHECK(d.rank == 5);
    CHECK(d.world_size == 16);
    CHECK(d.local_rank == 1);
    CHECK(d.master_port == 29500);  // torch's default
  }
  // Malformed: a clear error, never a guess.
  for (const auto& bad : {with({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), with({{"RANK", "x"}, {"WORLD_SIZE", "2"}}),
                          with({{"RANK", "0"}}), with({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "0"}}),
                          with({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}})}) {
    EnvScope e(bad);
    CHECK_THROWS_AS(dist_env_from_environment(), std::invalid_argument);
  }
}

TEST_CASE("Gloo collectives on two ranks: sums, reduce-scatter, all-gather, broadcast", "[nanochat][distributed]") {
  // Integers in float64: every sum is exact, so equality is the right test.
  RankChecks check;
  run_ranks(2, [&](Comm& c) {
    const int q = c.rank();
    const double r = q;
    check(q, "size", c.size() == 2);
    check(q, "backend", c.backend_name() == "gloo");
    torch::Tensor x = torch::full({3}, r + 1, torch::kFloat64);
    c.all_reduce_sum(x);
    check(q, "all-reduce", torch::equal(x, torch::full({3}, 3.0, torch::kFloat64)));
    check(q, "scalar all-reduce", c.all_reduce_sum(10 * (r + 1)) == 30);
    // input (2·2, 2) = rows of arange + 100r; rank q gets Σ_ranks rows [2q, 2q+2).
    const torch::Tensor in = torch::arange(8, torch::kFloat64).view({4, 2}) + 100 * r;
    const torch::Tensor mine = c.reduce_scatter_sum(in);
    const torch::Tensor want = (torch::arange(8, torch::kFloat64).view({4, 2}) * 2 + 100).narrow(0, 2 * q, 2);
    check(q, "reduce-scatter", torch::equal(mine, want));
    torch::Tensor out = torch::empty({4, 3}, torch::kFloat64);
    c.all_gather(out, torch::full({2, 3}, r, torch::kFloat64));
    check(q, "all-gather",
          torch::equal(out, torch::cat({torch::zeros({2, 3}, torch::kFloat64), torch::ones({2, 3}, torch::kFloat64)})));
    torch::Tensor b = torch::full({2}, r + 7, torch::kFloat64);
    c.broadcast(b, 1);
    check(q, "broadcast", torch::equal(b, torch::full({2}, 8.0, torch::kFloat64)));
    c.barrier();
    check(q, "timed", c.comm_seconds() > 0);
  });
  assert_all(check, 16);
}

TEST_CASE("rank 0's gate: the others wait for it, and learn of its failure", "[nanochat][distributed]") {
  RankChecks check;
  run_ranks(2, [&](Comm& c) {
    if (c.rank() == 0) {
      c.signal("prepared");
      c.signal("broken", "could not read the data");
      c.signal("rejected", "--batch-size 3 does not split", GateFailure::bad_input);
      c.signal("stopped", "interrupted by SIGINT while preparing the data", GateFailure::interrupted);
      return;
    }
    c.wait_for("prepared", std::chrono::seconds(30));
    try {
      c.wait_for("broken", std::chrono::seconds(30));
      check(1, "wait_for threw although rank 0 failed", false);
    } catch (const DistError& e) {
      check(1, "rank 0's message passed on", std::string(e.what()).find("could not read the data") != std::string::npos);
    }
    try {
      c.wait_for("rejected", std::chrono::seconds(30));
      check(1, "wait_for threw although rank 0 rejected the run", false);
    } catch (const std::invalid_argument& e) {
      check(1, "bad input passed on as bad input", std::string(e.what()).find("--batch-size 3") != std::string::npos);
    }
    try {
      c.wait_for("stopped", std::chrono::seconds(30));
      check(1, "wait_for threw although rank 0 was interrupted", false);
    } catch (const Interrupted& e) {
      check(1, "an interrupt passed on as an interrupt", std::string(e.what()).find("SIGINT") != std::string::npos);
    }
    try {
      c.wait_for("never", std::chrono::milliseconds(200));
      check(1, "wait_for a key never set threw", false);
    } catch (const DistError&) {
      check(1, "wait_for a key never set threw", true);
    }
  });
  assert_all(check, 4);
}

TEST_CASE("a rank that leaves makes the other's next collective fail with a clear message", "[nanochat][distributed]") {
  // Rank 1 returns (its process group is destroyed, its sockets closed); rank 0's all-reduce must not hang: it
  // fails (peer closed) or times out (5 s), with a DistError that says what to do.
  RankChecks check;
  const auto t0 = std::chrono::steady_clock::now();
  run_ranks(
      2,
      [&](Comm& c) {
        c.barrier();
        if (c.rank() == 1) return;
        torch::Tensor x = torch::ones({4});
        try {
          c.all_reduce_sum(x);
          check(0, "the all-reduce failed without its peer", false);
        } catch (const DistError& e) {
          const std::string m = e.what();
          check(0, "names the rank: " + m, m.find("rank 0 of 2") != std::string::npos);
          check(0, "says how to continue: " + m, m.find("--resume") != std::string::npos);
        }
      },
      std::chrono::seconds(5));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
  assert_all(check, 2);
}
