#include "runtime/interrupt.hpp"

#include <csignal>

namespace nj::runtime {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void onSignal(int sig) {
  if (g_signal != 0) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
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
  return g_signal;
}
bool interruptRequested() {
  return g_signal != 0;
}
void requestInterrupt() {
  g_signal = -1;
}
void clearInterrupt() {
  g_signal = 0;
}

} // namespace nj::runtime
