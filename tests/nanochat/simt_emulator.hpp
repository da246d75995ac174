// A small SIMT emulator that runs CUDA kernel source on the CPU, so the indexing, vector/scalar paths, grid-stride
// loops, warp shuffles and block barriers of nanochat/fused_ops_kernels.cu are exercised by the CPU test suite
// (tests/nanochat/test_fused_ops_kernels.cpp) before any GPU runs them.
//
// Model: every CUDA thread of a block is an OS thread (blocks run one after another); __syncthreads is a barrier of
// the block's threads, __shfl_xor_sync(full mask) a barrier of the warp's 32 threads around an exchange of values.
// Threads are scheduled by the OS with no lockstep, which is at least as adversarial as the GPU's independent thread
// scheduling: a shared-memory race without a barrier can show up, and a shuffle or barrier that not every thread
// reaches deadlocks, which the emulator detects (a barrier that waits more than 20 s) and reports as a failure
// instead of hanging. Not modelled: memory ordering across blocks, timing, the hardware's math accuracy (the host's
// libm runs instead: tanhf/expf/logf within a few ulp like CUDA's; rsqrtf is 1/√x rounded twice).
//
// Use: include this header, then the .cu file inside a namespace of its own (its symbols must not collide with the
// real kernels linked into the same test binary):
//   #include "simt_emulator.hpp"
//   namespace emulated { #include "nanochat/fused_ops_kernels.cu" }
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

namespace muonlab::testing::simt {

struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};

inline std::atomic<bool> g_deadlock{false};  // set when a barrier timed out
inline Dim3 g_grid, g_block;                  // this launch's gridDim, blockDim

class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait() {
    std::unique_lock<std::mutex> lock(m_);
    const long gen = gen_;
    if (++count_ == n_) {
      count_ = 0;
      ++gen_;
      cv_.notify_all();
      return;
    }
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return gen_ != gen; })) g_deadlock = true;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_, count_ = 0;
  long gen_ = 0;
};

struct Block {
  explicit Block(unsigned threads) : sync(int(threads)), slots(threads) {
    for (unsigned w = 0; w < (threads + 31) / 32; ++w)
      warps.push_back(std::make_unique<Barrier>(int(std::min(32u, threads - 32 * w))));
  }
  Barrier sync;
  std::vector<std::unique_ptr<Barrier>> warps;
  std::vector<float> slots;  // one exchange slot per thread
};

struct ThreadState {
  Dim3 thread, block;
  Block* blk = nullptr;
};
inline thread_local ThreadState t_state;

inline void syncthreads() { t_state.blk->sync.wait(); }

inline float shfl_xor(unsigned mask, float v, int offset) {
  if (mask != 0xffffffffu) g_deadlock = true;  // the kernels only use full-warp shuffles
  Block& b = *t_state.blk;
  const unsigned t = t_state.thread.x, base = t & ~31u;
  b.slots[t] = v;
  b.warps[t / 32]->wait();
  const float r = b.slots[base + ((t - base) ^ unsigned(offset))];
  b.warps[t / 32]->wait();  // everyone has read before the slots are reused
  return r;
}

inline float int_as_float(int i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

/// kernel<<<grid, block>>>(args...) on the CPU: the blocks one after another, each block's threads concurrently.
template <typename... P>
struct Launch {
  void (*kernel)(P...);
  Dim3 grid, block;
  template <typename... A>
  void operator()(A&&... args) const {
    g_grid = grid, g_block = block;
    const std::tuple<std::decay_t<P>...> params(std::forward<A>(args)...);
    for (unsigned bx = 0; bx < grid.x; ++bx) {
      Block blk(block.x);
      std::vector<std::thread> threads;
      threads.reserve(block.x);
      for (unsigned tx = 0; tx < block.x; ++tx) {
        threads.emplace_back([&, bx, tx] {
          t_state.thread = {tx, 0, 0};
          t_state.block = {bx, 0, 0};
          t_state.blk = &blk;
          std::apply(kernel, params);
        });
      }
      for (std::thread& t : threads) t.join();
    }
  }
};

template <typename... P>
Launch<P...> launch(unsigned grid, unsigned block, void (*kernel)(P...)) {
  return Launch<P...>{kernel, Dim3{grid, 1, 1}, Dim3{block, 1, 1}};
}

}  // namespace muonlab::testing::simt

// ---- CUDA's spelling, mapped onto the emulator (after the CUDA headers, which define some of these for the host) --
#undef __shared__
#define __shared__ static
#define __launch_bounds__(...)
#define threadIdx (::muonlab::testing::simt::t_state.thread)
#define blockIdx (::muonlab::testing::simt::t_state.block)
#define blockDim (::muonlab::testing::simt::g_block)
#define gridDim (::muonlab::testing::simt::g_grid)
#define __syncthreads() ::muonlab::testing::simt::syncthreads()
#define __shfl_xor_sync(mask, v, offset) ::muonlab::testing::simt::shfl_xor(mask, v, offset)
#define __int_as_float(i) ::muonlab::testing::simt::int_as_float(i)
#define rsqrtf(x) (1.0f / std::sqrt(float(x)))
#define MUONLAB_KERNEL_LAUNCH(grid, block, stream, ...) ::muonlab::testing::simt::launch(grid, block, __VA_ARGS__)
#define MUONLAB_KERNEL_MAX_GRID 3  // few blocks, so every grid-stride loop takes several turns
