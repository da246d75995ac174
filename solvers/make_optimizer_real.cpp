// The optimizer rules at MPFR precision (the heavy multiprecision instantiations live here, once) and their registry factories.
// Tested by tests/solvers/test_make_optimizer.cpp ("every optimizer: state()/set_state() and clone() continue bit-identically; g is untouched")
#include "solvers/make_optimizer_impl.hpp"

namespace muonlab::solvers {

template class RuleOptimizer<Real, GdRule<Real>>;
template class RuleOptimizer<Real, SignGdRule<Real>>;
template class RuleOptimizer<Real, AdamRule<Real>>;
template class RuleOptimizer<Real, MuonRule<Real>>;
template class RuleOptimizer<Real, AdaMuonRule<Real>>;
template class RuleOptimizer<Real, NorMuonRule<Real>>;

template std::unique_ptr<Optimizer<Real>> make_rule<Real, GdRule<Real>>(const SpecReader&);
template std::unique_ptr<Optimizer<Real>> make_rule<Real, SignGdRule<Real>>(const SpecReader&);
template std::unique_ptr<Optimizer<Real>> make_rule<Real, AdamRule<Real>>(const SpecReader&);
template std::unique_ptr<Optimizer<Real>> make_rule<Real, MuonRule<Real>>(const SpecReader&);
template std::unique_ptr<Optimizer<Real>> make_rule<Real, AdaMuonRule<Real>>(const SpecReader&);
template std::unique_ptr<Optimizer<Real>> make_rule<Real, NorMuonRule<Real>>(const SpecReader&);

}  // namespace muonlab::solvers
