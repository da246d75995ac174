// The options every Muon-family rule shares (Muon, AdaMuon, NorMuon; REFERENCE §3): the orthogonalizer (ortho,
// ns_steps, ns_eps) and the momentum (beta, nesterov), read from a spec and turned into the rule's parts once.
#pragma once  // Tested by tests/solvers/test_registry.cpp ("registry: the Muon family reads its shared keys alike")

#include "solvers/momentum.hpp"
#include "solvers/optimizer_base.hpp"
#include "solvers/orthogonalizer.hpp"

namespace muonlab::solvers {

/// D is the rule's Defaults struct (its ortho, beta and nesterov constants).
template <class S, class D>
struct OrthoMomentumOptions {
  std::string ortho = D::ortho;  // "polar" or a Newton–Schulz schedule name / file
  long ns_steps = 0;             // 0: the schedule's own length
  std::optional<S> ns_eps;       // the schedule's own ε (1e-7) unless set
  S beta = parse_scalar<S>(D::beta);
  bool nesterov = D::nesterov;

  /// Reads the five shared keys.
  void read_ortho_momentum(const SpecReader& r) {
    ortho = r.text("ortho");
    ns_steps = ns_steps_of(r);
    ns_eps = optional_scalar<S>(r, "ns_eps");
    beta = r.template scalar<S>("beta");
    nesterov = r.flag("nesterov");
  }

  /// The orthogonalizer named by ortho, ns_steps and ns_eps (InputError for a bad combination).
  Orthogonalizer<S> orthogonalizer() const { return Orthogonalizer<S>::make(ortho, ns_steps, ns_eps); }

  /// One momentum step (solvers/momentum.hpp): the buffer after g into `b`; returns the orthogonalizer's input u.
  Mat<S> momentum_step(MomentumKind kind, const Mat<S>& b0, const Mat<S>& g, Mat<S>& b) const {
    b = momentum_next(kind, beta, b0, g);
    return momentum_input(kind, beta, nesterov, g, b);
  }
};

}  // namespace muonlab::solvers
