#include "spectral/errors.hpp"
#include "spectral/newton_schulz.hpp"
#include "spectral/ns_tables.hpp"
#include "spectral/text_io.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

namespace muonlab::spectral {

NsScheduleSpec named_schedule(const std::string& name, int cubic_steps) {
  NsScheduleSpec s;
  s.name = name;
  namespace t = ns_tables;
  if (name == "ns5" || name == "keller") {
    // Keller Jordan's Muon: the same quintic five times (REFERENCE §3).
    s.source = "Keller Jordan, Muon reference implementation";
    s.steps.assign(t::keller_ns5_steps, t::keller_ns5);
  } else if (name == "pe5") {
    // Polar Express as used by modded-nanogpt / nanochat / dion (REFERENCE §4).
    s.source = "Polar Express (Amsel et al. 2025), modded-nanogpt table";
    s.steps.assign(t::pe5.begin(), t::pe5.end());
    s.safety = t::pe5_safety;
  } else if (name == "pe-paper" || name == "pe-paper-raw") {
    // The paper's Algorithm 1 listing (REFERENCE §4): "pe-paper" with the 1.01 division applied at use,
    // "pe-paper-raw" as printed.
    s.source = "Can Muon Fine-tune Adam-Pretrained Models?, Algorithm 1";
    if (name == "pe-paper")
      s.steps = t::pe_paper_scaled();
    else
      s.steps.assign(t::pe_paper_raw.begin(), t::pe_paper_raw.end());
    s.safety = t::pe_paper_safety;
  } else if (name == "cubic") {
    // The classical Newton–Schulz cubic p(x) = (3x − x³)/2: converges for every σ in (0, √3).
    s.source = "classical Newton-Schulz iteration";
    s.steps.assign(static_cast<std::size_t>(cubic_steps), {1.5, -0.5, 0.0});
  } else {
    std::string known;
    for (const auto& n : schedule_names()) known += (known.empty() ? "" : ", ") + n;
    throw InputError("unknown coefficient schedule '" + name + "' (known: " + known + ", or a file path)");
  }
  return s;
}

std::vector<std::string> schedule_names() { return {"ns5", "keller", "pe5", "pe-paper", "pe-paper-raw", "cubic"}; }

NsScheduleSpec read_schedule_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot read coefficient file '" + path + "'");
  NsScheduleSpec s;
  s.name = std::filesystem::path(path).filename().string();
  s.source = path;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string where = path + ":" + std::to_string(lineno) + ": ";
    std::string body = strip_comment(line);
    if (body.empty()) continue;
    const auto eq = body.find('=');
    if (eq != std::string::npos) {
      const std::string key = trim_copy(body.substr(0, eq));
      double v = parse_scalar<double>(trim_copy(body.substr(eq + 1)));
      if (key == "safety") {
        if (v < 0) throw InputError(where + "safety must be >= 0");
        s.safety = v;
      } else if (key == "eps") {
        if (v < 0) throw InputError(where + "eps must be >= 0");
        s.eps = v;
      } else {
        throw InputError(where + "unknown setting '" + key + "' (expected safety or eps)");
      }
      continue;
    }
    std::vector<std::string> cells = split_fields(body);
    if (cells.size() != 3)
      throw InputError(where + "expected 3 coefficients a, b, c; found " + std::to_string(cells.size()));
    std::array<double, 3> st{};
    for (int k = 0; k < 3; ++k) {
      try {
        st[static_cast<std::size_t>(k)] = parse_scalar<double>(cells[static_cast<std::size_t>(k)]);
      } catch (const InputError& e) {
        throw InputError(where + e.what());
      }
    }
    s.steps.push_back(st);
  }
  if (s.steps.empty()) throw InputError("coefficient file '" + path + "' has no steps");
  return s;
}

NsScheduleSpec schedule_by_name_or_file(const std::string& name_or_path) {
  for (const auto& n : schedule_names())
    if (n == name_or_path) return named_schedule(n);
  if (std::filesystem::exists(name_or_path)) return read_schedule_file(name_or_path);
  // Neither a name nor an existing file. A word without '/' or '.' was meant as a name (the message lists them);
  // anything path-like is a missing file (issue 17: it used to read "unknown coefficient schedule").
  if (name_or_path.find_first_of("/\\.") == std::string::npos) return named_schedule(name_or_path);
  std::string known;
  for (const auto& n : schedule_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("cannot read coefficient file '" + name_or_path + "': no such file (or give a schedule name: " +
                   known + ")");
}

}  // namespace muonlab::spectral
