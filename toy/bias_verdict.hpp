// Which candidate solution a run's iterates approached (`muonlab bias`, claims_bias.cpp).
#pragma once

#include "toy/runner.hpp"

#include <string>
#include <vector>

namespace muonlab::toy {

/// "W*_max", "W*_2", "W*_F" for the candidate names "max", "2", "F" (the name itself otherwise).
std::string candidate_label(const std::string& name);

struct BiasVerdict {
  bool diverged = false;
  std::vector<std::string> converged_to;  // every candidate within the relative tolerance (coinciding ones too)
  std::string nearest;                    // the candidate with the smallest relative distance
  double nearest_rel = 0;
  std::string text;  // "converged to W*_2 = W*_F", "none of them (nearest: W*_max at 0.31)", "diverged"
};

/// The verdict from the last recorded row: a candidate is reached when ‖P_T − P*‖F ≤ tol·‖P* − P0‖F.
BiasVerdict judge_bias(const std::vector<std::string>& candidates, const TrajectoryRow& last, bool diverged,
                       double tol);

}  // namespace muonlab::toy
