// The field-only rules (GD, SignGD) in exact arithmetic; the rest need square roots (registry.cpp says so).
// Tested by tests/solvers/test_make_optimizer.cpp ("make_optimizer: spec errors say what is accepted")
#include "solvers/make_optimizer_impl.hpp"

namespace muonlab::solvers {

template class RuleOptimizer<Rational, GdRule<Rational>>;
template class RuleOptimizer<Rational, SignGdRule<Rational>>;

template std::unique_ptr<Optimizer<Rational>> make_rule<Rational, GdRule<Rational>>(const SpecReader&);
template std::unique_ptr<Optimizer<Rational>> make_rule<Rational, SignGdRule<Rational>>(const SpecReader&);

}  // namespace muonlab::solvers
