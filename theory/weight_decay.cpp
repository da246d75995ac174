// Weight-decay limits from the budget solvers and the selection rule (weight_decay.hpp).
#include "theory/weight_decay.hpp"

#include "solvers/anchored_decay.hpp"
#include "solvers/constrained_fit.hpp"
#include "solvers/min_norm.hpp"
#include "solvers/optimizer_base.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <algorithm>

namespace muonlab::theory {

const char* to_string(DecayCenter c) { return c == DecayCenter::zero ? "zero" : "w0"; }

DecayCenter parse_decay_center(const std::string& name) {
  if (name == "zero" || name == "0") return DecayCenter::zero;
  if (name == "w0") return DecayCenter::initial;
  throw InputError("unknown decay center '" + name + "' (known: zero, w0)");
}

namespace {

Real norm_by_name(const MatR& d, const std::string& norm) {
  if (norm == "max") return spectral::norm_max(d);
  if (norm == "2") return spectral::norm_spectral(d);
  if (norm == "F") return spectral::norm_frobenius(d);
  throw InputError("unknown norm '" + norm + "' (known: max, 2, F)");
}

MatR clip(const MatR& a, const Real& rho) {
  MatR out = a;
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      if (out(i, j) > rho) out(i, j) = rho;
      if (out(i, j) < -rho) out(i, j) = -rho;
    }
  return out;
}

}  // namespace

DecayPrediction predict_decay_limit(const toy::Problem<Real>& problem, const std::string& norm, const Real& radius,
                                    DecayCenter center) {
  using std::sqrt;
  if (problem.samples() != 1)
    throw InputError("weight decay: the budget prediction is for one-sample problems (single, continuation, lora)");
  if (norm != "max" && norm != "2") throw InputError("weight decay: the budget norm must be max or 2, not '" + norm + "'");
  if (!(radius > Real(0))) throw InputError("weight decay: the budget 1/lambda must be > 0 (is wd > 0?)");
  DecayPrediction out;
  out.norm = norm;
  out.center = center;
  out.radius = radius;
  const VecR u = problem.u.col(0);
  // Decay toward 0 fits the whole target with Δ = P; decay toward W0 fits r0 with Δ = P − P0 (Prop D.5's problem).
  const VecR t = center == DecayCenter::zero ? VecR(problem.offset.col(0)) : VecR(problem.r0.col(0));
  const MatR base = center == DecayCenter::zero ? MatR(MatR::Zero(problem.p0.rows(), problem.p0.cols())) : problem.p0;
  if (spectral::norm_max(t) == Real(0))
    throw InputError("weight decay: the target is zero (the start already fits; nothing to predict)");
  const solvers::BudgetFit<Real> fit = norm == "max" ? solvers::fit_max_budget<Real>(u, t, radius)
                                                     : solvers::fit_spectral_budget<Real>(u, t, radius);
  out.value = fit.value;
  out.gap = fit.gap;
  out.solver_tolerance = fit.tolerance;
  out.converged = fit.converged;
  out.fitted_error = sqrt(Real(2) * std::max(fit.gap, Real(0)));
  out.threshold = norm == "max" ? Real(spectral::norm_linf(t) / spectral::norm_l1(u))
                                : Real(spectral::norm_l2(t) / spectral::norm_l2(u));
  out.exact_fit = radius >= out.threshold;
  // The fitted vector is unique; the selection rule picks, among the minimizers with that fit, the one the
  // dynamics reach (header): min Frobenius (Muon), row-wise min max norm (sign-like rules).
  const MatR f = fit.delta * u;
  const MatR um = u;
  const MatR delta = norm == "2" ? solvers::min_frobenius_interpolation<Real>(um, f).w
                                 : solvers::min_max_norm_interpolation<Real>(um, f).w;
  out.point = base + delta;
  // This project's closed forms of the same point.
  if (norm == "2") {
    const Real tn = spectral::norm_l2(t), un = spectral::norm_l2(u);
    const Real c = std::min(radius, Real(tn / un));
    out.closed_form = base + (c / (tn * un)) * t * u.transpose();
  } else {
    out.closed_form = base + clip(MatR(t * spectral::sign(u).transpose() / spectral::norm_l1(u)), radius);
  }
  out.scale = spectral::norm_frobenius(delta);
  return out;
}

Real steady_step_norm(const solvers::Optimizer<Real>& opt, const MatR& g, const std::string& norm, double* residual,
                      int max_steps) {
  using std::abs;
  auto copy = opt.clone();
  copy->reset();
  MatR dummy = MatR::Zero(g.rows(), g.cols());
  Real prev(-1), now(0);
  const Real eps = ScalarTraits<Real>::epsilon();
  double change = 1;
  for (int k = 0; k <= max_steps; ++k) {
    now = norm_by_name(copy->peek_direction(g), norm);
    if (k > 0) {
      change = now > Real(0) ? to_double(Real(abs(now - prev) / now)) : 0.0;
      // Converged when the change is at the rounding level of the norm (an SVD or a max over O(mn) entries: 64ε
      // covers it; a tighter test would wait on rounding noise until max_steps), or below 1e-20 relative: momentum
      // buffers converge like β^k, and a budget exact to 1e-20 is far below every tolerance that uses it.
      if (abs(now - prev) <= std::max(Real(64) * eps, Real("1e-20")) * now) {
        change = 0;
        break;
      }
    }
    prev = now;
    copy->step(dummy, g, Real(0));  // lr = 0: only the state moves
  }
  if (residual) *residual = change;
  return now;
}

Real effective_radius(const solvers::Optimizer<Real>& opt, const toy::Problem<Real>& problem,
                      const std::string& norm, const Real& lambda, DecayCenter center) {
  using std::abs;
  if (!(lambda > Real(0))) throw InputError("weight decay: lambda must be > 0");
  MatR g;
  problem.gradient(problem.p0, g);
  Real rho = steady_step_norm(opt, g, norm) / lambda;
  // Fixed point ρ = s(G(point(ρ)))/λ: s changes with ‖G‖ only through normalization constants (NS's ε), so this
  // settles in a few rounds. Past the threshold the point fits exactly and ρ no longer matters.
  for (int round = 0; round < 3; ++round) {
    const DecayPrediction pred = predict_decay_limit(problem, norm, rho, center);
    if (pred.exact_fit) break;
    problem.gradient(pred.point, g);
    const Real next = steady_step_norm(opt, g, norm) / lambda;
    const bool done = abs(next - rho) <= Real(64) * ScalarTraits<Real>::epsilon() * rho;
    rho = next;
    if (done) break;
  }
  return rho;
}

Real weight_decay_of(const solvers::Optimizer<Real>& opt) {
  if (const auto* base = dynamic_cast<const solvers::OptimizerBase<Real>*>(&opt)) return base->weight_decay();
  return Real(0);
}

std::vector<toy::Candidate<Real>> decay_candidates(const toy::Problem<Real>& problem,
                                                   const solvers::Optimizer<Real>& opt, DecayCenter center,
                                                   std::vector<DecayPrediction>* info) {
  const Real lambda = weight_decay_of(opt);
  if (!(lambda > Real(0))) throw InputError("weight decay: the optimizer has no decoupled decay (set wd > 0)");
  std::vector<toy::Candidate<Real>> out;
  for (const char* norm : {"max", "2"}) {
    const Real rho = effective_radius(opt, problem, norm, lambda, center);
    const DecayPrediction pr = predict_decay_limit(problem, norm, rho, center);
    out.push_back({std::string(norm) + "_wd", pr.point});
    if (info) info->push_back(pr);
  }
  return out;
}

}  // namespace muonlab::theory
