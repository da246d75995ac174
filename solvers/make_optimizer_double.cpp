// make_optimizer<double> and the optimizer classes at double precision (products through BLAS).
// Tested by tests/solvers/test_make_optimizer.cpp ("every optimizer: state()/set_state() and clone() continue bit-identically; g is untouched")
#include "solvers/make_optimizer_impl.hpp"

namespace muonlab::solvers {

template class Gd<double>;
template class SignGd<double>;
template class Adam<double>;
template class Muon<double>;
template class AdaMuon<double>;
template class NorMuon<double>;

template std::unique_ptr<Optimizer<double>> make_optimizer<double>(const std::string&);

}  // namespace muonlab::solvers
