// The Eigen backend's optimizer registry: one entry per OptimizerId (solvers/optimizer_id.hpp) with its help text,
// its keys (defaults read from the rule's Defaults struct, a variant's preset applied) and its factory per scalar
// type. make_optimizer looks the name up here once; --help and docs/optimizers.md list the same entries.
#pragma once

#include "solvers/hyperparams.hpp"
#include "solvers/optimizer.hpp"
#include "solvers/optimizer_id.hpp"

#include <string>
#include <vector>

namespace muonlab::solvers {

template <class S>
using OptimizerFactory = std::unique_ptr<Optimizer<S>> (*)(const SpecReader&);

/// An optimizer built from a spec already read against its entry's keys, one per scalar type. Defined in
/// make_optimizer_impl.hpp and instantiated in make_optimizer_{double,real,rational}.cpp (the only translation
/// units that instantiate the rules).
template <class S, class Rule>
std::unique_ptr<Optimizer<S>> make_rule(const SpecReader& r);

struct OptimizerFactories {
  OptimizerFactory<double> f64;
  OptimizerFactory<Real> real;
  OptimizerFactory<Rational> rational;  // throws "needs square roots" for the rules that are not field-only

  template <class S>
  OptimizerFactory<S> get() const {
    if constexpr (std::is_same_v<S, double>) return f64;
    else if constexpr (std::is_same_v<S, Real>) return real;
    else return rational;
  }
};

struct OptimizerEntry {
  OptimizerId id;
  std::string name;          // optimizer_name(id)
  std::string description;
  std::string source;        // where the rule and its defaults come from
  std::vector<KeyInfo> keys; // the base rule's keys with the variant's preset as defaults
  bool field_only = false;   // needs only + − × ÷ (runs in exact rationals)
  OptimizerFactories make;
};

/// Every entry, in the order of kOptimizerNames.
const std::vector<OptimizerEntry>& optimizer_registry();
const OptimizerEntry& optimizer_entry(OptimizerId id);
/// The entry for a name or alias; InputError listing the known names otherwise.
const OptimizerEntry& optimizer_entry(const std::string& name);

}  // namespace muonlab::solvers
