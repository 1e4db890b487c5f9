// supervise/testing.hpp — a harness for testing your own runnables and trees.
//
// Header-only and framework-agnostic (use it from Boost.Test, Catch2,
// GoogleTest or a plain main): it gives you an actor system on CAF's
// test_coordinator, where nothing runs and no timer fires unless the test
// says so, a recorder of every state change, and deterministic waits:
//
//   supervise::testing::manual_clock_system h;
//   supervise::tree t{h.system(), my_root, h.tree_options()};
//   h.settle();                                        // run what is ready
//   REQUIRE(h.wait_for_state("root.db", node_state::healthy));
//   h.step(std::chrono::seconds(1));                   // advance virtual time
//   h.stop(t);                                         // stop, run to the end
//
// wait_for_state() runs ready jobs and, while the DN has not reached the
// state, jumps the clock to the next pending timer (a backoff, a delayed_send,
// a stop timeout), up to a virtual-time budget and a step limit. It never
// sleeps and never looks at the wall clock, so a test runs in microseconds
// and always the same way.
//
// Scope: event-based runnables. A blocking runnable runs on its own thread
// outside the test scheduler; for those use a real-time actor system and
// state_recorder::wait(), which waits on recorded state changes (bounded,
// no polling).
//
// Threads: manual_clock_system is driven from the test's thread only (the
// scheduler runs jobs on the calling thread); state_recorder is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "supervise/log.hpp"
#include "supervise/node_state.hpp"
#include "supervise/spec.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"

/// The test harness (header-only): an actor system on a manual clock and a
/// recorder of state changes.
namespace supervise::testing {

/// Records every state change it is given (install hook() as on_state).
/// Thread-safe; hook() may run on any actor's thread.
class state_recorder {
public:
  /// One recorded change: the DN and the state it entered.
  using entry = std::pair<std::string, node_state>;

  /// A hook for tree_options::on_state / spec::on_state. The recorder must
  /// outlive the trees and supervisors using it.
  std::function<void(const std::string&, node_state)> hook() {
    return [this](const std::string& dn, node_state s) {
      std::lock_guard<std::mutex> guard{mtx_};
      log_.emplace_back(dn, s);
      cv_.notify_all();
    };
  }

  /// How often `dn` entered `s` so far.
  size_t count(std::string_view dn, node_state s) const {
    std::lock_guard<std::mutex> guard{mtx_};
    return count_locked(dn, s);
  }

  /// The states `dn` went through, in order.
  std::vector<node_state> states_of(std::string_view dn) const {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<node_state> out;
    for (auto& [d, s] : log_)
      if (d == dn)
        out.push_back(s);
    return out;
  }

  /// The last state of `dn`; false when it never reported one.
  bool last_state(std::string_view dn, node_state& out) const {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto i = log_.rbegin(); i != log_.rend(); ++i)
      if (i->first == dn) {
        out = i->second;
        return true;
      }
    return false;
  }

  /// Every change, in order.
  std::vector<entry> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return log_;
  }

  /// Real-time systems only: blocks until `dn` entered `s` `n` times, at most
  /// `bound` (wakes on each recorded change; never polls). False on timeout.
  /// Never call it with a manual clock: nothing would run meanwhile.
  bool wait(std::string_view dn, node_state s, size_t n = 1,
            std::chrono::nanoseconds bound = std::chrono::seconds(10)) const {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, bound, [&] { return count_locked(dn, s) >= n; });
  }

  /// Forgets every recorded change: counts start again from 0.
  void clear() {
    std::lock_guard<std::mutex> guard{mtx_};
    log_.clear();
  }

private:
  size_t count_locked(std::string_view dn, node_state s) const {
    size_t n = 0;
    for (auto& [d, x] : log_)
      if (d == dn && x == s)
        ++n;
    return n;
  }

  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  std::vector<entry> log_;
};

/// An actor_system_config selecting CAF's test_coordinator ("testing"
/// scheduler policy). Derive from it to add your own options.
struct manual_clock_config : caf::actor_system_config {
  manual_clock_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.inline-output", true);
  }
};

/// An actor system on a manual clock, plus a state recorder and helpers.
/// Construct it before any tree or supervisor and let it outlive them
/// (declare it first). Not copyable; test thread only.
class manual_clock_system {
public:
  manual_clock_system() : sys_(cfg_), sched_(dynamic_cast<coordinator&>(sys_.scheduler())) {}

