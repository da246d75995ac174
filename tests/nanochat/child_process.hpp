// A child process for the interrupt tests: started in a process group of its own (so a signal can reach it and its
// children, like Ctrl-C reaches a terminal's foreground job), its stdout and stderr to a file.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <fcntl.h>
#include <functional>
#include <iterator>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace muonlab::testing {

class ChildProcess {
public:
  /// Runs argv[0] (a path) with `argv`, output to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    if (posix_spawn(&pid_, args[0], &fa, &at, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
  }
  ~ChildProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(-pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  /// Sends `sig` to the child's whole process group.
  void signal_group(int sig) { ::kill(-pid_, sig); }
  /// Sends `sig` to the child alone.
  void signal(int sig) { ::kill(pid_, sig); }
  /// Waits until `ready()` holds (polling every 20 ms) or `timeout_s` passes; false on timeout or child exit.
  bool wait_until(const std::function<bool()>& ready, double timeout_s) {
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < timeout_s) {
      if (ready()) return true;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        waited_ = true, status_ = st;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  /// The exit code (128 + signal when killed by one).
  int wait() {
    if (!waited_) {
      ::waitpid(pid_, &status_, 0);
      waited_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }
  std::string output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

private:
  std::string log_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool waited_ = false;
};

}  // namespace muonlab::testing
