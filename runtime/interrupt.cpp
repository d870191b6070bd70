#include "runtime/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace nj::runtime {
namespace {

// Written by a signal handler and by any thread (requestInterrupt: a host's UI thread, Python's
// Ctrl-C), read by the stepping threads: a lock-free atomic is both async-signal-safe and
// race-free, which `volatile sig_atomic_t` is not between threads (ThreadSanitizer found it).
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void onSignal(int sig) {
  if (g_signal.load() != 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal.store(sig);
}

} // namespace

struct InterruptHandler::Saved {
  struct sigaction intAction {};
  struct sigaction termAction {};
};

InterruptHandler::InterruptHandler() : saved_(new Saved) {
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &saved_->intAction);
  sigaction(SIGTERM, &action, &saved_->termAction);
}

InterruptHandler::~InterruptHandler() {
  sigaction(SIGINT, &saved_->intAction, nullptr);
  sigaction(SIGTERM, &saved_->termAction, nullptr);
  delete saved_;
}

int interruptSignal() {
  return g_signal.load();
}
bool interruptRequested() {
  return g_signal.load(std::memory_order_relaxed) != 0;
}
void requestInterrupt() {
  g_signal.store(-1);
}
void clearInterrupt() {
  g_signal.store(0);
}

} // namespace nj::runtime
