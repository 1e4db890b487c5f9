// bounded_wait.hpp (private) — how the handles' blocking calls wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace supervise::detail {

/// Waits on `cv` (its mutex held by `guard`) until `done()`: forever when
/// `d` is unset, else at most `d`. False when the bound passed first.
template <class Done>
bool bounded_wait(std::condition_variable& cv, std::unique_lock<std::mutex>& guard,
                  std::optional<std::chrono::nanoseconds> d, Done done) {
  if (!d) {
    cv.wait(guard, done);
    return true;
  }
  return cv.wait_for(guard, *d, done);
}

} // namespace supervise::detail
