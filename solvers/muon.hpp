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

#include "solvers/ortho_momentum.hpp"

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

inline MuonScaling muon_scaling_from(const std::string& s) {
  if (s == "keller") return MuonScaling::keller;
  if (s == "moonlight") return MuonScaling::moonlight;
  if (s == "none") return MuonScaling::none;
  throw InputError("scaling must be keller, moonlight or none, not '" + s + "'");
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

/// The defaults of `muon` (Keller Jordan's Muon, nanochat, the paper's Section 3), written once: MuonOptions and the
/// registry's key table read them. `muon-moonlight`, `muon-ideal` and `muonall` are this rule with the presets of
/// solvers/optimizer_id.hpp.
struct MuonDefaults {
  static constexpr const char* ortho = "ns5";        // "polar" or a Newton–Schulz schedule name / file
  static constexpr const char* scaling = "keller";
  static constexpr const char* momentum = "ema";
  static constexpr const char* beta = "0.95";        // Keller, nanochat, Moonlight: 0.95
  static constexpr bool nesterov = true;
  static constexpr const char* wd = "0";
  static constexpr bool diag_vectors = false;        // MuonAll: an n×1 parameter is diag(g)
};

template <class S>
struct MuonOptions : OrthoMomentumOptions<S, MuonDefaults> {
  MuonScaling scaling = muon_scaling_from(MuonDefaults::scaling);
  MomentumKind momentum = momentum_kind_from(MuonDefaults::momentum);
  S wd = parse_scalar<S>(MuonDefaults::wd);
  bool diag_vectors = MuonDefaults::diag_vectors;

  static MuonOptions from(const SpecReader& r) {
    MuonOptions o;
    o.read_ortho_momentum(r);
    o.scaling = muon_scaling_from(r.choice("scaling"));
    o.momentum = momentum_kind_from(r.choice("momentum"));
    o.wd = r.template scalar<S>("wd");
    o.diag_vectors = r.flag("diag_vectors");
    return o;
  }
};

/// Muon as an update rule; its state is the momentum buffer (empty with momentum = none).
template <class S>
class MuonRule {
public:
  using Options = MuonOptions<S>;
  using State = std::array<Mat<S>, 1>;
  static constexpr const char* kName = "muon";
  static constexpr std::array<StateField, 1> kState{{{"momentum", false}}};
  static constexpr bool kInPlace = false;

  explicit MuonRule(Options o) : ortho_(o.orthogonalizer()), o_(std::move(o)) {}
  const Options& options() const { return o_; }
  const Orthogonalizer<S>& orthogonalizer() const { return ortho_; }

  Mat<S> direction(const Mat<S>& g, const State& s, long, State& next) const {
    const Mat<S> u = o_.momentum_step(o_.momentum, s[0], g, next[0]);
    if (o_.diag_vectors && g.cols() == 1) {
      // MuonAll (seed 003): Muon on diag(u), read back; n×n, so the Keller scale is 1.
      const Eigen::Index n = g.rows();
      return muon_scale<S>(o_.scaling, n, n) * Mat<S>(ortho_.diagonal(Vec<S>(u.col(0))));
    }
    // Thm 3.2 (idealized Muon) / Section 3 (Keller): W ← W − lr·scale·ortho(u)
    return muon_scale<S>(o_.scaling, g.rows(), g.cols()) * ortho_(u);
  }

private:
  Orthogonalizer<S> ortho_;
  Options o_;
};

template <class S>
using Muon = RuleOptimizer<S, MuonRule<S>>;

extern template class RuleOptimizer<double, MuonRule<double>>;
extern template class RuleOptimizer<Real, MuonRule<Real>>;

}  // namespace muonlab::solvers
