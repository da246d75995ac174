// The shared training loop (nanochat/trainer.hpp) on a small quadratic problem: evaluation schedule and metrics
// rows, a stop that measures and a resume that continues bit for bit (initial evaluation and elapsed time kept),
// divergence before the update, SIGINT/SIGTERM raised in the process (checkpoint, then Interrupted), and the same
// on two data-parallel ranks (threads of this process on Gloo).
#include "nanochat/trainer.hpp"
#include "dist_threads.hpp"
#include "synthetic_text.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

using namespace muonlab::nanochat;
using namespace muonlab::testing;
namespace fs = std::filesystem;

namespace {

// min ‖W − T‖² / 16 with AdamW: one 4×4 parameter, a loss that also depends on the step (so a resumed run that
// replayed the wrong step would show).
struct Quadratic {
  torch::Tensor w, target;
  std::unique_ptr<ModelOptimizer> opt;
  Quadratic() {
    torch::manual_seed(1);
    w = torch::randn({4, 4}).requires_grad_(true);
    target = torch::randn({4, 4});
    TrainConfig tc;
    tc.threads = 1;
    opt = std::make_unique<ModelOptimizer>(std::vector<Route>{{"w", w, Rule::AdamW, 0.05}}, tc, false);
  }
  torch::Tensor mse() const { return (w - target).pow(2).mean(); }
};

// What the job's save_checkpoint keeps: weights, optimizer state, trainer state.
struct Saved {
  torch::Tensor w;
  std::map<std::string, torch::Tensor> opt;
  TrainerState state;
  int count = 0;
};

void restore(Quadratic& q, const Saved& s) {
  torch::NoGradGuard no_grad;
  q.w.copy_(s.w);
  q.opt->load_state_dict(s.opt);
}

TrainJob quadratic_job(Quadratic& q, Saved& saved, const std::string& dir, std::int64_t steps) {
  TrainJob job;
  job.label = "test quadratic";
  job.run_dir = dir;
  job.resume_hint = "resume-me --run-dir " + dir;
  job.steps = steps;
  job.tokens_per_step = 16;
  job.eval_every = 4;
  job.progress = false;
  job.loss = [&q](std::int64_t step) { return q.mse() * (1.0 + 0.01 * double(step)); };
  job.optimizer = q.opt.get();
  job.clip_params = {q.w};
  job.grad_clip = 1.0;
  job.lr_mult = [steps](std::int64_t step) { return 1.0 - double(step) / double(steps); };
  job.momentum = [](std::int64_t) { return 0.95; };
  job.eval_columns = {"val_mse"};
  job.eval_label = "val mse";
  job.evaluate = [&q](std::int64_t) {
    torch::NoGradGuard no_grad;
    return std::vector<double>{q.mse().item<double>()};
  };
  job.schedule_columns = {{"lr_mult", job.lr_mult}};
  job.save_checkpoint = [&q, &saved](const TrainerState& st) {
    saved.w = q.w.detach().clone();
    saved.opt.clear();
    for (const auto& [k, t] : q.opt->state_dict()) saved.opt[k] = t.clone();
    saved.state = st;
    ++saved.count;
  };
  return job;
}

std::vector<std::vector<std::string>> csv(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

std::vector<std::string> steps_of(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::string> s;
  for (std::size_t i = 1; i < rows.size(); ++i) s.push_back(rows[i].at(0));
  return s;
}

}  // namespace

TEST_CASE("the trainer evaluates at step 0, every K steps and at the end; train_loss is the mean since the last row",
          "[nanochat][trainer]") {
  const std::string dir = fresh_dir("muonlab_trainer_rows_");
  Quadratic q;
  Saved saved;
  TrainJob job = quadratic_job(q, saved, dir, 10);
  std::vector<double> losses;
  const auto loss = job.loss;
  job.loss = [&](std::int64_t step) {
    torch::Tensor l = loss(step);
    losses.push_back(l.item<double>());
    return l;
  };
  const TrainResult r = train(job, TrainerState{});
  CHECK(r.end == TrainResult::End::finished);
  CHECK(r.state.step == 10);
  CHECK(r.trained_steps == 10);
  REQUIRE(r.final_eval);
  CHECK(r.final_eval->step == 10);
  REQUIRE(r.state.initial);
  CHECK(r.state.initial->step == 0);
  CHECK(r.final_eval->values.at(0) < r.state.initial->values.at(0));  // AdamW descends the quadratic
  CHECK(saved.count == 1);           // checkpoint_at_end, no periodic ones
  CHECK(saved.state.step == 10);
  CHECK(r.mean_step_ms());
  CHECK(r.mean_optimizer_ms);        // on the CPU every step's optimizer is timed
  const auto rows = csv(fs::path(dir) / "metrics.csv");
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] == std::vector<std::string>{"step", "tokens", "train_loss", "val_mse", "lr_mult", "elapsed_s"});
  CHECK(steps_of(rows) == std::vector<std::string>{"0", "4", "8", "10"});
  CHECK(rows[1].at(2).empty());  // no step before the first evaluation
  CHECK(rows[2].at(1) == "64");  // 4 steps × 16 tokens
  // Row 4: the mean of the losses of steps 0–3, printed with 6 decimals (half a unit of the last place).
  CHECK(std::stod(rows[2].at(2)) == Approx((losses[0] + losses[1] + losses[2] + losses[3]) / 4).margin(5e-7));
  CHECK(std::stod(rows[4].at(2)) == Approx((losses[8] + losses[9]) / 2).margin(5e-7));
  CHECK(std::stod(rows[4].at(4)) == 0.0);  // lr multiplier at the end
}

