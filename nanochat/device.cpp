#include "nanochat/device.hpp"

#include <torch/cuda.h>

#ifdef MUONLAB_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace muonlab::nanochat {

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

std::int64_t peak_memory_bytes() {
#ifdef MUONLAB_TORCH_CUDA
  if (!torch::cuda::is_available()) return 0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(c10::cuda::current_device());
  return stats.allocated_bytes[std::size_t(c10::CachingAllocator::StatType::AGGREGATE)].peak;
#else
  return 0;
#endif
}

void reset_peak_memory() {
#ifdef MUONLAB_TORCH_CUDA
  if (torch::cuda::is_available())
    c10::cuda::CUDACachingAllocator::resetPeakStats(c10::cuda::current_device());
#endif
}

std::string device_name(const torch::Device& device) {
#ifdef MUONLAB_TORCH_CUDA
  if (device.is_cuda() && torch::cuda::is_available())
    return at::cuda::getDeviceProperties(device.has_index() ? device.index() : c10::cuda::current_device())->name;
#endif
  return device.is_cuda() ? "cuda" : "cpu";
}

}  // namespace muonlab::nanochat
