// make_optimizer<double> and the optimizer classes at double precision (products through BLAS).
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