  manual_clock_system(const manual_clock_system&) = delete;
  manual_clock_system& operator=(const manual_clock_system&) = delete;

  /// CAF's test scheduler, which this system runs on.
  using coordinator = caf::scheduler::test_coordinator;

  /// The actor system, for trees and supervisors under test.
  caf::actor_system& system() noexcept { return sys_; }
  /// Its scheduler, for what the helpers below do not cover.
  coordinator& scheduler() noexcept { return sched_; }
  /// The recorder that tree_options() and spec() install as on_state.
  state_recorder& states() noexcept { return rec_; }

  /// tree_options for tests: the recorder as on_state, no log output (pass
  /// a sink to see it), no jitter (delays are exactly 500, 750, 1125 ms ...),
  /// a fixed seed. Adjust the result as needed.
  supervise::tree_options tree_options(log_sink sink = quiet_sink()) {
    supervise::tree_options opts;
    opts.on_state = rec_.hook();
    opts.sink = std::move(sink);
    opts.backoff.jitter = 0;
    opts.seed = 1;
    return opts;
  }

  /// A spec for tests, in the same spirit: recorder, quiet, no jitter.
  supervise::spec spec(log_sink sink = quiet_sink()) {
    supervise::spec s;
    s.on_state = rec_.hook();
    s.sink = std::move(sink);
    s.backoff_jitter = 0;
    s.seed = 1;
    return s;
  }

  /// Runs every ready job (messages, spawns) until none is left. Does not
  /// move the clock, so no timer fires. Returns the number of jobs run.
  size_t settle() { return sched_.run(); }

  /// Advances virtual time by `d`, firing the timers due, then settles.
  void step(caf::timespan d) {
    sched_.advance_time(d);
    sched_.run();
  }

  /// Virtual time elapsed since the system started.
  caf::timespan elapsed() const {
    return sched_.clock().current_time - start_;
  }

  /// Whether a timer is pending (a backoff, delayed message, stop timeout).
  bool has_pending_timer() const { return sched_.clock().has_pending_timeout(); }

  /// Settles; then, until `dn` has entered `s` `n` times, jumps the clock to
  /// the next pending timer and settles again. Gives up (false) when no
  /// timer is pending, the next one lies beyond `budget` of virtual time from
  /// the call, or after `max_steps` jumps. Deterministic; never sleeps.
  bool wait_for_state(std::string_view dn, node_state s, size_t n = 1,
                      caf::timespan budget = std::chrono::minutes(10), size_t max_steps = 10000) {
    return run_until([&] { return rec_.count(dn, s) >= n; }, budget, max_steps);
  }

  /// Stops `t` and runs until it has ended (its timers included, up to
  /// `budget`). True when it stopped.
  bool stop(supervise::tree& t, caf::timespan budget = std::chrono::minutes(1)) {
    t.stop();
    return run_until([&] { return t.stopped(); }, budget);
  }

  /// The same for a standalone supervisor.
  bool stop(supervise::supervisor& s, caf::timespan budget = std::chrono::minutes(1)) {
    s.stop();
    return run_until([&] { return s.stopped(); }, budget);
  }

  /// Settles and fires timers in order until `done()` holds, as
  /// wait_for_state() does. True when it holds.
  bool run_until(const std::function<bool()>& done,
                 caf::timespan budget = std::chrono::minutes(1), size_t max_steps = 10000) {
    auto deadline = sched_.clock().current_time + budget;
    settle();
    for (size_t i = 0; !done(); ++i) {
      if (i >= max_steps || !has_pending_timer())
        return false;
      auto next = sched_.clock().schedule().begin()->first;
      if (next > deadline)
        return false;
      auto now = sched_.clock().current_time;
      if (next > now)
        sched_.advance_time(next - now);
      else
        sched_.trigger_timeout();
      settle();
    }
    return true;
  }

  /// A sink that drops every line.
  static log_sink quiet_sink() {
    return [](log_level, std::string_view, std::string_view) {};
  }

private:
  manual_clock_config cfg_;
  caf::actor_system sys_;
  coordinator& sched_;
  state_recorder rec_;
  caf::detail::test_actor_clock::time_point start_ = sched_.clock().current_time;
};

} // namespace supervise::testing
