// The optimizer rules at double precision (products through BLAS) and their registry factories.
// Tested by tests/solvers/test_make_optimizer.cpp ("every optimizer: state()/set_state() and clone() continue bit-identically; g is untouched")
#include "solvers/make_optimizer_impl.hpp"

namespace muonlab::solvers {

template class RuleOptimizer<double, GdRule<double>>;
template class RuleOptimizer<double, SignGdRule<double>>;
template class RuleOptimizer<double, AdamRule<double>>;
template class RuleOptimizer<double, MuonRule<double>>;
template class RuleOptimizer<double, AdaMuonRule<double>>;
template class RuleOptimizer<double, NorMuonRule<double>>;

template std::unique_ptr<Optimizer<double>> make_rule<double, GdRule<double>>(const SpecReader&);
template std::unique_ptr<Optimizer<double>> make_rule<double, SignGdRule<double>>(const SpecReader&);
template std::unique_ptr<Optimizer<double>> make_rule<double, AdamRule<double>>(const SpecReader&);
template std::unique_ptr<Optimizer<double>> make_rule<double, MuonRule<double>>(const SpecReader&);
template std::unique_ptr<Optimizer<double>> make_rule<double, AdaMuonRule<double>>(const SpecReader&);
template std::unique_ptr<Optimizer<double>> make_rule<double, NorMuonRule<double>>(const SpecReader&);

}  // namespace muonlab::solvers
