// supervise/metrics.hpp — per-DN counters fed by the existing hooks, and
// their Prometheus text exposition.
//
// A `metrics` collector plugs into the hooks trees and supervisors already
// have: install on_state_hook() as tree_options::on_state / spec::on_state
// and event_hook() as tree_options::on_event / spec::on_event (one collector
// may serve any number of trees and supervisors). For every DN it counts
// starts, restarts, failures by kind, and keeps the current state and when it
// was entered. snapshot() copies them; to_prometheus() renders a snapshot in
// the Prometheus text format (version 0.0.4) — serve it from any HTTP
// endpoint you already have; the core has no server.
//
//   tree_options opts;
//   metrics m;
//   opts.on_state = m.on_state_hook();
//   opts.on_event = m.event_hook(log_events());  // keep the failure log lines
//   ...
//   std::string text = to_prometheus(m.snapshot());
//
// Installing an event hook replaces the default one, which logs failures,
// backoff and stop timeouts: chain log_events() (or your own hook) to keep
// them. Hosted supervisors without their own on_event report to the nearest
// ancestor's hook, but on_state is per supervisor: set spec::on_state on each.
//
// Threads: hooks run on supervisor actors, several at once; every member of
// `metrics` is thread-safe (one mutex, held only to update or copy
// counters, never while calling a chained hook).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <fmt/format.h>

#include "supervise/event.hpp"
#include "supervise/log.hpp"
#include "supervise/node_state.hpp"

namespace supervise {

/// Why a child failed, as counted by `metrics`.
enum class failure_kind {
  error,                 ///< an error exit reason (anything not below)
  exception,             ///< the runnable threw (errc::runnable_threw)
  returned_without_done, ///< a normal return without signal(done)
  killed,                ///< exit_reason::kill (e.g. by a stop timeout)
};

/// Number of failure kinds (size of node_metrics::failures).
constexpr size_t failure_kind_count = 4;

/// "error", "exception", "returned_without_done", "killed" (the Prometheus
/// `kind` label).
const char* to_string(failure_kind x) noexcept;

/// The kind of a child_failed reason. Pure; any thread.
failure_kind classify_failure(const caf::error& reason) noexcept;

/// The counters of one DN at the time of a snapshot.
struct node_metrics {
  std::string dn; ///< the node these counters are about
  uint64_t starts = 0;   ///< incarnations started (child_started events)
  uint64_t restarts = 0; ///< starts after the first
  std::array<uint64_t, failure_kind_count> failures{}; ///< by failure_kind
  node_state state = node_state::new_; ///< the last state seen
  bool state_known = false;            ///< false until a state or event arrived
  std::chrono::nanoseconds time_in_state{0}; ///< since `state` was entered

  /// Failures of kind `k`.
  uint64_t failures_of(failure_kind k) const noexcept {
    return failures[static_cast<size_t>(k)];
  }
  /// Failures of every kind together.
  uint64_t failures_total() const noexcept;
};

/// Every DN seen, sorted by DN (parents before their children).
using metrics_snapshot = std::vector<node_metrics>;

/// The state-change hook type of tree_options::on_state and spec::on_state.
using state_hook = std::function<void(const std::string& dn, node_state)>;

/// The collector: per-DN counters fed by the hooks it hands out (see the
/// top of this file). Not copyable; every member is thread-safe.
class metrics {
public:
  /// The time source: the current time on a steady clock.
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

  /// A collector reading time from `now` (null: steady_clock::now). Tests
  /// inject a fake clock to get exact time_in_state values.
  explicit metrics(clock_fn now = {});

  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  /// A hook for tree_options::on_state / spec::on_state that records the
  /// state and its entry time, then calls `next` (if any) with the same
  /// arguments. The hook refers to this collector: it must outlive every
  /// tree and supervisor using the hook.
  state_hook on_state_hook(state_hook next = {});

