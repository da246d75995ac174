// The map Muon-type optimizers apply to their momentum: the exact polar factor ortho(U) = U_r V_rᵀ
// (spectral::ortho) or a Newton–Schulz schedule (REFERENCE §3, §4): "polar", "ns5", "pe5", "pe-paper", "cubic",
// ..., or a coefficient file.
#pragma once

#include "spectral/newton_schulz.hpp"
#include "spectral/polar.hpp"

#include <optional>
#include <string>

namespace muonlab::solvers {

template <class S>
class Orthogonalizer {
public:
  /// `name`: "polar" or a name/file for spectral::schedule_by_name_or_file. `steps` (> 0) repeats the single
  /// quintic of "ns5"/"keller" or sets the length of "cubic"; `eps` overrides the schedule's normalization ε.
  /// Throws InputError for an unknown name, for `steps` with a schedule that is a fixed table, or for options on
  /// "polar".
  static Orthogonalizer make(const std::string& name, long steps = 0, std::optional<S> eps = std::nullopt) {
    Orthogonalizer o;
    o.name_ = name;
    if (name == "polar") {
      if (steps > 0) throw InputError("ortho=polar is exact; 'ns_steps' applies to Newton-Schulz schedules only");
      if (eps) throw InputError("ortho=polar is exact; 'ns_eps' applies to Newton-Schulz schedules only");
      o.polar_ = true;
      return o;
    }
    spectral::NsScheduleSpec spec;
    if (steps > 0) {
      if (name != "ns5" && name != "keller" && name != "cubic")
        throw InputError("'ns_steps' applies to ortho=ns5 and ortho=cubic; '" + name + "' is a fixed table");
      spec = spectral::named_schedule(name, static_cast<int>(steps));
      if (name != "cubic") spec.steps.assign(static_cast<std::size_t>(steps), spec.steps.front());
    } else {
      spec = spectral::schedule_by_name_or_file(name);
    }
    o.schedule_ = spectral::schedule_cast<S>(spec);
    if (eps) o.schedule_.eps = *eps;
    return o;
  }

  /// ortho(U) or NS(U), same shape as U.
  Mat<S> operator()(const Mat<S>& u) const {
    return polar_ ? spectral::ortho(u) : spectral::newton_schulz(u, schedule_);
  }

  /// The map applied to diag(u), read back as a vector (MuonAll, seed 003): ortho(diag u) = diag(sign u), and a
  /// Newton–Schulz step on a diagonal matrix acts entry-wise, x ← a x + (b x² + c x⁴) x after normalizing by
  /// ‖diag u‖F = ‖u‖2. O(n) instead of O(n³), the same arithmetic as the matrix iteration.
  Vec<S> diagonal(const Vec<S>& u) const {
    if (polar_) return spectral::sign(u);  // ortho(diag v) = diag(sign v)
    const S denom = spectral::ns_normalizer(schedule_, spectral::norm_l2(u));
    if (denom == S(0)) return Vec<S>::Zero(u.size());  // NS(0) = 0 even with eps = 0
    Vec<S> x = u / denom;
    for (const auto& st : schedule_.steps)
      for (Eigen::Index i = 0; i < x.size(); ++i) {
        const S a = x(i) * x(i);
        x(i) = st.a * x(i) + (st.b * a + st.c * (a * a)) * x(i);
      }
    return x;
  }

  bool exact() const { return polar_; }
  const std::string& name() const { return name_; }
  /// The Newton–Schulz schedule (empty for polar).
  const spectral::NsSchedule<S>& schedule() const { return schedule_; }

private:
  Orthogonalizer() = default;
  std::string name_;
  bool polar_ = false;
  spectral::NsSchedule<S> schedule_;
};

}  // namespace muonlab::solvers
