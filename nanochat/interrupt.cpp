#include "nanochat/interrupt.hpp"

#include <csignal>
#include <cstring>
#include <unistd.h>

namespace muonlab::nanochat {

namespace {

volatile std::sig_atomic_t g_signal = 0;
int g_depth = 0;
struct sigaction g_old_int {}, g_old_term {};

extern "C" void on_signal(int sig) {
  if (g_signal != 0) {
    static const char quit[] = "\nmuonlab: second signal: quitting now, without a checkpoint\n";
    (void)!::write(STDERR_FILENO, quit, sizeof quit - 1);
    ::_exit(130);
  }
  g_signal = sig;
  static const char note[] = "\nmuonlab: stopping at the next safe point (a checkpoint is written); signal again to "
                             "quit at once\n";
  (void)!::write(STDERR_FILENO, note, sizeof note - 1);
}

}  // namespace

InterruptScope::InterruptScope() {
  if (g_depth++ > 0) return;
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // a read or write in progress resumes; the run polls the flag
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptScope::~InterruptScope() {
  if (--g_depth > 0) return;
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

int interrupt_signal() { return int(g_signal); }

std::string signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(sig);
}

void request_interrupt(int sig) { g_signal = sig; }

void throw_if_interrupted(const std::string& while_doing) {
  if (const int sig = interrupt_signal(); sig != 0) throw Interrupted("interrupted by " + signal_name(sig) + " " + while_doing);
}

}  // namespace muonlab::nanochat