TEST_CASE("a stop evaluates where it stops, and a resume continues bit for bit keeping the initial evaluation",
          "[nanochat][trainer]") {
  const std::string a_dir = fresh_dir("muonlab_trainer_straight_");
  const std::string b_dir = fresh_dir("muonlab_trainer_split_");
  Quadratic a;
  Saved sa;
  const TrainResult ra = train(quadratic_job(a, sa, a_dir, 10), TrainerState{});

  Quadratic b;
  Saved sb;
  TrainJob jb = quadratic_job(b, sb, b_dir, 10);
  jb.stop_after = 3;
  const TrainResult stop = train(jb, TrainerState{});
  CHECK(stop.end == TrainResult::End::stopped);
  CHECK(stop.state.step == 3);
  REQUIRE(stop.final_eval);  // measured at the stop, not carried over from step 0
  CHECK(stop.final_eval->step == 3);
  CHECK(stop.final_eval->values.at(0) < stop.state.initial->values.at(0));
  CHECK(sb.state.step == 3);
  CHECK(sb.state.last_eval->step == 3);

  // "Another invocation": fresh objects, the checkpoint restored, the state through JSON as a checkpoint keeps it.
  Quadratic c;
  restore(c, sb);
  const TrainerState back = trainer_state_from_json(to_json(sb.state), sb.state.step);
  CHECK(back.elapsed_s == sb.state.elapsed_s);
  Saved sc;
  const TrainResult rc = train(quadratic_job(c, sc, b_dir, 10), back);
  CHECK(rc.start_step == 3);
  CHECK(rc.trained_steps == 7);
  CHECK(torch::equal(c.w, a.w));  // the same steps with the same state: the same weights, bit for bit
  REQUIRE(rc.state.initial);
  CHECK(rc.state.initial->values == ra.state.initial->values);  // kept across the resume
  CHECK(rc.state.elapsed_s >= back.elapsed_s);                   // and the time of the first invocation
  CHECK(rc.final_eval->values == ra.final_eval->values);
  // The stop's row stays (measured on the checkpoint's weights); the rows after it are the resumed run's.
  CHECK(steps_of(csv(fs::path(b_dir) / "metrics.csv")) == std::vector<std::string>{"0", "3", "4", "8", "10"});
}

TEST_CASE("a non-finite loss ends the run before its update, and nothing is checkpointed after it",
          "[nanochat][trainer]") {
  const std::string dir = fresh_dir("muonlab_trainer_diverge_");
  Quadratic q;
  Saved saved;
  TrainJob job = quadratic_job(q, saved, dir, 10);
  job.checkpoint_every = 1;
  const auto loss = job.loss;
  job.loss = [&](std::int64_t step) { return step == 5 ? loss(step) * std::nan("") : loss(step); };
  const TrainResult r = train(job, TrainerState{});
  CHECK(r.end == TrainResult::End::diverged);
  CHECK(r.diverged_step == 5);
  CHECK(std::isnan(r.diverged_loss));
  CHECK(r.state.step == 5);
  CHECK_FALSE(r.final_eval);      // the diverged weights are not evaluated as a result
  CHECK(saved.state.step == 5);   // the checkpoints at steps 1 … 5, none after
  CHECK(saved.count == 5);
  // Step 5's update was not applied: the weights are the checkpoint's of step 5 (the state before step 5).
  CHECK(torch::equal(q.w.detach(), saved.w));
}