  /// A hook for tree_options::on_event / spec::on_event: child_started counts
  /// a start (a restart after the first), child_failed a failure of its kind
  /// (state DEAD), child_stopped sets the final state; then calls `next`.
  /// Same lifetime rule as on_state_hook().
  supervise::event_hook event_hook(supervise::event_hook next = {});

  /// Feeds one state change or event directly (what the hooks do). Any
  /// thread.
  void record(const std::string& dn, node_state s);
  /// Feeds one event: child_started counts a start, child_failed a failure
  /// of its kind, child_stopped sets the state; other events are ignored.
  void record(const event& e);

  /// A copy of every DN's counters, sorted by DN. Any thread; never blocks
  /// on a hook.
  metrics_snapshot snapshot() const;

  /// Forgets every DN.
  void clear();

private:
  struct entry {
    uint64_t starts = 0;
    std::array<uint64_t, failure_kind_count> failures{};
    node_state state = node_state::new_;
    bool state_known = false;
    std::chrono::steady_clock::time_point since{};
  };
  entry& at(std::string_view dn); // with mtx_ held
  void set_state(entry& x, node_state s, std::chrono::steady_clock::time_point now);

  clock_fn now_;
  mutable std::mutex mtx_;
  std::map<std::string, entry, std::less<>> nodes_;
};

/// An event hook that logs events as the default hook does: failures
/// (error), backoff and stop timeouts (warning), resume (info); starts and
/// normal stops are not logged. Lines go to `sink` (null: stderr_sink()) at
/// the supervisor's DN (the child's for a tree's root). Chain it behind
/// metrics::event_hook() to keep the usual log. Thread-safe as `sink` is.
event_hook log_events(log_sink sink = {});

/// The snapshot in the Prometheus text exposition format, e.g.
///
///   # HELP supervise_starts_total Incarnations started per node.
///   # TYPE supervise_starts_total counter
///   supervise_starts_total{dn="root.db"} 3
///
/// Families: supervise_starts_total, supervise_restarts_total,
/// supervise_failures_total{dn,kind}, supervise_state{dn,state} (1 for the
/// current state, 0 for the four others; DNs without a known state are left
/// out), supervise_state_seconds{dn}. Label values escape `\`, `"` and
/// newline. Pure; any thread.
std::string to_prometheus(const metrics_snapshot& s);

/// A Prometheus label value with `\`, `"` and newline escaped.
std::string escape_label_value(std::string_view v);

} // namespace supervise

namespace fmt {

/// Formats a failure_kind as to_string() does: "exception".
template <>
struct formatter<supervise::failure_kind> : formatter<std::string_view> {
  /// Writes to_string(x) with the string format specs applied.
  template <class FormatContext>
  auto format(supervise::failure_kind x, FormatContext& ctx) const {
    return formatter<std::string_view>::format(supervise::to_string(x), ctx);
  }
};

/// "root.db HEALTHY starts=3 restarts=2 failures=2 (error=1 exception=1
/// returned_without_done=0 killed=0) in state 1.500s".
template <>
struct formatter<supervise::node_metrics> : formatter<std::string_view> {
  /// Writes that line with the string format specs applied.
  template <class FormatContext>
  auto format(const supervise::node_metrics& x, FormatContext& ctx) const {
    using supervise::failure_kind;
    auto text = fmt::format(
      "{} {} starts={} restarts={} failures={} (error={} exception={} "
      "returned_without_done={} killed={}) in state {:.3f}s",
      x.dn, x.state_known ? supervise::to_string(x.state) : "?", x.starts, x.restarts,
      x.failures_total(), x.failures_of(failure_kind::error),
      x.failures_of(failure_kind::exception), x.failures_of(failure_kind::returned_without_done),
      x.failures_of(failure_kind::killed),
      std::chrono::duration<double>(x.time_in_state).count());
    return formatter<std::string_view>::format(text, ctx);
  }
};

} // namespace fmt
