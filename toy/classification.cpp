#include "toy/classification.hpp"
#include "toy/section_file.hpp"

#include "solvers/margin.hpp"
#include "spectral/errors.hpp"
#include "spectral/norms.hpp"
#include "spectral/random.hpp"
#include "spectral/svd.hpp"
#include "spectral/text_io.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace muonlab::toy {

template <class S>
void Classification<S>::validate() const {
  if (x.size() == 0) throw InputError("classification: X must be non-empty");
  if (!all_finite(x)) throw InputError("classification: entries of X must be finite");
  (void)solvers::margin_pairs(x.cols(), labels, classes);  // label range, counts, K ≥ 2
  std::vector<int> seen(static_cast<std::size_t>(classes), 0);
  for (int c : labels) seen[static_cast<std::size_t>(c)] = 1;
  for (int k = 0; k < classes; ++k)
    if (!seen[static_cast<std::size_t>(k)])
      throw InputError("classification: class " + std::to_string(k) + " has no sample");
}

template <class S>
S Classification<S>::loss(const Mat<S>& w) const {
  using std::exp;
  using std::log;
  using std::log1p;
  const Mat<S> z = w * x;
  S total(0);
  for (Eigen::Index i = 0; i < z.cols(); ++i) {
    // ℓ_i = log(1 + Σ_{k≠c} e^{z_k − z_c}) when c has the largest logit (log1p keeps the tiny losses of well
    // separated samples, which 1 + tiny would round away); else the log-sum-exp about the largest logit.
    const int c = labels[static_cast<std::size_t>(i)];
    const S mx = z.col(i).maxCoeff();
    S others(0);
    for (Eigen::Index k = 0; k < z.rows(); ++k)
      if (k != c) others += exp(S(z(k, i) - mx));
    const S own = exp(S(z(c, i) - mx));
    total += z(c, i) == mx ? S(log1p(others)) : S(mx + log(S(own + others)) - z(c, i));
  }
  return total / S(static_cast<long>(z.cols()));
}

template <class S>
void Classification<S>::gradient(const Mat<S>& w, Mat<S>& g, const std::vector<Eigen::Index>& batch) const {
  using std::exp;
  g = Mat<S>::Zero(w.rows(), w.cols());
  const Eigen::Index count = batch.empty() ? samples() : static_cast<Eigen::Index>(batch.size());
  Vec<S> p(w.rows());
  for (Eigen::Index b = 0; b < count; ++b) {
    const Eigen::Index i = batch.empty() ? b : batch[static_cast<std::size_t>(b)];
    const Vec<S> z = w * x.col(i);
    const S mx = z.maxCoeff();
    S sum(0);
    for (Eigen::Index k = 0; k < z.size(); ++k) sum += (p(k) = exp(S(z(k) - mx)));
    p /= sum;
    // softmax − e_c, with the own entry as −Σ_{k≠c} p_k: p_c − 1 would cancel to 0 once the other probabilities
    // are below the unit roundoff, leaving a gradient that no longer sums to zero over the classes.
    const int c = labels[static_cast<std::size_t>(i)];
    S rest(0);
    for (Eigen::Index k = 0; k < z.size(); ++k)
      if (k != c) rest += p(k);
    p(c) = -rest;
    g.noalias() += p * x.col(i).transpose();          // ∇ℓ_i = (softmax(W x_i) − e_{c_i}) x_iᵀ
  }
  g /= S(static_cast<long>(count));
}

template <class S>
S Classification<S>::margin(const Mat<S>& w) const {
  return solvers::margin_of<S>(w, x, labels, classes);
}

void ClassificationSpec::validate() const {
  if (classes < 2 || classes > 64) throw InputError("--classes must be in [2, 64]; got " + std::to_string(classes));
  if (n < 1 || n > 4096) throw InputError("--n must be in [1, 4096]; got " + std::to_string(n));
  if (samples < classes || samples > 4096)
    throw InputError("--samples must be in [classes, 4096] (every class needs a sample); got " +
                     std::to_string(samples));
  if (!(min_gap >= 0 && min_gap < 1)) throw InputError("min_gap must be in [0, 1)");
}

