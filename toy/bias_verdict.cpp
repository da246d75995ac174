#include "toy/bias_verdict.hpp"

#include <cmath>
#include <cstdio>

namespace muonlab::toy {

std::string candidate_label(const std::string& name) {
  if (name == "max" || name == "2" || name == "F") return "W*_" + name;
  if (name == "max_wd" || name == "2_wd") return "W*_" + name.substr(0, name.size() - 3) + "(wd)";  // issue 19
  return name;
}

BiasVerdict judge_bias(const std::vector<std::string>& candidates, const TrajectoryRow& last, bool diverged,
                       double tol) {
  BiasVerdict v;
  v.diverged = diverged || !std::isfinite(last.loss);
  if (v.diverged) {
    v.text = "diverged";
    return v;
  }
  std::string joined;
  for (std::size_t c = 0; c < candidates.size() && c < last.rel_dist.size(); ++c) {
    const double r = last.rel_dist[c];
    if (v.nearest.empty() || r < v.nearest_rel) v.nearest = candidates[c], v.nearest_rel = r;
    if (r <= tol) {
      v.converged_to.push_back(candidates[c]);
      joined += (joined.empty() ? "" : " = ") + candidate_label(candidates[c]);
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v.nearest_rel);
  if (!joined.empty()) v.text = "converged to " + joined;
  else if (!v.nearest.empty()) v.text = "none of them (nearest: " + candidate_label(v.nearest) + " at relative distance " + buf + ")";
  else v.text = "no candidates";
  return v;
}

}  // namespace muonlab::toy
