// \file Interruption: SIGINT/SIGTERM set a flag; Network::run stops at the end of the current
// step, so that what was recorded can still be written. The host decides the exit code.
//
// The flag is process-wide because a signal handler can reach nothing else.
#pragma once

namespace nj::runtime {

// Installs handlers for SIGINT and SIGTERM that request an interruption; restores the previous
// handlers when destroyed. A second signal while the flag is already set ends the process at once
// with the default action.
class InterruptHandler {
public:
  InterruptHandler();
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

private:
  struct Saved;
  Saved* saved_;
};

// The signal that requested the interruption (SIGINT, SIGTERM, or -1 for requestInterrupt()),
// 0 if none.
int interruptSignal();
bool interruptRequested();
// For hosts and tests: request an interruption as a signal would.
void requestInterrupt();
void clearInterrupt();

} // namespace nj::runtime
