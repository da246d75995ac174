#include "nanochat/eval.hpp"

#include <algorithm>
#include <cmath>

namespace muonlab::nanochat {

double evaluate_nats(GPT& model, const Batch& val, int batch_size, const torch::Device& dev) {
  torch::NoGradGuard no_grad;
  double nats = 0;
  const std::int64_t n = val.x.size(0);
  for (std::int64_t i = 0; i < n; i += batch_size) {
    const std::int64_t b = std::min<std::int64_t>(batch_size, n - i);
    nats += model->loss(val.x.narrow(0, i, b).to(dev), val.y.narrow(0, i, b).to(dev), "sum").item<double>();
  }
  return nats;
}

double evaluate_bpb(GPT& model, const Batch& val, std::int64_t bytes, int batch_size, const torch::Device& dev) {
  return evaluate_nats(model, val, batch_size, dev) / (std::log(2.0) * double(bytes));
}

double evaluate_ppl(GPT& model, const Batch& val, int batch_size, const torch::Device& dev) {
  return std::exp(evaluate_nats(model, val, batch_size, dev) / double(val.y.numel()));
}

}  // namespace muonlab::nanochat
