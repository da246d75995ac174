// A double as a JSON value: the number, or null when it is not finite (NaN or an infinity has no JSON form;
// docs/conventions.md, "Output"). One definition for the commands' summaries.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>

namespace muonlab::theory {

inline nlohmann::json json_number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace muonlab::theory
