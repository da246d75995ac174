// Runs W ranks of a c10d process group as threads of the test process: Gloo on loopback, rendezvous through an
// in-process c10d::HashStore. Nothing is left behind (threads joined, no ports reserved beforehand: Gloo binds
// ephemeral ports). An exception on any rank is rethrown on the caller's thread after every rank has ended; a rank
// waiting for a failed peer ends by the group's timeout, kept short here.
#pragma once

#include "nanochat/distributed.hpp"

#include <torch/csrc/distributed/c10d/HashStore.hpp>

#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace muonlab::testing {

/// Catch2's assertions are not thread-safe: ranks record their checks here, and the test asserts them on its own
/// thread afterwards (each with its description, so a failure says which rank and what).
class RankChecks {
public:
  void operator()(int rank, const std::string& what, bool ok) {
    std::lock_guard<std::mutex> lock(mu_);
    results_.emplace_back("rank " + std::to_string(rank) + ": " + what, ok);
  }
  const std::vector<std::pair<std::string, bool>>& results() const { return results_; }

private:
  std::mutex mu_;
  std::vector<std::pair<std::string, bool>> results_;
};

inline void run_ranks(int world, const std::function<void(nanochat::Comm&)>& body,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  auto store = c10::make_intrusive<c10d::HashStore>();
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      try {
        nanochat::DistOptions o;
        o.timeout = timeout;
        auto comm = nanochat::Comm::create(store, r, world, torch::Device(torch::kCPU), o);
        body(*comm);
      } catch (...) {
        errors[std::size_t(r)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace muonlab::testing
