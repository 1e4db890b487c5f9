// supervisor_support.hpp — fixtures for supervisor tests: an event log that
// owns copies of every event and waits on them (never sleeps), and helpers
// for the manual clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "supervise/event.hpp"
#include "supervise/supervisor.hpp"
#include "tree_support.hpp"

namespace test {

/// An event with owned strings (the hook's views die with the call).
struct recorded {
  std::string type; // started, stopped, failed, backoff, resume, stop_timeout, healthy, gave_up
  std::string supervisor;
  std::string child;
  double failures = 0;
  double threshold = 0;
  bool restarting = false;
  bool removed = false;
  supervise::node_state state = supervise::node_state::new_;
  caf::error reason;
  caf::timespan delay{0};
  std::string text; // to_string(event)
};

class event_log {
public:
  supervise::event_hook hook() {
    return [this](const supervise::event& e) { record(e); };
  }

  void record(const supervise::event& e) {
    recorded r;
    auto& h = supervise::header_of(e);
    r.supervisor = std::string{h.supervisor};
    r.child = std::string{h.child};
    r.failures = h.failures;
    r.threshold = h.threshold;
    r.text = supervise::to_string(e);
    std::visit(
      [&](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, supervise::child_started>) {
          r.type = "started";
        } else if constexpr (std::is_same_v<T, supervise::child_stopped>) {
          r.type = "stopped";
          r.state = x.state;
          r.reason = x.reason;
          r.removed = x.removed;
        } else if constexpr (std::is_same_v<T, supervise::child_failed>) {
          r.type = "failed";
          r.reason = x.reason;
          r.restarting = x.restarting;
        } else if constexpr (std::is_same_v<T, supervise::backoff_entered>) {
          r.type = "backoff";
          r.delay = x.delay;
        } else if constexpr (std::is_same_v<T, supervise::backoff_resumed>) {
          r.type = "resume";
        } else if constexpr (std::is_same_v<T, supervise::child_healthy>) {
          r.type = "healthy";
        } else if constexpr (std::is_same_v<T, supervise::supervisor_gave_up>) {
          r.type = "gave_up";
          r.reason = x.reason;
        } else {
          static_assert(std::is_same_v<T, supervise::stop_timed_out>);
          r.type = "stop_timeout";
        }
      },
      e);
    std::lock_guard<std::mutex> guard{mtx_};
    events_.push_back(std::move(r));
    cv_.notify_all();
  }

  /// Events of `type` (about `child`, when given).
  size_t count(const std::string& type, const std::string& child = {}) {
    std::lock_guard<std::mutex> guard{mtx_};
    return count_locked(type, child);
  }

  bool wait(const std::string& type, const std::string& child = {}, size_t n = 1,
            std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, bound, [&] { return count_locked(type, child) >= n; });
  }

  std::vector<recorded> all() {
    std::lock_guard<std::mutex> guard{mtx_};
    return events_;
  }

  /// The types in order, without child start/stop (suture's event stream).
  std::vector<std::string> suture_types() {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<std::string> out;
    for (auto& e : events_)
      if (e.type != "started" && e.type != "stopped")
        out.push_back(e.type);
    return out;
  }

  recorded last(const std::string& type) {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto i = events_.rbegin(); i != events_.rend(); ++i)
      if (i->type == type)
        return *i;
    return {};
  }

  void clear() {
    std::lock_guard<std::mutex> guard{mtx_};
    events_.clear();
  }

private:
  size_t count_locked(const std::string& type, const std::string& child) {
    size_t n = 0;
    for (auto& e : events_)
      if (e.type == type && (child.empty() || e.child == child))
        ++n;
    return n;
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<recorded> events_;
};

/// A spec for tests: our event log and recorder, no stderr, exact timing.
inline supervise::spec test_spec(event_log& log, recorder& rec) {
  supervise::spec s;
  s.on_event = log.hook();
  s.on_state = rec.hook();
  s.sink = [](supervise::log_level, std::string_view, std::string_view) {};
  s.backoff_jitter = 0;
  s.seed = 7;
  return s;
}

/// Manual clock + event log.
struct manual_supervisor_fixture : manual_fixture {
  event_log log;

  supervise::spec quiet_spec() { return test_spec(log, rec); }

  /// Stops a standalone supervisor and runs until it has ended.
  void stop(supervise::supervisor& s) {
    s.stop();
    settle();
  }
};

/// Real time + event log.
struct real_supervisor_fixture : real_fixture {
  event_log log;

  supervise::spec quiet_spec() { return test_spec(log, rec); }
};

// An event-based service that ignores stop requests (only kill ends it).
inline supervise::runnable ignores_stop(recorder& rec) {
  return [&rec](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    self->set_exit_handler([](caf::exit_msg&) {});
    return {[](ping_atom) {}};
  };
}

/// A blocking service that signals healthy, then waits for its stop request
/// (or returns normally at once when `fail` is set).
inline supervise::runnable polite_blocking(recorder& rec) {
  return [&rec](supervise::context& ctx) -> caf::error {
    rec.started(ctx.dn(), nullptr);
    supervise::signal(ctx, supervise::signal_type::healthy);
    ctx.wait_for_stop();
    return supervise::context::canceled();
  };
}

/// A blocking service that signals healthy, then ignores its stop request
/// until `release` is set.
inline supervise::runnable hung_blocking(recorder& rec, std::shared_future<void> release) {
  return [&rec, release](supervise::context& ctx) -> caf::error {
    rec.started(ctx.dn(), nullptr);
    supervise::signal(ctx, supervise::signal_type::healthy);
    release.wait();
    return supervise::context::canceled();
  };
}

} // namespace test
