// The optimizer interface on Eigen matrices of any scalar (STYLE: ensmallen's update policies).
//
// An optimizer is an update policy: it owns its hyper-parameters (stored as the Scalar type, so 0.9 is exactly 9/10 in
// rationals) and a per-run state (moments, step count). `step` never modifies the caller's gradient.
#pragma once  // Tested by tests/solvers/test_make_optimizer.cpp ("every optimizer: state errors and shape changes are InputErrors")

#include "spectral/eigen_support.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace muonlab::solvers {

template <class S>
class Optimizer {
public:
  virtual ~Optimizer() = default;
  /// A stable name including the non-default settings, e.g. "muon(ortho=ns5,momentum=ema,nesterov=1)".
  virtual std::string name() const = 0;
  /// One step in place: W ← W − lr·direction(G) (plus weight decay where the rule has it), updating the state.
  /// W is m×n (PyTorch layout out×in). A 1-D parameter is passed as an n×1 matrix.
  virtual void step(Mat<S>& w, const Mat<S>& g, const S& lr) = 0;
  /// The update direction the next step would apply for gradient g, without changing state (for analysis).
  virtual Mat<S> peek_direction(const Mat<S>& g) const = 0;
  /// Forgets the state (moments, step count).
  virtual void reset() = 0;
  /// The state as named matrices (moments, step counter as 1×1), and its restoration: set_state(state()) must give a
  /// bit-identical continuation.
  virtual std::map<std::string, Mat<S>> state() const = 0;
  virtual void set_state(const std::map<std::string, Mat<S>>& state) = 0;
  /// A fresh copy with the same hyper-parameters and state.
  virtual std::unique_ptr<Optimizer<S>> clone() const = 0;
};

/// Builds an optimizer from a spec "NAME[:key=value,key=value...]", e.g. "signgd", "adam:eps=0,beta1=0.9",
/// "muon:ortho=ns5,momentum=ema,nesterov=1,scaling=keller", "adamuon", "normuon", "muonall", "gd".
/// Unknown names or keys, and values out of range, throw InputError with the list of what is accepted.
template <class S>
std::unique_ptr<Optimizer<S>> make_optimizer(const std::string& spec);

/// The optimizer names make_optimizer accepts, with a one-line description and the keys each takes.
std::vector<std::pair<std::string, std::string>> optimizer_help();

}  // namespace muonlab::solvers
