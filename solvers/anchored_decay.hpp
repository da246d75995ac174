// Decoupled weight decay toward an anchor instead of toward 0 (issue 19: fine-tuning from W0):
//
//     W ← W − lr·wd·(W − W0) − lr·direction(G)
//
// It is the wrapped optimizer (whose own decay is W ← W(1 − lr·wd)) run on Δ = W − W0 with the same gradients:
// every rule here decays before it moves and its direction depends on G and its state only, so stepping Δ and
// adding W0 back is the rule above. With W0 = 0 it is the wrapped optimizer itself.
#pragma once

#include "solvers/optimizer.hpp"
#include "spectral/errors.hpp"

#include <memory>
#include <string>

namespace muonlab::solvers {

template <class S>
class AnchoredDecay final : public Optimizer<S> {
public:
  /// `inner` carries the decay coefficient (its wd); `anchor` is W0. InputError when inner is null.
  AnchoredDecay(std::unique_ptr<Optimizer<S>> inner, Mat<S> anchor)
      : inner_(std::move(inner)), anchor_(std::move(anchor)) {
    if (!inner_) throw InputError("AnchoredDecay: no optimizer to wrap");
  }
  AnchoredDecay(const AnchoredDecay& o) : inner_(o.inner_->clone()), anchor_(o.anchor_) {}

  std::string name() const override { return inner_->name() + "[decay to W0]"; }
  void step(Mat<S>& w, const Mat<S>& g, const S& lr) override {
    if (w.rows() != anchor_.rows() || w.cols() != anchor_.cols())
      throw InputError("AnchoredDecay: the parameter and the anchor W0 differ in shape");
    Mat<S> delta = w - anchor_;
    inner_->step(delta, g, lr);  // Δ ← Δ(1 − lr·wd) − lr·direction(G)
    w = anchor_ + delta;
  }
  Mat<S> peek_direction(const Mat<S>& g) const override { return inner_->peek_direction(g); }
  void reset() override { inner_->reset(); }
  std::map<std::string, Mat<S>> state() const override { return inner_->state(); }
  void set_state(const std::map<std::string, Mat<S>>& s) override { inner_->set_state(s); }
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<AnchoredDecay>(*this); }

private:
  std::unique_ptr<Optimizer<S>> inner_;
  Mat<S> anchor_;
};

}  // namespace muonlab::solvers
