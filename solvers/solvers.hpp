// muonlab::solvers — the optimizers as update rules on Eigen matrices of any scalar, and step-size schedules.
// Most callers need only make_optimizer<S>(spec) and make_step_size<S>(spec); docs/optimizers.md has the tables.
#pragma once  // Tested by tests/solvers/test_make_optimizer.cpp ("make_optimizer: spec errors say what is accepted")

#include "solvers/adam.hpp"
#include "solvers/adamuon.hpp"
#include "solvers/optimizer_id.hpp"
#include "solvers/registry.hpp"
#include "solvers/gd.hpp"
#include "solvers/hyperparams.hpp"
#include "solvers/momentum.hpp"
#include "solvers/muon.hpp"
#include "solvers/normuon.hpp"
#include "solvers/optimizer.hpp"
#include "solvers/ortho_momentum.hpp"
#include "solvers/orthogonalizer.hpp"
#include "solvers/step_size.hpp"
