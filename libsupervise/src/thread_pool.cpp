// thread_pool.cpp — see thread_pool.hpp.
#include "thread_pool.hpp"

#include <new>
#include <thread>
#include <utility>

#include <pthread.h>

namespace supervise::detail {

namespace {

// Set by park_soon(): this pool thread is counted as parked already.
thread_local bool parked_early = false;

} // namespace

thread_pool& thread_pool::instance() {
  // Leaked on purpose: parked threads may still wait on it at process exit.
  static auto* pool = [] {
    auto* p = new thread_pool;
    // A forked child has none of the parent's parked threads: it must not
    // hand a job to one. The pool's lock is held across fork(), so the child
    // finds it in a known state.
    pthread_atfork([] { instance().mtx_.lock(); }, [] { instance().mtx_.unlock(); },
                   [] { instance().forget_threads_after_fork(); });
    return p;
  }();
  return *pool;
}

void thread_pool::forget_threads_after_fork() {
  // Only this thread exists: no parked thread can wait on the old condition.
  new (&cv_) std::condition_variable;
  idle_ = 0;
  jobs_.clear();
  parked_early = false;
  mtx_.unlock();
}

void thread_pool::submit(job j) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (idle_ > 0) {
      // A parked thread takes it: reserve that thread for this job.
      --idle_;
      jobs_.push_back(std::move(j));
      cv_.notify_one();
      return;
    }
    ++started_;
  }
  // None parked: a new thread starts with this job.
  std::thread{[this, first = std::move(j)]() mutable { work(std::move(first)); }}.detach();
}

void thread_pool::park_soon() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!std::exchange(parked_early, true))
    ++idle_;
}

size_t thread_pool::threads_started() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return started_;
}

void thread_pool::work(job first) {
  pthread_setname_np(pthread_self(), "sv.blocking");
  first();
  first = nullptr; // release what the job captured before parking
  std::unique_lock<std::mutex> guard{mtx_};
  for (;;) {
    // Park: count this thread as idle (unless park_soon() did) until a job
    // comes or the timeout ends.
    if (!std::exchange(parked_early, false))
      ++idle_;
    if (!cv_.wait_for(guard, idle_timeout, [this] { return !jobs_.empty(); })) {
      --idle_; // timed out with nothing handed over: this thread ends
      return;
    }
    // The submitter already took this thread off idle_ for the job.
    auto j = std::move(jobs_.front());
    jobs_.pop_front();
    guard.unlock();
    j();
    j = nullptr;
    guard.lock();
  }
}

} // namespace supervise::detail
