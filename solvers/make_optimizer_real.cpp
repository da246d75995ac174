// make_optimizer<Real> and the optimizer classes at MPFR precision (the heavy multiprecision instantiations live
// here, once).
// Tested by tests/solvers/test_make_optimizer.cpp ("every optimizer: state()/set_state() and clone() continue bit-identically; g is untouched")
#include "solvers/make_optimizer_impl.hpp"

namespace muonlab::solvers {

template class Gd<Real>;
template class SignGd<Real>;
template class Adam<Real>;
template class Muon<Real>;
template class AdaMuon<Real>;
template class NorMuon<Real>;

template std::unique_ptr<Optimizer<Real>> make_optimizer<Real>(const std::string&);

}  // namespace muonlab::solvers
