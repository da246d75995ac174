// The body of make_optimizer<S>, included only by the make_optimizer_<scalar>.cpp files that instantiate it.
#pragma once  // Tested by tests/solvers/test_make_optimizer.cpp ("make_optimizer: spec errors say what is accepted")

#include "solvers/adam.hpp"
#include "solvers/adamuon.hpp"
#include "solvers/catalog.hpp"
#include "solvers/gd.hpp"
#include "solvers/muon.hpp"
#include "solvers/normuon.hpp"

namespace muonlab::solvers::detail {

template <class S>
std::optional<S> optional_scalar(const SpecReader& r, const std::string& key) {
  if (r.text(key).empty()) return std::nullopt;
  return r.template scalar<S>(key);
}

template <class S>
long ns_steps(const SpecReader& r) {
  return r.text("ns_steps").empty() ? 0 : r.integer("ns_steps");
}

template <class S>
std::unique_ptr<Optimizer<S>> make_floating(const SpecReader& r) {
  const std::string& name = r.spec_name();
  const std::string display = r.display_name();
  if (name == "adam" || name == "adamw") {
    AdamOptions<S> o;
    o.beta1 = r.template scalar<S>("beta1");
    o.beta2 = r.template scalar<S>("beta2");
    o.eps = r.template scalar<S>("eps");
    o.wd = r.template scalar<S>("wd");
    o.bias_correction = r.flag("bias_correction");
    return std::make_unique<Adam<S>>(std::move(o), display);
  }
  if (name == "muon" || name == "muon-moonlight" || name == "muon-ideal" || name == "muonall") {
    MuonOptions<S> o;
    o.ortho = r.text("ortho");
    o.ns_steps = ns_steps<S>(r);
    o.ns_eps = optional_scalar<S>(r, "ns_eps");
    const std::string& sc = r.choice("scaling");
    o.scaling = sc == "keller" ? MuonScaling::keller : sc == "moonlight" ? MuonScaling::moonlight : MuonScaling::none;
    o.momentum = momentum_kind_from(r.choice("momentum"));
    o.beta = r.template scalar<S>("beta");
    o.nesterov = r.flag("nesterov");
    o.wd = r.template scalar<S>("wd");
    o.diag_vectors = name == "muonall";
    return std::make_unique<Muon<S>>(std::move(o), display);
  }
  if (name == "adamuon") {
    AdaMuonOptions<S> o;
    o.ortho = r.text("ortho");
    o.ns_steps = ns_steps<S>(r);
    o.ns_eps = optional_scalar<S>(r, "ns_eps");
    o.beta = r.template scalar<S>("beta");
    o.nesterov = r.flag("nesterov");
    o.sign = r.flag("sign");
    o.beta2 = optional_scalar<S>(r, "beta2");
    o.eps = r.template scalar<S>("eps");
    o.wd = r.template scalar<S>("wd");
    return std::make_unique<AdaMuon<S>>(std::move(o), display);
  }
  if (name == "normuon") {
    NorMuonOptions<S> o;
    o.ortho = r.text("ortho");
    o.ns_steps = ns_steps<S>(r);
    o.ns_eps = optional_scalar<S>(r, "ns_eps");
    o.beta = r.template scalar<S>("beta");
    o.nesterov = r.flag("nesterov");
    o.beta2 = r.template scalar<S>("beta2");
    o.eps = r.template scalar<S>("eps");
    o.wd = r.template scalar<S>("wd");
    return std::make_unique<NorMuon<S>>(std::move(o), display);
  }
  throw std::logic_error("make_optimizer: catalog entry '" + name + "' has no constructor");
}

template <class S>
std::unique_ptr<Optimizer<S>> make_optimizer_impl(const std::string& text) {
  const Spec spec = parse_spec(text, "optimizer");
  const OptimizerInfo& info = optimizer_info(spec.name);
  const SpecReader r(spec, info.keys);
  if (spec.name == "gd") return std::make_unique<Gd<S>>(r.template scalar<S>("wd"), r.display_name());
  if (spec.name == "signgd") return std::make_unique<SignGd<S>>(r.template scalar<S>("wd"), r.display_name());
  if constexpr (ScalarTraits<S>::is_exact) {
    throw InputError("optimizer '" + spec.name +
                     "' needs square roots, which exact rationals do not have; use --digits (MPFR) or double");
  } else {
    return make_floating<S>(r);
  }
}

}  // namespace muonlab::solvers::detail

namespace muonlab::solvers {

template <class S>
std::unique_ptr<Optimizer<S>> make_optimizer(const std::string& spec) {
  return detail::make_optimizer_impl<S>(spec);
}

}  // namespace muonlab::solvers
