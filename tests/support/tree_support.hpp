// tree_support.hpp — fixtures for tree tests: a state recorder that waits on
// events (never sleeps), a remote-control runnable, a group root, and two
// actor systems: real time, and CAF's test_coordinator with a manual clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/tree.hpp"

namespace test {

using namespace std::chrono_literals;
using supervise::node_state;

using fail_atom = caf::atom_constant<caf::atom("t_fail")>;
using throw_atom = caf::atom_constant<caf::atom("t_throw")>;
using healthy_atom = caf::atom_constant<caf::atom("t_healthy")>;
using done_atom = caf::atom_constant<caf::atom("t_done")>;
using quit_atom = caf::atom_constant<caf::atom("t_quit")>;
using dnr_atom = caf::atom_constant<caf::atom("t_dnr")>;
using term_atom = caf::atom_constant<caf::atom("t_term")>;
using ping_atom = caf::atom_constant<caf::atom("t_ping")>;

inline caf::error test_failure() { return caf::sec::runtime_error; }

/// Records every state change and the latest actor of every DN.
class recorder {
public:
  std::function<void(const std::string&, node_state)> hook() {
    return [this](const std::string& dn, node_state s) {
      std::lock_guard<std::mutex> guard{mtx_};
      events_.emplace_back(dn, s);
      cv_.notify_all();
    };
  }

  void started(const std::string& dn, caf::actor a) {
    std::lock_guard<std::mutex> guard{mtx_};
    actors_[dn] = std::move(a);
    starts_[dn]++;
    cv_.notify_all();
  }

  size_t count(const std::string& dn, node_state s) {
    std::lock_guard<std::mutex> guard{mtx_};
    return count_locked(dn, s);
  }

  size_t starts(const std::string& dn) {
    std::lock_guard<std::mutex> guard{mtx_};
    return starts_[dn];
  }

  /// Waits (real time, generous bound) until `dn` reached `s` `n` times.
  bool wait(const std::string& dn, node_state s, size_t n = 1,
            std::chrono::milliseconds bound = 10s) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, bound, [&] { return count_locked(dn, s) >= n; });
  }

  bool wait_starts(const std::string& dn, size_t n, std::chrono::milliseconds bound = 10s) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, bound, [&] { return starts_[dn] >= n; });
  }

  caf::actor actor(const std::string& dn) {
    std::lock_guard<std::mutex> guard{mtx_};
    return actors_[dn];
  }

  std::vector<std::pair<std::string, node_state>> events() {
    std::lock_guard<std::mutex> guard{mtx_};
    return events_;
  }

  /// The states `dn` went through, in order.
  std::vector<node_state> states_of(const std::string& dn) {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<node_state> out;
    for (auto& [d, s] : events_)
      if (d == dn)
        out.push_back(s);
    return out;
  }

private:
  size_t count_locked(const std::string& dn, node_state s) {
    size_t n = 0;
    for (auto& [d, x] : events_)
      if (d == dn && x == s)
        ++n;
    return n;
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, node_state>> events_;
  std::map<std::string, caf::actor> actors_;
  std::map<std::string, size_t> starts_;
};

// An event-based child that keeps the context of its first incarnation in
// `first` (to be used once stale) and fails on fail_atom.
inline supervise::runnable keeps_first_context(recorder& rec,
                                               std::optional<supervise::context>& first) {
  return [&rec, &first](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    if (!first)
      first.emplace(ctx);
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
}

/// A remote-controlled event-based runnable (Monogon's `rc`): registers
/// itself, then obeys t_healthy, t_done, t_fail, t_throw, t_dnr, t_term.
inline supervise::runnable rc(recorder& rec, bool healthy_at_start = false) {
  return [&rec, healthy_at_start](caf::event_based_actor* self,
                                  supervise::context& ctx) -> caf::behavior {
    rec.started(ctx.dn(), caf::actor{self});
    if (healthy_at_start)
      supervise::signal(ctx, supervise::signal_type::healthy);
    return {
      [&ctx](healthy_atom) { supervise::signal(ctx, supervise::signal_type::healthy); },
      [self, &ctx](done_atom) {
        supervise::signal(ctx, supervise::signal_type::done);
        self->quit();
      },
      [self](fail_atom) { self->quit(test_failure()); },
      [](throw_atom) -> caf::result<void> { throw std::runtime_error("boom"); },
      [self](dnr_atom) { self->quit(supervise::errc::do_not_restart); },
      [self](term_atom) { self->quit(supervise::errc::terminate_tree); },
      [self](quit_atom) { self->quit(); },
      [](ping_atom) { return ping_atom::value; },
    };
  };
}

/// Signals healthy and serves until cancelled (runnableBecomesHealthy).
inline supervise::runnable becomes_healthy(recorder& rec) { return rc(rec, true); }

/// becomes_healthy that first starts a group {a, b} of itself, `levels` deep.
inline supervise::runnable spawns_more(recorder& rec, int levels) {
  return [&rec, levels](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
    if (levels > 1) {
      supervise::run_group(ctx, {{"a", spawns_more(rec, levels - 1)},
                                 {"b", spawns_more(rec, levels - 1)}});
    }
    rec.started(ctx.dn(), caf::actor{self});
    supervise::signal(ctx, supervise::signal_type::healthy);
    return {[](ping_atom) { return ping_atom::value; }};
  };
}

/// The root of most tree tests: starts `children` as one group, signals
/// healthy, then done, and returns: the root ends DONE, its children keep
/// running.
inline supervise::runnable group_root(supervise::child_list children) {
  return [children](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    auto err = supervise::run_group(ctx, children);
    BOOST_REQUIRE(!err);
    supervise::signal(ctx, supervise::signal_type::healthy);
    supervise::signal(ctx, supervise::signal_type::done);
    return {}; // return now: the root ends DONE, its children keep running
  };
}

/// A real-time actor system.
struct real_config : caf::actor_system_config {
  real_config() { set("scheduler.max-threads", 2); }
};

struct real_fixture {
  real_config cfg;
  caf::actor_system sys{cfg};
  recorder rec;

  supervise::tree_options options() {
    supervise::tree_options opts;
    opts.on_state = rec.hook();
    opts.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    opts.seed = 42;
    return opts;
  }
};

/// A manual-clock actor system: nothing runs until run()/advance().
struct manual_config : caf::actor_system_config {
  manual_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.inline-output", true);
  }
};

struct manual_fixture {
  manual_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  recorder rec;

  supervise::tree_options options() {
    supervise::tree_options opts;
    opts.on_state = rec.hook();
    opts.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    opts.backoff.jitter = 0; // exact delays: 500, 750, 1125 ms ...
    opts.seed = 42;
    return opts;
  }

  void settle() { sched.run(); }

  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }

  /// `dn` has started `starts` times and starts again exactly `delay` from
  /// now (its backoff): not 1 ms earlier, and at `delay`.
  void expect_restart_after(const std::string& dn, caf::timespan delay, size_t starts) {
    advance(delay - std::chrono::milliseconds(1));
    BOOST_CHECK_EQUAL(rec.starts(dn), starts);
    advance(std::chrono::milliseconds(1));
    BOOST_CHECK_EQUAL(rec.starts(dn), starts + 1);
  }

  template <class Atom>
  void send(const std::string& dn, Atom x) {
    caf::anon_send(rec.actor(dn), x);
    settle();
  }

  /// Stops a tree and runs until it has finished (no thread waits).
  void stop(supervise::tree& t) {
    t.stop();
    settle();
  }
};

} // namespace test
