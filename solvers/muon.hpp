// Muon and MuonAll (REFERENCE §3, the paper's Section 3 and 4; MuonAll: seed 003).
//
//   B, u   from solvers/momentum.hpp (EMA | classical | none, Nesterov on/off), β = 0.95
//   O      = ortho(u)  (exact polar)  or  NS(u)  (any Newton–Schulz schedule)
//   scale  keller:    √max(1, m/n)          (Keller Jordan, nanochat; the paper's Section 3)
//          moonlight: 0.2·√max(m, n)        (Moonlight; the paper's Section 4, with weight decay 0.1)
//          none:      1                     (idealized Muon of Thm 3.2)
//   W ← W(1 − lr·wd) − lr·scale·O
//
// MuonAll: a 1-D parameter (passed as an n×1 matrix) is treated as diag(g): the buffer is kept as the vector, the
// orthogonalizer acts on diag(u) and the diagonal is read back (ortho(diag v) = diag(sign v)); the scale is that
// of an n×n matrix. Every parameter with more than one column gets plain Muon.
#pragma once

#include "solvers/momentum.hpp"
#include "solvers/optimizer_base.hpp"
#include "solvers/orthogonalizer.hpp"

namespace muonlab::solvers {

enum class MuonScaling { keller, moonlight, none };

inline const char* scaling_name(MuonScaling s) {
  switch (s) {
    case MuonScaling::keller: return "keller";
    case MuonScaling::moonlight: return "moonlight";
    case MuonScaling::none: return "none";
  }
  return "?";
}

/// The factor multiplying ortho(u) for an m×n parameter.
template <class S>
S muon_scale(MuonScaling s, Eigen::Index m, Eigen::Index n) {
  using std::sqrt;
  switch (s) {
    case MuonScaling::keller:  // √max(1, m/n)
      return m > n ? S(sqrt(S(static_cast<long>(m)) / S(static_cast<long>(n)))) : S(1);
    case MuonScaling::moonlight:  // 0.2·√max(m, n)
      return S(2) / S(10) * S(sqrt(S(static_cast<long>(std::max(m, n)))));
    case MuonScaling::none:
      return S(1);
  }
  return S(1);
}

template <class S>
struct MuonOptions {
  std::string ortho = "ns5";      // "polar" or a Newton–Schulz schedule name / file
  long ns_steps = 0;              // 0: the schedule's own length
  std::optional<S> ns_eps;        // the schedule's own ε (1e-7) unless set
  MuonScaling scaling = MuonScaling::keller;
  MomentumKind momentum = MomentumKind::ema;
  S beta = S(95) / S(100);        // Keller, nanochat, Moonlight: 0.95
  bool nesterov = true;
  S wd = S(0);
  bool diag_vectors = false;      // MuonAll: an n×1 parameter is diag(g)
};

template <class S>
class Muon final : public OptimizerBase<S> {
public:
  explicit Muon(MuonOptions<S> o = {}, std::string name = "muon")
      : OptimizerBase<S>(std::move(name), o.wd),
        ortho_(Orthogonalizer<S>::make(o.ortho, o.ns_steps, o.ns_eps)),
        o_(std::move(o)) {}
  std::unique_ptr<Optimizer<S>> clone() const override { return std::make_unique<Muon>(*this); }
  const MuonOptions<S>& options() const { return o_; }
  const Orthogonalizer<S>& orthogonalizer() const { return ortho_; }

protected:
  Mat<S> direction_only(const Mat<S>& g) const override {
    Mat<S> b;
    return compute(g, b);
  }
  Mat<S> commit(const Mat<S>& g) override {
    Mat<S> b;
    Mat<S> d = compute(g, b);
    b_ = std::move(b);
    return d;
  }
  std::map<std::string, Mat<S>> moments() const override {
    if (b_.size() == 0) return {};
    return {{"momentum", b_}};
  }
  void set_moments(const std::map<std::string, Mat<S>>& st) override {
    auto rest = st;
    Mat<S> b = this->take(rest, "momentum");
    OptimizerBase<S>::set_moments(rest);
    b_ = std::move(b);
  }
  void clear_moments() override { b_.resize(0, 0); }

private:
  Mat<S> compute(const Mat<S>& g, Mat<S>& b) const {
    this->check_moment_shape(b_, g.rows(), g.cols(), "momentum");
    b = momentum_next(o_.momentum, o_.beta, b_, g);
    const Mat<S> u = momentum_input(o_.momentum, o_.beta, o_.nesterov, g, b);
    if (o_.diag_vectors && g.cols() == 1) {
      // MuonAll (seed 003): Muon on diag(u), read back; n×n, so the Keller scale is 1.
      const Eigen::Index n = g.rows();
      return muon_scale<S>(o_.scaling, n, n) * Mat<S>(ortho_.diagonal(Vec<S>(u.col(0))));
    }
    // Thm 3.2 (idealized Muon) / Section 3 (Keller): W ← W − lr·scale·ortho(u)
    return muon_scale<S>(o_.scaling, g.rows(), g.cols()) * ortho_(u);
  }

  Orthogonalizer<S> ortho_;
  MuonOptions<S> o_;
  Mat<S> b_;  // empty until the first step (or when momentum = none)
};

extern template class Muon<double>;
extern template class Muon<Real>;

}  // namespace muonlab::solvers