template <class S>
Classification<S> make_classification(const ClassificationSpec& spec) {
  spec.validate();
  spectral::Rng rng(spec.seed, 7000 + spec.stream);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const MatD teacher = spectral::random_gaussian<double>(rng, spec.classes, spec.n);
    const double tnorm = to_double(spectral::norm_spectral(teacher));
    Classification<S> out;
    out.classes = spec.classes;
    out.x = Mat<S>(spec.n, spec.samples);
    out.labels.assign(static_cast<std::size_t>(spec.samples), 0);
    bool ok = true;
    for (Eigen::Index i = 0; i < spec.samples && ok; ++i) {
      bool found = false;
      for (int draw = 0; draw < 1000 && !found; ++draw) {
        VecD xi(spec.n);
        for (Eigen::Index j = 0; j < spec.n; ++j) {
          if (spec.entries == Entries::gaussian) {
            xi(j) = rng.normal();
          } else {
            const long v = rng.integer(-3, 2);
            xi(j) = static_cast<double>(v >= 0 ? v + 1 : v);  // non-zero in [−3, 3]
          }
        }
        const VecD z = teacher * xi;
        Eigen::Index c = 0;
        z.maxCoeff(&c);
        double second = -std::numeric_limits<double>::infinity();
        for (Eigen::Index k = 0; k < z.size(); ++k)
          if (k != c) second = std::max(second, z(k));
        if (z(c) - second < spec.min_gap * xi.norm() * tnorm) continue;
        for (Eigen::Index j = 0; j < spec.n; ++j) out.x(j, i) = S(xi(j));
        out.labels[static_cast<std::size_t>(i)] = static_cast<int>(c);
        found = true;
      }
      ok = found;
    }
    if (!ok) continue;
    // Every class must occur; the first `classes` samples are relabeled draws until it does.
    std::vector<int> seen(static_cast<std::size_t>(spec.classes), 0);
    for (int c : out.labels) seen[static_cast<std::size_t>(c)] = 1;
    bool all = true;
    for (int s : seen) all = all && s;
    if (all) return out;
  }
  throw InputError("make_classification: could not draw a separable instance using every class (try more samples "
                   "or a smaller min_gap)");
}

template <class S>
Classification<S> read_classification_file(const std::string& path) {
  SectionFile f = read_section_file(path, "classification file", {"x", "labels"}, {"x", "labels"});
  Classification<S> out;
  std::istringstream xs(f.text["x"]), ls(f.text["labels"]);
  out.x = read_matrix_csv<S>(xs, path + " [x]").transpose();
  const MatQ lab = read_matrix_csv<Rational>(ls, path + " [labels]");
  if (lab.size() != out.x.cols())
    throw InputError(path + ": [x] has " + std::to_string(out.x.cols()) + " samples but [labels] has " +
                     std::to_string(lab.size()) + " labels");
  int kmax = 0;
  for (Eigen::Index j = 0; j < lab.size(); ++j) {
    const Rational v = lab(j / lab.cols(), j % lab.cols());
    if (boost::multiprecision::denominator(v) != 1 || v < 0 || v > 63)
      throw InputError(path + ": labels must be integers in [0, 63]");
    out.labels.push_back(v.convert_to<int>());
    kmax = std::max(kmax, out.labels.back());
  }
  out.classes = std::max(2, kmax + 1);
  out.validate();
  return out;
}

template <class S>
Classification<S> batch_one_counterexample() {
  Classification<S> out;
  out.classes = 2;
  out.x = Mat<S>(2, 3);
  out.x << S(3), S(1), S(10), S(1), S(3), S(1);  // columns x1 = (3, 1), x2 = (1, 3), x3 = (10, 1)
  out.labels = {0, 1, 0};
  return out;
}

BatchSpec BatchSpec::parse(const std::string& text) {
  BatchSpec b;
  const std::string t = trim_copy(text);
  if (t == "full") return b;
  const auto colon = t.find(':');
  const std::string kind = t.substr(0, colon);
  if (colon == std::string::npos || (kind != "cyclic" && kind != "random"))
    throw InputError("--batch must be full, cyclic:B or random:B; got '" + text + "'");
  const std::string num = t.substr(colon + 1);
  long size = 0;
  try {
    std::size_t used = 0;
    size = std::stol(num, &used);
    if (used != num.size()) size = 0;
  } catch (const std::exception&) {
    size = 0;
  }
  if (size < 1) throw InputError("--batch: the batch size B must be a positive integer; got '" + num + "'");
  b.order = kind == "cyclic" ? Order::cyclic : Order::random;
  b.size = size;
  return b;
}

std::string BatchSpec::name() const {
  switch (order) {
    case Order::full: return "full";
    case Order::cyclic: return "cyclic:" + std::to_string(size);
    case Order::random: return "random:" + std::to_string(size);
  }
  return "?";
}

