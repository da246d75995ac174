#include "nanochat/checkpoint.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace muonlab::nanochat {
namespace fs = std::filesystem;

namespace {

std::string temp_name(const fs::path& target) {
  return target.string() + ".tmp." + std::to_string(std::random_device{}());
}

void write_common(torch::serialize::OutputArchive& ar, GPT& model, std::int64_t step, const nlohmann::json& config) {
  ar.write("config", c10::IValue(config.dump()));
  ar.write("step", torch::tensor(std::vector<std::int64_t>{step}));
  torch::serialize::OutputArchive weights;
  model->save(weights);
  ar.write("model", weights);
}

nlohmann::json read_config(torch::serialize::InputArchive& ar, const std::string& path) {
  c10::IValue v;
  if (!ar.try_read("config", v) || !v.isString())
    throw std::invalid_argument("'" + path + "' is not a muonlab model file (no config)");
  return nlohmann::json::parse(v.toStringRef());
}

}  // namespace

void save_archive_atomic(torch::serialize::OutputArchive& ar, const std::string& path) {
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = temp_name(target);
  ar.save_to(tmp);
  fs::rename(tmp, target);
}

void write_text_atomic(const std::string& path, const std::string& content) {
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = temp_name(target);
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write '" + tmp + "'");
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("write to '" + tmp + "' failed");
  }
  fs::rename(tmp, target);
}

void save_model(const std::string& path, GPT& model, const nlohmann::json& config) {
  torch::serialize::OutputArchive ar;
  write_common(ar, model, config.value("steps_done", std::int64_t(-1)), config);
  save_archive_atomic(ar, path);
}

void save_checkpoint(const std::string& path, GPT& model, const ModelOptimizer& opt, std::int64_t step,
                     const nlohmann::json& config) {
  torch::serialize::OutputArchive ar;
  write_common(ar, model, step, config);
  // Optimizer state: keys "s0", "s1", … with the names listed in "names" (archive keys may not contain dots).
  torch::serialize::OutputArchive st;
  std::string names;
  std::size_t i = 0;
  for (const auto& [name, t] : opt.state_dict()) {
    st.write("s" + std::to_string(i++), t.cpu());
    names += name + "\n";
  }
  st.write("names", c10::IValue(names));
  ar.write("optimizer", st);
  save_archive_atomic(ar, path);
}

LoadedModel load_model(const std::string& path_in) {
  std::string path = path_in;
  if (fs::is_directory(path)) {
    if (fs::exists(fs::path(path) / "model.pt")) path = (fs::path(path) / "model.pt").string();
    else if (fs::exists(fs::path(path) / "checkpoint.pt")) path = (fs::path(path) / "checkpoint.pt").string();
    else throw std::invalid_argument("run directory '" + path_in + "' has no model.pt or checkpoint.pt");
  }
  if (!fs::is_regular_file(path)) throw std::invalid_argument("no such model file '" + path + "'");
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw std::invalid_argument("'" + path + "' is not a model file: " + std::string(e.what_without_backtrace()));
  }
  LoadedModel out;
  out.path = path;
  out.config = read_config(ar, path);
  if (!out.config.contains("model")) throw std::invalid_argument("'" + path + "' has no model config");
  out.model = GPT(model_config_from_json(out.config.at("model")));
  torch::serialize::InputArchive weights;
  ar.read("model", weights);
  out.model->load(weights);
  torch::Tensor step;
  if (ar.try_read("step", step)) out.step = step.item<std::int64_t>();
  return out;
}

std::int64_t load_checkpoint(const std::string& path, GPT& model, ModelOptimizer& opt) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw std::invalid_argument("cannot read checkpoint '" + path + "': " + std::string(e.what_without_backtrace()));
  }
  // Module::load may swap in CPU storage: put the weights back on the model's device before the optimizer state.
  const torch::Device device = model->parameters().front().device();
  torch::serialize::InputArchive weights;
  ar.read("model", weights);
  model->load(weights);
  model->to(device);
  torch::serialize::InputArchive st;
  ar.read("optimizer", st);
  c10::IValue names_v;
  st.read("names", names_v);
  std::map<std::string, torch::Tensor> state;
  std::istringstream names(names_v.toStringRef());
  std::string name;
  std::size_t i = 0;
  while (std::getline(names, name)) {
    torch::Tensor t;
    st.read("s" + std::to_string(i++), t);
    state[name] = t;
  }
  opt.load_state_dict(state);
  torch::Tensor step;
  ar.read("step", step);
  return step.item<std::int64_t>();
}

}  // namespace muonlab::nanochat
