#include "nanochat/checkpoint.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace muonlab::nanochat {
namespace fs = std::filesystem;

namespace {


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
  const std::string tmp = spectral::atomic_temp_name(target);
  ar.save_to(tmp);
  fs::rename(tmp, target);
}

void save_model(const std::string& path, GPT& model, const nlohmann::json& config) {
  torch::serialize::OutputArchive ar;
  write_common(ar, model, config.value("steps_done", std::int64_t(-1)), config);
  save_archive_atomic(ar, path);
}

namespace {

// Named tensors as an archive: keys "s0", "s1", … with the names listed in "names" (archive keys may not hold dots).
template <class Range>
torch::serialize::OutputArchive named_tensors_archive(const Range& named) {
  torch::serialize::OutputArchive st;
  std::string names;
  std::size_t i = 0;
  for (const auto& [name, t] : named) {
    st.write("s" + std::to_string(i++), t.detach().cpu());
    names += name + "\n";
  }
  st.write("names", c10::IValue(names));
  return st;
}

std::map<std::string, torch::Tensor> read_named_tensors(torch::serialize::InputArchive& st) {
  c10::IValue names_v;
  st.read("names", names_v);
  std::map<std::string, torch::Tensor> out;
  std::istringstream names(names_v.toStringRef());
  std::string name;
  std::size_t i = 0;
  while (std::getline(names, name)) {
    torch::Tensor t;
    st.read("s" + std::to_string(i++), t);
    out[name] = t;
  }
  return out;
}

}  // namespace

void save_checkpoint(const std::string& path, GPT& model, const ModelOptimizer& opt, std::int64_t step,
                     const nlohmann::json& config, const CheckpointExtras& extras) {
  torch::serialize::OutputArchive ar;
  write_common(ar, model, step, config);
  torch::serialize::OutputArchive st = named_tensors_archive(opt.state_dict());
  ar.write("optimizer", st);
  if (!extras.trainer.is_null()) ar.write("trainer", c10::IValue(extras.trainer.dump()));
  if (!extras.tensors.empty()) {
    torch::serialize::OutputArchive ex = named_tensors_archive(extras.tensors);
    ar.write("extras", ex);
  }
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

RestoredCheckpoint restore_checkpoint(const std::string& path, GPT& model, ModelOptimizer& opt) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw std::invalid_argument("cannot read checkpoint '" + path + "': " + std::string(e.what_without_backtrace()));
  }
  RestoredCheckpoint out;
  try {
    // Module::load may swap in CPU storage: put the weights back on the model's device before the optimizer state.
    const torch::Device device = model->parameters().front().device();
    // Module::load replaces each parameter by the stored tensor whatever its shape: a checkpoint of another model
    // size would be taken silently. Compare the shapes.
    std::map<std::string, std::vector<std::int64_t>> shapes;
    for (const auto& p : model->named_parameters()) shapes[p.key()] = p.value().sizes().vec();
    torch::serialize::InputArchive weights;
    ar.read("model", weights);
    model->load(weights);
    for (const auto& p : model->named_parameters()) {
      const std::vector<std::int64_t>& want = shapes[p.key()];
      if (p.value().sizes().vec() != want)
        throw std::invalid_argument("checkpoint '" + path + "' does not fit this run: " + p.key() + " is " +
                                    c10::str(p.value().sizes()) + " there, " + c10::str(c10::IntArrayRef(want)) +
                                    " here");
    }
    model->to(device);
    torch::serialize::InputArchive st;
    ar.read("optimizer", st);
    opt.load_state_dict(read_named_tensors(st));
    torch::Tensor step;
    ar.read("step", step);
    out.step = step.item<std::int64_t>();
    c10::IValue trainer;
    if (ar.try_read("trainer", trainer) && trainer.isString()) out.trainer = nlohmann::json::parse(trainer.toStringRef());
    torch::serialize::InputArchive ex;
    if (ar.try_read("extras", ex)) out.tensors = read_named_tensors(ex);
  } catch (const c10::Error& e) {
    throw std::invalid_argument("checkpoint '" + path + "' does not fit this run: " +
                                std::string(e.what_without_backtrace()));
  }
  return out;
}

std::int64_t load_checkpoint(const std::string& path, GPT& model, ModelOptimizer& opt) {
  return restore_checkpoint(path, model, opt).step;
}

}  // namespace muonlab::nanochat
