#include "theory/registry.hpp"

#include "spectral/errors.hpp"

namespace muonlab::theory {

const ClaimList& all_claims() {
  static const ClaimList claims = [] {
    ClaimList v;
    add_foundation_claims(v);
    add_toy_claims(v);
    add_polar_express_claims(v);
    add_budget_claims(v);
    add_weight_decay_claims(v);
    add_margin_claims(v);
    return v;
  }();
  return claims;
}

std::vector<const Claim*> select_claims(const std::vector<std::string>& ids) {
  std::vector<const Claim*> out;
  const ClaimList& all = all_claims();
  if (ids.empty()) {
    for (const auto& c : all) out.push_back(c.get());
    return out;
  }
  for (const std::string& id : ids) {
    const Claim* found = nullptr;
    for (const auto& c : all)
      if (c->id() == id) found = c.get();
    if (!found) {
      std::string known;
      for (const auto& c : all) known += (known.empty() ? "" : ", ") + c->id();
      throw InputError("unknown claim '" + id + "' (known: " + known + ")");
    }
    out.push_back(found);
  }
  return out;
}

}  // namespace muonlab::theory
