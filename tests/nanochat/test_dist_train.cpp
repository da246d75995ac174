// Data-parallel pretraining end to end (nanochat/dist_train.hpp, the trainer, `--nproc`): two Gloo ranks on loopback
// against one process, a rank killed mid-run, Ctrl-C, and the resume on another number of ranks. Bounded: every wait
// has a deadline, every process started here is reaped, and the ports are the kernel's choice.
#include "nanochat/dist_train.hpp"
#include "child_process.hpp"
#include "synthetic_text.hpp"
#include "tests/cli/run_cli.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

using namespace muonlab::nanochat;
using namespace muonlab::testing;
namespace fs = std::filesystem;

namespace {

// The train_loss column of metrics.csv by step (rows without one, the first and a resumed run's first, left out).
std::map<int, double> train_losses(const std::string& run_dir) {
  std::ifstream in(fs::path(run_dir) / "metrics.csv");
  std::string line;
  std::getline(in, line);
  std::map<int, double> out;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string step, tokens, loss;
    std::getline(ss, step, ','), std::getline(ss, tokens, ','), std::getline(ss, loss, ',');
    if (!loss.empty()) out[std::stoi(step)] = std::stod(loss);
  }
  return out;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A port the kernel reports free right now (bound to 0, read back, released) for a rank-0 store, as torchrun's
// MASTER_PORT would be.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Starts `muonlab args…` with extra environment variables, stdout and stderr to `log`.
pid_t spawn_muonlab(const std::vector<std::string>& args, const std::vector<std::string>& env_add, const std::string& log) {
  std::vector<std::string> argv_s = {MUONLAB_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env_add.begin(), env_add.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// Waits for `pid` at most `limit`; kills it (and reports -1) when it is still running then.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

// Removes a test's folder when the test case ends, passed or not.
struct RemoveAtEnd {
  std::string dir;
  ~RemoveAtEnd() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const std::string& text_file() {
  static const std::string t = write_synthetic_text("muonlab_dist_text.txt", 200000);
  return t;
}

std::string tiny(const std::string& run_dir) {
  return "pretrain --preset tiny --tokenizer bytes --threads 1 --data " + text_file() + " --run-dir " + run_dir +
         " --quiet --force";
}

}  // namespace

TEST_CASE("each rank takes its rows of the global batch", "[nanochat][dist_train]") {
  const Batch b{torch::arange(24, torch::kLong).view({6, 4}), torch::arange(24, torch::kLong).view({6, 4}) + 1};
  CHECK(torch::equal(rank_rows(b, nullptr).x, b.x));
  CHECK(mean_over_ranks(2.5, nullptr) == 2.5);
  CHECK(own_arguments().size() >= 1);  // this test binary's own arguments, at least the test filter
}

TEST_CASE("2 Gloo ranks and 1 process follow the same loss curve", "[nanochat][dist_train][cli]") {
  const std::string root = fresh_dir("muonlab_dist_curve_");
  RemoveAtEnd cleanup{root};
  for (const std::string opt : {"muon", "adam"}) {
    INFO(opt);
    const std::string common = " --steps 30 --eval-every 1 --checkpoint-every 10 --optimizer " + opt;
    const auto one = run_cli(tiny(root + "/one-" + opt) + common);
    REQUIRE(one.code == 0);
    const auto two = run_cli(tiny(root + "/two-" + opt) + common + " --nproc 2 --json", "", false);
    INFO(two.out);
    REQUIRE(two.code == 0);
    CHECK(nlohmann::json::parse(two.out).at("steps") == 30);  // rank 0 alone reported
    const auto a = train_losses(root + "/one-" + opt), b = train_losses(root + "/two-" + opt);
    REQUIRE(a.size() == 30);
    REQUIRE(b.size() == 30);
    // The same global batch and the same rules: only float32 sums in another order differ (the gradient summed over
    // ranks, the loss averaged over rows in two halves, AdamW grouped differently): a relative 1e-7 per step that a
    // 30-step run amplifies a little. Measured: equal at the 6 decimals metrics.csv prints; 1e-4 on a loss of 1–6
    // still fails any real difference (another batch, a missing average, a rank stepping alone: ≥ 1e-2).
    for (const auto& [step, loss] : a) {
      INFO("step " << step);
      CHECK(std::abs(loss - b.at(step)) <= 1e-4);
    }
    // Written once, by rank 0: one set of files, and a checkpoint that a single process can read.
    for (const char* f : {"checkpoint.pt", "model.pt", "summary.json", "metrics.csv", "probes.csv"})
      CHECK(fs::exists(fs::path(root) / ("two-" + opt) / f));
    for (const auto& e : fs::directory_iterator(fs::path(root) / ("two-" + opt)))
      CHECK(e.path().string().find(".tmp.") == std::string::npos);
  }
  // Bad input: a batch that does not split, --nproc under another launcher's environment.
  CHECK(run_cli(tiny(root + "/bad") + " --steps 2 --batch-size 3 --nproc 2").code == 2);
  CHECK(run_cli("pretrain --preset tiny --nproc 0").code == 2);
  setenv("RANK", "0", 1), setenv("WORLD_SIZE", "2", 1);  // as under torchrun, which already started the ranks
  const auto under = run_cli(tiny(root + "/under") + " --steps 2 --nproc 2");
  unsetenv("RANK"), unsetenv("WORLD_SIZE");
  CHECK(under.code == 2);
  CHECK(under.out.find("drop --nproc") != std::string::npos);
}

TEST_CASE("a killed rank stops the other within its timeout, and the run resumes on another number of ranks",
          "[nanochat][dist_train][cli]") {
  const std::string root = fresh_dir("muonlab_dist_fault_");
  RemoveAtEnd cleanup{root};
  const std::string run = root + "/run";
  // Two ranks started as torchrun would (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; rank 0 hosts the store).
  const int port = free_port();
  std::vector<std::string> args = {"pretrain", "--preset", "tiny", "--tokenizer", "bytes", "--threads", "1", "--data",
                                   text_file(), "--run-dir", run, "--steps", "300", "--checkpoint-every", "10",
                                   "--dist-timeout", "20", "--force"};
  std::vector<pid_t> pids;
  for (int r = 0; r < 2; ++r)
    pids.push_back(spawn_muonlab(args,
                                 {"RANK=" + std::to_string(r), "WORLD_SIZE=2", "LOCAL_RANK=" + std::to_string(r),
                                  "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port)},
                                 root + "/rank" + std::to_string(r) + ".log"));
  REQUIRE(pids[0] > 0);
  REQUIRE(pids[1] > 0);
  // Mid-run: once the first checkpoint is on disk (step 10 of 300), rank 1 is killed.
  const auto t_wait = std::chrono::steady_clock::now();
  while (!fs::exists(run + "/checkpoint.pt") && std::chrono::steady_clock::now() - t_wait < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool started = fs::exists(run + "/checkpoint.pt");
  kill(pids[1], SIGKILL);
  const auto t_kill = std::chrono::steady_clock::now();
  const int rc0 = wait_exit(pids[0], std::chrono::seconds(60));
  const double stop_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_kill).count();
  wait_exit(pids[1], std::chrono::seconds(10));
  REQUIRE(started);
  const std::string log0 = slurp(root + "/rank0.log");
  INFO(log0);
  CHECK(rc0 > 0);               // stopped with an error, not a hang (-1) and not success
  CHECK(stop_s < 20 + 10);      // within the collective timeout (in practice at once: the peer's socket closed)
  CHECK(log0.find("rank 0 of 2") != std::string::npos);
  CHECK(log0.find("--resume") != std::string::npos);
  CHECK_FALSE(fs::exists(run + "/model.pt"));  // it did not finish

  // Resume on one process: it continues from the last checkpoint to the end.
  const auto resumed = run_cli("pretrain --run-dir " + run + " --resume --threads 1 --quiet --json", "", false);
  INFO(resumed.out);
  REQUIRE(resumed.code == 0);
  const auto j = nlohmann::json::parse(resumed.out);
  CHECK(j.at("start_step").get<int>() >= 10);
  CHECK(j.at("steps") == 300);
  CHECK(fs::exists(run + "/model.pt"));
  // The metrics have every evaluation once, steps 0 … 300 (the killed part's rows after the checkpoint dropped).
  std::ifstream in(run + "/metrics.csv");
  std::string line;
  std::getline(in, line);
  int rows = 0, last = -1;
  bool increasing = true;
  while (std::getline(in, line)) {
    const int step = std::stoi(line.substr(0, line.find(',')));
    increasing = increasing && step > last;
    last = step, ++rows;
  }
  CHECK(increasing);
  CHECK(last == 300);
  CHECK(rows == 31);  // eval every 10 (tiny preset)
}

TEST_CASE("a checkpoint of one process resumes on two ranks", "[nanochat][dist_train][cli]") {
  const std::string root = fresh_dir("muonlab_dist_resume_");
  RemoveAtEnd cleanup{root};
  // 20 steps straight on one process vs 10 on one process + 10 on two ranks: the same curve to rounding.
  REQUIRE(run_cli(tiny(root + "/straight") + " --steps 20 --eval-every 1").code == 0);
  REQUIRE(run_cli(tiny(root + "/split") + " --steps 20 --eval-every 1 --stop-after 10").code == 0);
  const auto r = run_cli("pretrain --run-dir " + root + "/split --resume --threads 1 --quiet --nproc 2");
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto a = train_losses(root + "/straight"), b = train_losses(root + "/split");
  REQUIRE(a.size() == 20);
  REQUIRE(b.size() == 20);  // the stop's row (step 10, its loss from step 9) is kept by the resumed run
  for (const auto& [step, loss] : b) {
    INFO("step " << step);
    CHECK(std::abs(loss - a.at(step)) <= 1e-4);  // tolerance as above
  }
}

TEST_CASE("finetune on 2 Gloo ranks matches one process", "[nanochat][dist_train][cli]") {
  const std::string root = fresh_dir("muonlab_dist_finetune_");
  RemoveAtEnd cleanup{root};
  REQUIRE(run_cli(tiny(root + "/pre") + " --steps 10").code == 0);
  for (const std::string method : {"full", "lora"}) {
    INFO(method);
    const std::string common = "finetune --from " + root + "/pre --data " + text_file() + " --method " + method +
                               " --optimizer muon --max-steps 6 --batch-size 4 --threads 1 --eval-tokens 1024 "
                               "--max-bytes 60000 --quiet --json";
    const auto one = run_cli(common, "", false);
    const auto two = run_cli(common + " --nproc 2", "", false);
    INFO(one.out << "\n" << two.out);
    REQUIRE(one.code == 0);
    REQUIRE(two.code == 0);
    const auto a = nlohmann::json::parse(one.out), b = nlohmann::json::parse(two.out);
    CHECK(b.at("steps") == 6);
    // The same global batches and rules: float32 rounding of sums in another order only (as for pretraining);
    // perplexities of ≈ 10–100 agree to 1e-4 relative, while a rank stepping on half the batch moves them by > 1e-2.
    CHECK(std::abs(a.at("final_ppl").get<double>() / b.at("final_ppl").get<double>() - 1) < 1e-4);
    CHECK(std::abs(a.at("l2_distance").get<double>() / b.at("l2_distance").get<double>() - 1) < 1e-4);
    // Stopped on two ranks and resumed on one: rank 0's checkpoint holds the gathered optimizer state (and the
    // adapters), so the run ends where the straight one does, to the same rounding.
    const std::string split = root + "/split-" + method;
    REQUIRE(run_cli(common + " --run-dir " + split + " --stop-after 3 --nproc 2", "", false).code == 0);
    const auto resumed = run_cli("finetune --run-dir " + split + " --resume --quiet --json", "", false);
    INFO(resumed.out);
    REQUIRE(resumed.code == 0);
    const auto c = nlohmann::json::parse(resumed.out);
    CHECK(c.at("start_step") == 3);
    CHECK(c.at("steps") == 6);
    CHECK(std::abs(a.at("final_ppl").get<double>() / c.at("final_ppl").get<double>() - 1) < 1e-4);
  }
  CHECK(run_cli("finetune --from " + root + "/pre --data " + text_file() + " --max-steps 2 --batch-size 3 "
                "--nproc 2 --quiet").code == 2);
}

TEST_CASE("the launcher: a killed rank stops it and every other rank, nothing is left running",
          "[nanochat][dist_train][cli]") {
  const std::string root = fresh_dir("muonlab_dist_launcher_");
  RemoveAtEnd cleanup{root};
  const std::string log = root + "/launcher.log";
  const pid_t launcher = spawn_muonlab({"pretrain", "--preset", "tiny", "--tokenizer", "bytes", "--threads", "1",
                                        "--data", text_file(), "--run-dir", root + "/run", "--steps", "300",
                                        "--checkpoint-every", "10", "--dist-timeout", "20", "--nproc", "2", "--force"},
                                       {}, log);
  REQUIRE(launcher > 0);
  const auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(root + "/run/checkpoint.pt") && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // The launcher names its ranks' pids: "… (store 127.0.0.1:PORT, pids A B)".
  const std::string text = slurp(log);
  const auto at = text.find("pids ");
  std::vector<pid_t> ranks;
  if (at != std::string::npos) {
    std::stringstream ss(text.substr(at + 5, text.find(')', at) - at - 5));
    for (pid_t p; ss >> p;) ranks.push_back(p);
  }
  const bool ok = ranks.size() == 2 && fs::exists(root + "/run/checkpoint.pt");
  if (ok) kill(ranks[1], SIGKILL);
  const int rc = wait_exit(launcher, std::chrono::seconds(60));
  INFO(slurp(log));
  REQUIRE(ok);
  CHECK(rc == 128 + SIGKILL);  // the first failure's status: rank 1 killed by signal 9
  for (pid_t p : ranks) CHECK((kill(p, 0) == -1 && errno == ESRCH));  // reaped: no rank left, not even a zombie
  const std::string out = slurp(log);
  CHECK(out.find("rank 1 (pid") != std::string::npos);
  CHECK(out.find("rank 0 of 2") != std::string::npos);  // rank 0 stopped on its own, with its message
}

TEST_CASE("Ctrl-C under --nproc: every rank stops after the same step, rank 0 checkpoints, exit 130, and it resumes",
          "[nanochat][dist_train][cli]") {
  const std::string root = fresh_dir("muonlab_dist_sigint_");
  RemoveAtEnd cleanup{root};
  const std::string run = root + "/run";
  ChildProcess child({MUONLAB_BINARY, "pretrain", "--preset", "tiny", "--tokenizer", "bytes", "--threads", "1",
                      "--data", text_file(), "--run-dir", run, "--steps", "100000", "--dist-timeout", "20",
                      "--nproc", "2", "--force"},
                     root + "/launcher.log");
  REQUIRE(child.started());
  // Training is under way once metrics.csv has two evaluations after step 0 (tiny: every 10 steps).
  const bool ready = child.wait_until(
      [&] {
        std::ifstream in(run + "/metrics.csv");
        int lines = 0;
        for (std::string l; std::getline(in, l);) ++lines;
        return lines >= 4;
      },
      300);
  INFO(child.output());
  REQUIRE(ready);
  child.signal_group(SIGINT);  // as a terminal's Ctrl-C: the launcher's group (the ranks have their own)
  CHECK(child.wait() == 130);
  const std::string out = child.output();
  CHECK(out.find("interrupted by SIGINT at step") != std::string::npos);
  CHECK(out.find("--resume") != std::string::npos);
  CHECK(out.find("second signal") == std::string::npos);  // each rank got the signal once, from the launcher
  CHECK(out.find("internal error") == std::string::npos);
  CHECK(out.find("failed") == std::string::npos);  // no collective failed: the ranks agreed on where to stop
  // No rank left running.
  const auto at = out.find("pids ");
  REQUIRE(at != std::string::npos);
  std::stringstream ss(out.substr(at + 5, out.find(')', at) - at - 5));
  int ranks = 0;
  for (pid_t p; ss >> p; ++ranks) CHECK((kill(p, 0) == -1 && errno == ESRCH));
  CHECK(ranks == 2);
  REQUIRE(fs::exists(run + "/checkpoint.pt"));
  // The checkpoint continues on one process: two more steps from where the ranks stopped.
  const auto r = run_cli("pretrain --run-dir " + run + " --resume --stop-after 2 --threads 1 --quiet --json", "", false);
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("start_step").get<int>() >= 20);
  CHECK(j.at("steps").get<int>() == j.at("start_step").get<int>() + 2);
  CHECK(j.at("initial_val_bpb").is_number());  // the ranks' run's initial evaluation, kept
  fs::remove_all(root);
}
