// make_optimizer<Rational>: the field-only optimizers (GD, SignGD) in exact arithmetic; the rest need square roots.
// Tested by tests/solvers/test_make_optimizer.cpp ("make_optimizer: spec errors say what is accepted")
#include "solvers/make_optimizer_impl.hpp"

namespace muonlab::solvers {

template class Gd<Rational>;
template class SignGd<Rational>;

template std::unique_ptr<Optimizer<Rational>> make_optimizer<Rational>(const std::string&);

}  // namespace muonlab::solvers
