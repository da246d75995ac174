// The device a run computes on: CUDA availability, synchronization and the caching allocator's memory statistics.
// Compiled with CUDA headers when LibTorch has CUDA (MUONLAB_TORCH_CUDA); elsewhere the CUDA parts report nothing.
#pragma once  // Tested by tests/nanochat/test_pretrain.cpp ("tiny pretraining learns, writes its run directory and reloads")

#include <torch/torch.h>

#include <cstdint>

namespace muonlab::nanochat {

/// Waits for the device's queued work (no-op on the CPU).
void synchronize(const torch::Device& device);

/// Peak bytes held by tensors on the current CUDA device since the last reset_peak_memory() (0 on the CPU or
/// without CUDA).
std::int64_t peak_memory_bytes();
void reset_peak_memory();

/// "NVIDIA H200" or "cpu".
std::string device_name(const torch::Device& device);

}  // namespace muonlab::nanochat
