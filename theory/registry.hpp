// The registry of claims that `muonlab verify` runs.
#pragma once

#include "theory/claim.hpp"

#include <memory>
#include <string>
#include <vector>

namespace muonlab::theory {

using ClaimList = std::vector<std::unique_ptr<Claim>>;

/// Every claim, in a stable order. Each layer's claims are added by one function (below), called here.
const ClaimList& all_claims();

/// The claims with the given ids (all when `ids` is empty); throws InputError naming an unknown id.
std::vector<const Claim*> select_claims(const std::vector<std::string>& ids);

// One adder per group of claims, each in its own file.
void add_foundation_claims(ClaimList& out);  // theory/claims_foundation.cpp
void add_toy_claims(ClaimList& out);         // theory/claims_toy.cpp, theory/claims_bias.cpp
void add_polar_express_claims(ClaimList& out);  // theory/claims_polar_express.cpp
void add_budget_claims(ClaimList& out);          // theory/claims_budget.cpp
void add_weight_decay_claims(ClaimList& out);    // theory/claims_weight_decay.cpp (issue 19)
void add_margin_claims(ClaimList& out);          // theory/claims_margin.cpp (issue 19)

}  // namespace muonlab::theory
