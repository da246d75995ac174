// SIGINT and SIGTERM during a run: the first one asks the run to stop at its next safe point (after a training step,
// or when a tool it waits for returns), where the trainer writes a checkpoint and throws Interrupted; a second one
// quits at once (exit 130, nothing saved). The CLI prints Interrupted's message, which says what was saved and how to
// continue (`--resume`), and exits 130 (128 + SIGINT), for SIGTERM as well.
#pragma once  // Tested by tests/nanochat/test_trainer.cpp ("SIGINT and SIGTERM stop after the step in flight, checkpoint, and name the command that resumes")

#include <stdexcept>
#include <string>

namespace muonlab::nanochat {

/// A run stopped by SIGINT or SIGTERM; what() says what was saved and the command that continues it.
class Interrupted : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// While one is alive, SIGINT and SIGTERM set the interrupt flag instead of ending the process (a second signal
/// ends it: exit 130). Scopes nest; the outermost clears the flag on entry and restores the previous handlers on exit.
class InterruptScope {
public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

/// The signal that asked the run to stop (SIGINT or SIGTERM), or 0.
int interrupt_signal();
/// "SIGINT", "SIGTERM" (or "signal N").
std::string signal_name(int sig);
/// Sets the flag as the signal `sig` would (tests; a tool that reported being killed by it).
void request_interrupt(int sig);
/// Throws Interrupted("interrupted by SIGINT " + `while_doing`) if the flag is set.
void throw_if_interrupted(const std::string& while_doing);

}  // namespace muonlab::nanochat