TEST_CASE("SIGINT and SIGTERM stop after the step in flight, checkpoint, and name the command that resumes",
          "[nanochat][trainer]") {
  const std::string a_dir = fresh_dir("muonlab_trainer_int_a_");
  Quadratic a;
  Saved sa;
  train(quadratic_job(a, sa, a_dir, 10), TrainerState{});

  for (int sig : {SIGINT, SIGTERM}) {
    const std::string dir = fresh_dir("muonlab_trainer_int_" + std::to_string(sig));
    Quadratic q;
    Saved saved;
    TrainJob job = quadratic_job(q, saved, dir, 10);
    const auto loss = job.loss;
    job.loss = [&, sig](std::int64_t step) {
      if (step == 6) std::raise(sig);  // the process's own signal: the trainer's handler, not a simulation
      return loss(step);
    };
    std::string message;
    try {
      train(job, TrainerState{});
      FAIL("not interrupted");
    } catch (const Interrupted& e) {
      message = e.what();
    }
    INFO(message);
    CHECK(message.find(signal_name(sig)) != std::string::npos);
    CHECK(message.find("at step 7 of 10") != std::string::npos);  // step 6 finished first
    CHECK(message.find("resume-me --run-dir " + dir) != std::string::npos);
    CHECK(saved.state.step == 7);
    // The checkpoint continues to the same end as the straight run.
    Quadratic c;
    restore(c, saved);
    Saved sc;
    train(quadratic_job(c, sc, dir, 10), trainer_state_from_json(to_json(saved.state), saved.state.step));
    CHECK(torch::equal(c.w, a.w));
  }
  // Without a run directory nothing is saved, and the message says so.
  Quadratic q;
  Saved saved;
  TrainJob job = quadratic_job(q, saved, "", 10);
  const auto loss = job.loss;
  job.loss = [&](std::int64_t step) {
    if (step == 2) request_interrupt(SIGINT);
    return loss(step);
  };
  try {
    train(job, TrainerState{});
    FAIL("not interrupted");
  } catch (const Interrupted& e) {
    CHECK(std::string(e.what()).find("nothing saved") != std::string::npos);
  }
  CHECK(saved.count == 0);
}

TEST_CASE("values not measured are null in JSON and a dash in text; CSV rows are kept up to a step",
          "[nanochat][trainer]") {
  CHECK(to_json_value(std::nullopt).is_null());
  CHECK(to_json_value(std::nan("")).is_null());
  CHECK(to_json_value(1.5) == 1.5);
  CHECK(format_measured(std::nullopt) == "\u2014");
  CHECK(format_measured(2.0, "{:.2f}") == "2.00");
  CHECK(finite_or_none(std::numeric_limits<double>::infinity()) == std::nullopt);
  const nlohmann::json j = {{"a", nullptr}, {"b", 3.0}};
  CHECK_FALSE(measured_from_json(j, "a"));
  CHECK_FALSE(measured_from_json(j, "missing"));
  CHECK(*measured_from_json(j, "b") == 3.0);

  const std::string dir = fresh_dir("muonlab_trainer_csv_");
  const std::string path = dir + "/m.csv";
  std::ofstream(path) << "step,x\n0,a\n5,b\n10,c\ntorn";
  CHECK(keep_csv_rows(path, "step,x\n", 5, false) == "step,x\n0,a\n");
  CHECK(keep_csv_rows(path, "step,x\n", 5, true) == "step,x\n0,a\n5,b\n");
  CHECK(keep_csv_rows(path, "step,y\n", 5, true) == "step,y\n");  // another file's rows are not kept
  CHECK(keep_csv_rows(dir + "/none.csv", "step,x\n", 5, true) == "step,x\n");
  // A trainer state from a checkpoint written before it existed: the step, nothing measured.
  const TrainerState old = trainer_state_from_json(nullptr, 42);
  CHECK(old.step == 42);
  CHECK_FALSE(old.initial);
  CHECK(old.elapsed_s == 0);
}

