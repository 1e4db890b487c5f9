// thread_pool.hpp (private) — threads reused across blocking runnables.
//
// A blocking runnable needs a thread of its own for as long as it runs, and
// CAF 0.17 starts a new std::thread for every blocking actor: that thread
// start is most of a blocking restart (about 130 µs here). The pool keeps a
// finished runnable's thread parked for `idle_timeout` and hands it the next
// job, so a restart wakes a parked thread instead (tens of µs).
//
// It never limits concurrency: a job that finds no parked thread gets a new
// one at once (a blocking runnable must never wait for another to end).
// The pool is process-wide and never destroyed: a parked thread touches only
// the pool, so it may outlive every actor_system, and exiting the process
// with parked threads is fine. Jobs must not throw. A forked child starts
// with an empty pool.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace supervise::detail {

class thread_pool {
public:
  using job = std::function<void()>;

  /// How long a thread stays parked without a job before it ends: long
  /// enough for restarts in quick succession (a longer backoff makes a thread
  /// start negligible), short enough not to keep idle threads around.
  static constexpr std::chrono::seconds idle_timeout{1};

  /// The process-wide pool.
  static thread_pool& instance();

  /// Runs `j` on a parked thread, or on a new one if none is parked. Any thread.
  void submit(job j);

  /// Called by a job on a pool thread shortly before it returns: the thread
  /// counts as parked from now on, so a job submitted in between (a restart
  /// that follows this job's exit message) waits the few microseconds for it
  /// instead of starting a thread.
  void park_soon();

  /// Threads started since the process began (for tests).
  size_t threads_started() const;

private:
  thread_pool() = default;

  // In the child of fork(), which has none of the parked threads.
  void forget_threads_after_fork();

  // Runs `first`, then jobs handed over while parked, until idle too long.
  void work(job first);

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<job> jobs_; // handed to parked threads, not yet taken
  size_t idle_ = 0;      // parked threads minus jobs_ waiting for them
  size_t started_ = 0;   // threads started so far
};

} // namespace supervise::detail
