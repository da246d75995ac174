// make_optimizer<Real> and the optimizer classes at MPFR precision (the heavy multiprecision instantiations live
// here, once).
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
