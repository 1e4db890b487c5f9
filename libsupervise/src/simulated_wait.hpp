// simulated_wait.hpp (private) — where a blocking runnable's waits go while a
// simulation runs it.
//
// context::wait_for_stop() blocks on the real clock, except on a thread a
// simulation runs a blocking runnable on: there it parks the thread until
// the simulation, on its own clock, wakes it (the wait's time passed, or a
// stop was requested). Null on every other thread.
#pragma once

#include <chrono>
#include <optional>

namespace supervise::detail {

struct incarnation;

class simulated_waits {
public:
  virtual ~simulated_waits() = default;
  /// Waits up to `d` (nullopt: without a limit) of simulated time for a stop
  /// request of `inc`; true when one came.
  virtual bool wait(const incarnation& inc, std::optional<std::chrono::nanoseconds> d) = 0;
};

/// The simulation running this thread's blocking runnable, if any.
inline thread_local simulated_waits* simulated_wait = nullptr;

} // namespace supervise::detail