namespace {

template <class S>
MarginRow margin_row(const Classification<S>& p, const Mat<S>& w, long step, double lr) {
  MarginRow r;
  r.step = step;
  r.lr = lr;
  r.loss = to_double(p.loss(w));
  const S m = p.margin(w);
  r.margin = to_double(m);
  const S nmax = spectral::norm_max(w), n2 = spectral::norm_spectral(w), nf = spectral::norm_frobenius(w);
  r.norm_max = to_double(nmax), r.norm_2 = to_double(n2), r.norm_f = to_double(nf);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.nmargin_max = nmax > S(0) ? to_double(S(m / nmax)) : nan;
  r.nmargin_2 = n2 > S(0) ? to_double(S(m / n2)) : nan;
  r.nmargin_f = nf > S(0) ? to_double(S(m / nf)) : nan;
  return r;
}

}  // namespace

template <class S>
ClassificationRun<S> run_classification(const Classification<S>& problem, solvers::Optimizer<S>& opt,
                                        const StepSize<S>& lr, const BatchSpec& batch, const RunOptions& options,
                                        const Mat<S>& w0, bool normalize_frobenius) {
  problem.validate();
  if (options.steps < 0) throw InputError("steps must be non-negative");
  if (batch.order != BatchSpec::Order::full && (batch.size < 1 || batch.size > problem.samples()))
    throw InputError("batch size must be in [1, N = " + std::to_string(problem.samples()) + "]");
  Mat<S> w = w0.size() ? w0 : Mat<S>::Zero(problem.classes, problem.n());
  if (w.rows() != problem.classes || w.cols() != problem.n())
    throw InputError("classification: W0 must be " + std::to_string(problem.classes) + "x" +
                     std::to_string(problem.n()));
  ClassificationRun<S> out;
  const std::vector<long> when = record_steps(options.steps, options.records);
  std::size_t next = 0;
  Mat<S> g;
  std::vector<Eigen::Index> idx;
  spectral::Rng rng(batch.seed, 9100);
  double last_lr = 0;
  const long tick = std::max(1L, options.steps / 100);
  for (long t = 0;; ++t) {
    if (next < when.size() && when[next] == t) {
      out.rows.push_back(margin_row(problem, w, t, last_lr));
      ++next;
    }
    if (t == options.steps) break;
    idx.clear();
    if (batch.order == BatchSpec::Order::cyclic) {
      for (Eigen::Index j = 0; j < batch.size; ++j)
        idx.push_back((static_cast<Eigen::Index>(t) * batch.size + j) % problem.samples());
    } else if (batch.order == BatchSpec::Order::random) {
      for (Eigen::Index j = 0; j < batch.size; ++j) idx.push_back(rng.integer(0, problem.samples() - 1));
    }
    problem.gradient(w, g, idx);
    if (normalize_frobenius) {
      const S gn = spectral::norm_frobenius(g);
      if (gn > S(0)) g /= gn;
    }
    const S eta = lr(t);
    opt.step(w, g, eta);
    last_lr = to_double(eta);
    out.steps_done = t + 1;
    if (options.progress && (t + 1) % tick == 0) options.progress(t + 1, options.steps);
    if (!all_finite(w)) {
      out.diverged = true;
      break;
    }
  }
  out.final_w = w;
  return out;
}

std::string margin_csv(const std::vector<MarginRow>& rows) {
  std::string s = "step,lr,loss,margin,norm_max,norm_2,norm_F,nmargin_max,nmargin_2,nmargin_F\n";
  char buf[40];
  for (const auto& r : rows) {
    s += std::to_string(r.step);
    for (double v : {r.lr, r.loss, r.margin, r.norm_max, r.norm_2, r.norm_f, r.nmargin_max, r.nmargin_2,
                     r.nmargin_f}) {
      std::snprintf(buf, sizeof buf, ",%.17g", v);
      s += buf;
    }
    s += '\n';
  }
  return s;
}

template struct Classification<double>;
template struct Classification<Real>;
template Classification<double> make_classification<double>(const ClassificationSpec&);
template Classification<Real> make_classification<Real>(const ClassificationSpec&);
template Classification<double> read_classification_file<double>(const std::string&);
template Classification<Real> read_classification_file<Real>(const std::string&);
template Classification<double> batch_one_counterexample<double>();
template Classification<Real> batch_one_counterexample<Real>();
template ClassificationRun<double> run_classification<double>(const Classification<double>&,
                                                              solvers::Optimizer<double>&, const StepSize<double>&,
                                                              const BatchSpec&, const RunOptions&,
                                                              const Mat<double>&, bool);
template ClassificationRun<Real> run_classification<Real>(const Classification<Real>&, solvers::Optimizer<Real>&,
                                                          const StepSize<Real>&, const BatchSpec&,
                                                          const RunOptions&, const Mat<Real>&, bool);

}  // namespace muonlab::toy
