#include "toy/runner.hpp"

#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/svd.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace muonlab::toy {

std::vector<long> record_steps(long steps, int records) {
  std::vector<long> out{0};
  if (steps <= 0) return out;
  const int k = std::max(records, 1);
  for (int i = 0; i <= k; ++i) {
    const double s = std::pow(static_cast<double>(steps), static_cast<double>(i) / k);
    out.push_back(std::clamp(static_cast<long>(std::llround(s)), 1L, steps));
  }
  out.push_back(steps);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

template <class S>
double spectral_norm_double(const Mat<S>& p) {
  return to_double(spectral::norm_spectral(p));
}
// Rationals: ‖P‖2 is irrational in general; computed in MPFR at the current working precision.
template <>
double spectral_norm_double<Rational>(const Mat<Rational>& p) {
  return to_double(spectral::norm_spectral(mat_cast<Real>(p)));
}

template <class S>
double frobenius_double(const Mat<S>& p) {
  return std::sqrt(to_double(spectral::norm_frobenius_sq(p)));
}

template <class S>
TrajectoryRow make_row(const Problem<S>& problem, const Mat<S>& p, long step, double lr,
                       const std::vector<Candidate<S>>& candidates, const std::vector<double>& scale,
                       bool spectral) {
  TrajectoryRow row;
  row.step = step;
  row.lr = lr;
  row.loss = to_double(problem.loss(p));
  row.norm_max = to_double(spectral::norm_max(p));
  row.norm_2 = spectral ? spectral_norm_double(p) : std::numeric_limits<double>::quiet_NaN();
  row.norm_f = frobenius_double(p);
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    // Distances are formed in S (exact for rationals) and only the final number is rounded to double.
    const double d = frobenius_double(Mat<S>(p - candidates[c].p));
    row.dist.push_back(d);
    row.rel_dist.push_back(scale[c] > 0 ? d / scale[c] : d);
  }
  return row;
}

}  // namespace

template <class S>
RunResult<S> run_toy(const Problem<S>& problem, solvers::Optimizer<S>& opt, const StepSize<S>& lr,
                     const std::vector<Candidate<S>>& candidates, const RunOptions& options) {
  if (options.steps < 0) throw InputError("steps must be non-negative");
  RunResult<S> out;
  std::vector<double> scale;
  for (const auto& c : candidates) {
    if (c.p.rows() != problem.p0.rows() || c.p.cols() != problem.p0.cols())
      throw InputError("candidate '" + c.name + "' has the wrong shape");
    out.candidates.push_back(c.name);
    scale.push_back(frobenius_double(Mat<S>(c.p - problem.p0)));
  }
  const std::vector<long> when = record_steps(options.steps, options.records);
  std::size_t next = 0;
  Mat<S> p = problem.p0, g;
  double last_lr = 0;
  const long tick = std::max(1L, options.steps / 100);
  for (long t = 0;; ++t) {
    if (next < when.size() && when[next] == t) {
      out.rows.push_back(make_row(problem, p, t, last_lr, candidates, scale, options.spectral_norm));
      ++next;
      if (!std::isfinite(out.rows.back().loss)) {
        out.diverged = true;
        break;
      }
    }
    if (t == options.steps) break;
    const S eta = lr(t);
    problem.gradient(p, g);
    opt.step(p, g, eta);  // W ← W − η_t·direction(∇L(W_t))
    last_lr = to_double(eta);
    out.steps_done = t + 1;
    if (options.progress && (t + 1) % tick == 0) options.progress(t + 1, options.steps);
    if (!all_finite(p)) {
      out.rows.push_back(make_row(problem, p, t + 1, last_lr, candidates, scale, false));
      out.diverged = true;
      break;
    }
  }
  out.final_param = p;
  return out;
}

namespace {
std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, ",%.17g", v);
  return buf;
}
}  // namespace

std::string trajectory_csv(const std::vector<std::string>& candidates, const std::vector<TrajectoryRow>& rows) {
  std::string s = "step,lr,loss,norm_max,norm_2,norm_F";
  for (const auto& c : candidates) s += ",dist_" + c;
  for (const auto& c : candidates) s += ",rel_" + c;
  s += '\n';
  for (const auto& r : rows) {
    s += std::to_string(r.step);
    for (double v : {r.lr, r.loss, r.norm_max, r.norm_2, r.norm_f}) s += num(v);
    for (double d : r.dist) s += num(d);
    for (double d : r.rel_dist) s += num(d);
    s += '\n';
  }
  return s;
}

template RunResult<double> run_toy<double>(const Problem<double>&, solvers::Optimizer<double>&,
                                           const StepSize<double>&, const std::vector<Candidate<double>>&,
                                           const RunOptions&);
template RunResult<Real> run_toy<Real>(const Problem<Real>&, solvers::Optimizer<Real>&, const StepSize<Real>&,
                                       const std::vector<Candidate<Real>>&, const RunOptions&);
template RunResult<Rational> run_toy<Rational>(const Problem<Rational>&, solvers::Optimizer<Rational>&,
                                               const StepSize<Rational>&, const std::vector<Candidate<Rational>>&,
                                               const RunOptions&);

}  // namespace muonlab::toy
