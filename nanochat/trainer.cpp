// The training loop (nanochat/trainer.hpp). Reads top-down: measured values, the trainer state as JSON, CSV rows,
// gradient clipping, then train().
#include "nanochat/trainer.hpp"

#include "nanochat/checkpoint.hpp"
#include "nanochat/dist_train.hpp"

#include <fmt/format.h>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace muonlab::nanochat {
namespace fs = std::filesystem;

// ---- measured values --------------------------------------------------------------------------------------------

nlohmann::json to_json_value(const Measured& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

Measured measured_from_json(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_number()) return std::nullopt;
  return j.at(key).get<double>();
}

std::string format_measured(const Measured& v, const char* spec) {
  return v && std::isfinite(*v) ? fmt::format(fmt::runtime(spec), *v) : std::string("\u2014");
}

Measured finite_or_none(double v) { return std::isfinite(v) ? Measured(v) : std::nullopt; }

// ---- trainer state ----------------------------------------------------------------------------------------------

std::string format_duration(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  const long t = long(s + 0.5);
  return t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60) : fmt::format("{}m{:02}s", t / 60, t % 60);
}

namespace {

nlohmann::json eval_json(const std::optional<Evaluation>& e) {
  if (!e) return nullptr;
  nlohmann::json values = nlohmann::json::array();
  for (double v : e->values) values.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  return {{"step", e->step}, {"values", values}};
}

std::optional<Evaluation> eval_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  Evaluation e;
  e.step = j.value("step", std::int64_t(0));
  for (const auto& v : j.value("values", nlohmann::json::array()))
    e.values.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  return e;
}

}  // namespace

nlohmann::json to_json(const TrainerState& s) {
  return {{"step", s.step},
          {"elapsed_s", s.elapsed_s},
          {"initial", eval_json(s.initial)},
          {"last_eval", eval_json(s.last_eval)},
          {"last_probe_step", s.last_probe_step ? nlohmann::json(*s.last_probe_step) : nlohmann::json(nullptr)},
          {"last_loss", to_json_value(s.last_loss)}};
}

TrainerState trainer_state_from_json(const nlohmann::json& j, std::int64_t step) {
  TrainerState s;
  s.step = step;
  if (!j.is_object()) return s;
  s.elapsed_s = j.value("elapsed_s", 0.0);
  s.initial = eval_from_json(j.value("initial", nlohmann::json()));
  s.last_eval = eval_from_json(j.value("last_eval", nlohmann::json()));
  if (j.contains("last_probe_step") && j.at("last_probe_step").is_number_integer())
    s.last_probe_step = j.at("last_probe_step").get<std::int64_t>();
  s.last_loss = measured_from_json(j, "last_loss");
  return s;
}

Measured TrainResult::mean_step_ms() const {
  return trained_steps > 0 ? Measured(1e3 * train_s / double(trained_steps)) : std::nullopt;
}

Measured TrainResult::mean_comm_ms() const {
  return trained_steps > 0 ? Measured(1e3 * comm_s / double(trained_steps)) : std::nullopt;
}

Measured TrainResult::tokens_per_second(std::int64_t tokens_per_step) const {
  return trained_steps > 0 && train_s > 0 ? Measured(double(trained_steps * tokens_per_step) / train_s) : std::nullopt;
}

// ---- CSV files and formatting -----------------------------------------------------------------------------------

std::string keep_csv_rows(const std::string& path, const std::string& header, std::int64_t step, bool keep_equal) {
  std::ifstream in(path);
  std::string line, out;
  if (!in || !std::getline(in, line) || line + "\n" != header) return header;
  out = header;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    std::int64_t s = 0;
    try {
      s = std::stoll(line.substr(0, comma));
    } catch (const std::exception&) {
      continue;  // a torn line
    }
    if (s < step || (keep_equal && s == step)) out += line + "\n";
  }
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string csv_header(const TrainJob& job) {
  std::string h = "step,tokens,train_loss";
  for (const auto& c : job.eval_columns) h += "," + c;
  for (const auto& c : job.schedule_columns) h += "," + c.first;
  return h + ",elapsed_s\n";
}

}  // namespace

// ---- the loop ---------------------------------------------------------------------------------------------------

