// The body of make_rule<S, Rule> (solvers/registry.hpp), included only by the make_optimizer_<scalar>.cpp files,
// which instantiate every rule once per scalar type.
#pragma once  // Tested by tests/solvers/test_make_optimizer.cpp ("make_optimizer: spec errors say what is accepted")

#include "solvers/adam.hpp"
#include "solvers/adamuon.hpp"
#include "solvers/gd.hpp"
#include "solvers/muon.hpp"
#include "solvers/normuon.hpp"
#include "solvers/registry.hpp"

namespace muonlab::solvers {

template <class S, class Rule>
std::unique_ptr<Optimizer<S>> make_rule(const SpecReader& r) {
  return std::make_unique<RuleOptimizer<S, Rule>>(Rule::Options::from(r), r.display_name());
}

}  // namespace muonlab::solvers
