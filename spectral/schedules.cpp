#include "spectral/errors.hpp"
#include "spectral/newton_schulz.hpp"
#include "spectral/text_io.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

namespace muonlab::spectral {

NsScheduleSpec named_schedule(const std::string& name, int cubic_steps) {
  NsScheduleSpec s;
  s.name = name;
  if (name == "ns5" || name == "keller") {
    // Keller Jordan's Muon: the same quintic five times (REFERENCE §3).
    s.source = "Keller Jordan, Muon reference implementation";
    s.steps.assign(5, {3.4445, -4.7750, 2.0315});
  } else if (name == "pe5") {
    // Polar Express as used by modded-nanogpt / nanochat / dion: 5 iterations, l = 1e-3, safety 2e-2,
    // cushion 0.02 (REFERENCE §4; float64 outputs of the reference design code).
    s.source = "Polar Express (Amsel et al. 2025), modded-nanogpt table";
    s.steps = {{8.156554524902461, -22.48329292557795, 15.878769915207462},
               {4.042929935166739, -2.808917465908714, 0.5000178451051316},
               {3.8916678022926607, -2.772484153217685, 0.5060648178503393},
               {3.285753657755655, -2.3681294933425376, 0.46449024233003106},
               {2.3465413258596377, -1.7097828382687081, 0.42323551169305323}};
    s.safety = 2e-2;
  } else if (name == "pe-paper" || name == "pe-paper-raw") {
    // The paper's Algorithm 1 listing (REFERENCE §4). At use every entry but the last is divided by
    // (1.01, 1.01³, 1.01⁵); "pe-paper-raw" keeps the listing as printed.
    s.source = "Can Muon Fine-tune Adam-Pretrained Models?, Algorithm 1";
    s.steps = {{8.28721201814563, -23.595886519098837, 17.300387312530933},
               {4.107059111542203, -2.9478499167379106, 0.5448431082926601},
               {3.948690853482295, -2.908902115962949, 0.5518191394370137},
               {3.318419657370602, -2.488488024314874, 0.51004894012372},
               {2.300652019954817, -1.6689039845747493, 0.4188073119525673},
               {1.891301407787398, -1.2679958271945868, 0.37680408948524835},
               {1.8750014808534479, -1.2500016453999487, 0.3750001645474248},
               {1.875, -1.25, 0.375}};
    if (name == "pe-paper")
      for (std::size_t i = 0; i + 1 < s.steps.size(); ++i) {
        s.steps[i][0] /= 1.01;
        s.steps[i][1] /= std::pow(1.01, 3);
        s.steps[i][2] /= std::pow(1.01, 5);
      }
    s.safety = 1e-2;
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
  if (!in) throw InputError("cannot open coefficient file '" + path + "'");
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
  return named_schedule(name_or_path);  // throws with the list of names
}

}  // namespace muonlab::spectral