TEST_CASE("on 2 ranks the trainer follows one process, and the ranks stop or diverge after the same step",
          "[nanochat][trainer][dist_train]") {
  // Two Gloo ranks as threads. Rank r's loss is the quadratic over rows 2r, 2r+1 of the 4×4 matrix (the mean over
  // its 8 entries): the mean over ranks is the one-process loss, the ranks' averaged gradient its gradient.
  torch::set_num_threads(1);
  const std::string one_dir = fresh_dir("muonlab_trainer_dist_one_");
  Quadratic one;
  Saved s_one;
  const TrainResult r_one = train(quadratic_job(one, s_one, one_dir, 10), TrainerState{});

  enum class Twist { none, interrupt, nan };
  struct Rank {
    std::unique_ptr<Quadratic> q;  // made here: the ranks' threads must not draw from the global generator
    Saved saved;
    std::optional<TrainResult> result;
    std::string interrupted;
  };
  auto run = [&](Twist twist, std::array<Rank, 2>& ranks, const std::string& tag) {
    for (auto& r : ranks) r.q = std::make_unique<Quadratic>();
    const std::string dir = fresh_dir("muonlab_trainer_dist_" + tag + "_");
    InterruptScope outer;  // the ranks' scopes nest inside it (it alone clears and restores)
    run_ranks(2, [&](Comm& c) {
      Rank& me = ranks[std::size_t(c.rank())];
      Quadratic& q = *me.q;
      TrainJob job = quadratic_job(q, me.saved, dir, 10);
      job.loss = [&q, &c, twist](std::int64_t step) {
        if (twist == Twist::interrupt && c.rank() == 1 && step == 3) request_interrupt(SIGINT);  // rank 1 alone
        torch::Tensor l = (q.w - q.target).narrow(0, 2 * c.rank(), 2).pow(2).mean() * (1.0 + 0.01 * double(step));
        return twist == Twist::nan && c.rank() == 1 && step == 5 ? l * std::nan("") : l;
      };
      DistOptimizer dopt(*q.opt, std::shared_ptr<Comm>(&c, [](Comm*) {}));
      job.comm = &c, job.dist_optimizer = &dopt;
      try {
        me.result = train(job, TrainerState{});
      } catch (const Interrupted& e) {
        me.interrupted = e.what();
      }
    });
    request_interrupt(0);  // clear the flag for the tests after this one
  };

  std::array<Rank, 2> plain;
  run(Twist::none, plain, "plain");
  for (auto& r : plain) {
    REQUIRE(r.result);
    CHECK(r.result->end == TrainResult::End::finished);
    CHECK(r.result->mean_comm_ms());
    // The same weights on both ranks (one all-gather), and the one-process weights to float32 rounding: the
    // averaged gradient sums two halves instead of 16 entries (≈ 1e-7 relative), which AdamW's m/√v carries into
    // 10 steps of lr ≤ 0.05: |ΔW| ≲ 10 · 0.05 · 1e-6, bounded by 1e-5 (a rank stepping alone moves W by ~0.1).
    CHECK((r.q->w - one.w).abs().max().item<double>() < 1e-5);
    CHECK(r.result->final_eval->values.at(0) == Approx(r_one.final_eval->values.at(0)).epsilon(1e-5));
  }
  CHECK(torch::equal(plain[0].q->w, plain[1].q->w));
  CHECK(plain[0].saved.count == 1);  // rank 0 checkpoints (at the end), rank 1 never
  CHECK(plain[1].saved.count == 0);
  CHECK(plain[0].saved.opt.size() == s_one.opt.size());  // with the whole optimizer state, gathered

  std::array<Rank, 2> stopped;
  run(Twist::interrupt, stopped, "int");
  for (auto& r : stopped) {
    INFO(r.interrupted);
    CHECK(r.interrupted.find("at step 4 of 10") != std::string::npos);  // both after step 3, where rank 1 got it
  }
  CHECK(stopped[0].saved.count == 1);
  CHECK(stopped[0].saved.state.step == 4);
  CHECK(stopped[1].saved.count == 0);

  std::array<Rank, 2> diverged;
  run(Twist::nan, diverged, "nan");
  for (auto& r : diverged) {
    REQUIRE(r.result);
    CHECK(r.result->end == TrainResult::End::diverged);  // rank 0's own loss was finite: the mean was not
    CHECK(r.result->diverged_step == 5);
  }
}