TrainResult train(const TrainJob& job, TrainerState state) {
  InterruptScope interrupts;
  const auto t_start = Clock::now();
  const double elapsed_before = state.elapsed_s;
  auto elapsed = [&] { return elapsed_before + seconds_since(t_start); };
  const bool cuda = job.device.is_cuda();
  auto sync = [&] {
    if (cuda) torch::cuda::synchronize();
  };
  // Data-parallel: the same loop on every rank; rank 0 writes, probes and prints.
  const bool distributed = job.comm && job.comm->size() > 1;
  const bool writer = !job.comm || job.comm->rank() == 0;
  DistOptimizer* const dopt = distributed ? job.dist_optimizer : nullptr;
  if (distributed && (!dopt || &dopt->base() != job.optimizer || !dopt->distributed()))
    throw std::logic_error("train: a data-parallel job needs the distributed optimizer over its optimizer");
  const bool files = writer && !job.run_dir.empty();
  const bool progress = writer && job.progress;
  const fs::path dir(job.run_dir);
  const bool tty = isatty(fileno(stderr));

  TrainResult r;
  r.start_step = state.step;
  // The rows of earlier invocations up to the checkpoint; the checkpoint's own step keeps its row when that row was
  // measured on the checkpoint's weights (an evaluation at a stop).
  const std::string header = csv_header(job);
  std::string metrics = files ? keep_csv_rows((dir / "metrics.csv").string(), header, state.step,
                                              state.last_eval && state.last_eval->step == state.step)
                              : header;
  const bool probe_rows = job.probe && job.probe_every > 0;
  std::string probes = files && probe_rows
                           ? keep_csv_rows((dir / "probes.csv").string(), probes_csv_header(), state.step,
                                           state.last_probe_step && *state.last_probe_step == state.step)
                           : probes_csv_header();

  // Work outside the steps (evaluation, probes, checkpoints, progress) is kept out of train_s: the device is
  // synchronized first, and that wait, the end of the steps queued before it, is counted as training time.
  auto outside = [&](const auto& work) {
    const auto t0 = Clock::now();
    sync();
    r.train_s += seconds_since(t0);
    work();
  };
  auto write_files = [&] {
    if (!files) return;
    write_text_atomic((dir / "metrics.csv").string(), metrics);
    if (probe_rows) write_text_atomic((dir / "probes.csv").string(), probes);
  };
  auto checkpoint = [&] {
    if (job.run_dir.empty() || !job.save_checkpoint) return;  // the same decision on every rank
    if (dopt) dopt->gather_into_base();  // collective: the whole optimizer state into job.optimizer
    if (writer) {
      write_files();
      state.elapsed_s = elapsed();
      job.save_checkpoint(state);
    }
    if (dopt) dopt->release_base_state();
  };

  // Training-loss mean since the previous metrics row.
  double loss_sum = 0;
  std::int64_t loss_n = 0;
  auto evaluate = [&](std::int64_t step) {
    if (job.set_training) job.set_training(false);
    Evaluation e{step, job.evaluate(step)};
    if (step == 0) state.initial = e;
    state.last_eval = e;
    std::string row = fmt::format("{},{},{}", step, step * job.tokens_per_step,
                                  loss_n > 0 ? fmt::format("{:.6f}", loss_sum / double(loss_n)) : std::string());
    for (double v : e.values) row += std::isfinite(v) ? fmt::format(",{:.6f}", v) : std::string(",");
    for (const auto& c : job.schedule_columns) row += fmt::format(",{:.6g}", c.second(step));
    metrics += row + fmt::format(",{:.3f}\n", elapsed());
    loss_sum = 0, loss_n = 0;
    write_files();
  };
  auto probe = [&](std::int64_t step, bool row) {
    r.final_probes = job.probe();
    if (row) {
      probes += probes_csv_rows(step, r.final_probes);
      state.last_probe_step = step;
      write_files();
    }
  };
  // Evaluation and probes due at `step` (at most once per step, including across a resume).
  auto measure = [&](std::int64_t step, bool final) {
    const bool eval_due = step == 0 || final || (job.eval_every > 0 && step % job.eval_every == 0);
    if (eval_due && !(state.last_eval && state.last_eval->step == step)) outside([&] { evaluate(step); });
    if (job.probe && writer) {
      const bool row_due = probe_rows && (final || step % job.probe_every == 0) && state.last_probe_step != step;
      if (final || row_due) outside([&] { probe(step, row_due); });
    }
  };

  double opt_s = 0;
  std::int64_t opt_timed = 0;
  const std::int64_t print_every = std::max<std::int64_t>(1, job.steps / 20);
  auto last_print = Clock::now();
  auto print_progress = [&](std::int64_t step) {
    const double eta = double(job.steps - step) * r.train_s / double(std::max<std::int64_t>(1, r.trained_steps));
    std::string val = "\u2014";
    if (state.last_eval && !state.last_eval->values.empty())
      val = fmt::format("{:.4f} (step {})", state.last_eval->values.front(), state.last_eval->step);
    fmt::print(stderr, "{}{} step {:>5}/{} | loss {} | {} {} | {:.0f} tok/s, {:.0f} ms/step | eta {}{}",
               tty ? "\r" : "", job.label, step, job.steps, format_measured(state.last_loss), job.eval_label, val,
               double(r.trained_steps * job.tokens_per_step) / std::max(r.train_s, 1e-9),
               1e3 * r.train_s / double(std::max<std::int64_t>(1, r.trained_steps)), format_duration(eta),
               tty ? "   " : "\n");
    last_print = Clock::now();
  };
  // One process: the signal flag itself. Data-parallel: the flag as the ranks agreed on it at the latest step.
  bool agreed_stop = false;
  auto stop_requested = [&] { return distributed ? agreed_stop : interrupt_signal() != 0; };
  auto interrupted = [&](std::int64_t step) {
    checkpoint();
    if (progress && tty) fmt::print(stderr, "\n");
    const std::string where = fmt::format("at step {} of {}", step, job.steps);
    const std::string by = interrupt_signal() != 0 ? signal_name(interrupt_signal()) : "a signal to another rank";
    throw Interrupted(!job.run_dir.empty() && job.save_checkpoint
                          ? fmt::format("interrupted by {} {}: checkpoint saved in {}; continue with `{}`", by, where,
                                        job.run_dir, job.resume_hint)
                          : fmt::format("interrupted by {} {} (no run directory: nothing saved)", by, where));
  };

  for (std::int64_t step = state.step;; ) {
    const bool last = step >= job.steps;
    measure(step, last);
    if (last) break;
    if (stop_requested()) interrupted(step);

    // One step: forward, divergence check, backward, clip, optimizer (REFERENCE §5).
    const auto t0 = Clock::now();
    const double comm0 = distributed ? job.comm->comm_seconds() : 0;
    if (job.set_training) job.set_training(true);
    torch::Tensor loss = job.loss(step);
    double lv = loss.item<double>();  // the step's one synchronization
    if (distributed) {
      const StepConsensus c = step_consensus(lv, interrupt_signal() != 0, job.comm);  // the global batch's loss
      lv = c.loss, agreed_stop = c.interrupted;
    }
    if (!std::isfinite(lv)) {
      r.end = TrainResult::End::diverged, r.diverged_step = step, r.diverged_loss = lv;
      r.train_s += seconds_since(t0);
      if (job.set_training) job.set_training(false);
      write_files();
      if (progress)
        fmt::print(stderr, "{}{}: loss {} at step {}: diverged\n", tty ? "\n" : "", job.label, lv, step);
      break;
    }
    loss.backward();
    if (!dopt && job.grad_clip > 0) clip_grad_norm(job.clip_params, job.grad_clip);  // no host synchronization
    const bool time_opt = !cuda || step % 10 == 0;
    if (time_opt) sync();
    const auto t1 = Clock::now();
    if (dopt) dopt->step(job.lr_mult(step), job.momentum(step), job.grad_clip);  // average, clip, update, gather
    else job.optimizer->step(job.lr_mult(step), job.momentum(step));
    if (time_opt) {
      sync();
      opt_s += seconds_since(t1), ++opt_timed;
    }
    job.optimizer->zero_grad();
    r.train_s += seconds_since(t0);
    if (distributed) r.comm_s += job.comm->comm_seconds() - comm0;
    ++r.trained_steps;
    ++step;
    state.step = step;
    state.last_loss = lv;
    loss_sum += lv, ++loss_n;

    if (job.checkpoint_every > 0 && step % job.checkpoint_every == 0 && step < job.steps) outside(checkpoint);
    if (job.stop_after > 0 && r.trained_steps == job.stop_after && step < job.steps) {
      // Stopped on purpose: measured and checkpointed where it stands; `resume_hint` continues it bit for bit.
      measure(step, true);
      outside(checkpoint);
      r.end = TrainResult::End::stopped;
      if (progress)
        fmt::print(stderr, "{}{}: stopped after step {} (--stop-after); continue with `{}`\n", tty ? "\n" : "",
                   job.label, step, job.resume_hint);
      break;
    }
    if (stop_requested()) outside([&] { interrupted(step); });
    if (progress) {
      const bool due = tty ? seconds_since(last_print) > 0.5 : step % print_every == 0;
      if (due || step == job.steps) outside([&] { print_progress(step); });
    }
  }
  outside([] {});
  if (progress && tty && r.end == TrainResult::End::finished) fmt::print(stderr, "\n");
  if (r.end != TrainResult::End::diverged) {
    if (state.last_eval && state.last_eval->step == state.step) r.final_eval = state.last_eval;
    if (r.end == TrainResult::End::finished && job.checkpoint_at_end) checkpoint();
  } else {
    r.final_probes.clear();
  }
  write_files();
  if (opt_timed > 0) r.mean_optimizer_ms = 1e3 * opt_s / double(opt_timed);
  state.elapsed_s = elapsed();
  r.state = state;
  return r;
}

}  // namespace muonlab::nanochat
