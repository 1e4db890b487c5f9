// supervise/metrics.hpp — per-DN counters, a restart-latency histogram per
// supervisor, and their Prometheus text exposition.
//
// A `metrics` collector is an observer (observer.hpp): attach it once, at the
// top, and it sees the whole tree, nested supervisors included. For every DN
// it counts starts, restarts, failures by kind, and keeps the current state
// and when it was entered; for every supervisor it keeps a histogram of how
// long its children took to start again after a failure. snapshot() and
// restart_latencies() copy them; to_prometheus_text() renders everything in
// the Prometheus text format (version 0.0.4) — serve it from any HTTP
// endpoint (supervise::actors::metrics_endpoint is one); the core has no
// server.
//
//   auto m = std::make_shared<metrics>();
//   tree_options opts;
//   opts.observers = {m};                 // the one-line way: the whole tree
//   tree t{sys, root, opts};
//   ...
//   std::string text = m->to_prometheus_text();
//
// The observer way keeps the default event hook (failures still logged). The
// older way also works: install on_state_hook() as tree_options::on_state /
// spec::on_state and event_hook() as tree_options::on_event /
// spec::on_event. Installing an event hook replaces the default one, which
// logs failures, backoff and stop timeouts: chain log_events() (or your own
// hook) to keep them. Hosted supervisors without their own on_event report
// to the nearest ancestor's hook, but on_state is per supervisor: set
// spec::on_state on each. Feed one collector one way only: a collector both
// attached as an observer and installed as hooks of the same tree counts
// every event twice. One collector may serve any number of trees.
//
// Restart latency: a child_failed event of a DN starts a measurement, the
// next child_started event of the same DN ends it and records the time
// between them (read from the collector's clock) in the histogram of the
// start's supervisor DN (event_header::supervisor: a tree node's restarts
// count under its parent's DN, a hosted supervisor's children under the
// supervisor's DN, and a tree's root node, which has no supervisor, under
// ""). A second failure before a start keeps the first time point (the
// latency is how long the DN went without a running incarnation); a
// failure followed by child_stopped (the DN ended DONE or CANCELED, or was
// removed) is dropped, not counted. Per DN this costs one time point in the
// entry the collector keeps anyway; per supervisor, one histogram.
//
// Threads: observers and hooks are called from supervisor actors, several
// at once; every member of `metrics` is thread-safe (one mutex, held only to
// update or copy counters, never while calling a chained hook).
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
#include "supervise/observer.hpp"

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

/// Upper bounds, in seconds, of the restart-latency histogram's buckets
/// (Prometheus `le`), +Inf left out: from 10 µs to a minute.
inline constexpr std::array<double, 15> restart_latency_bounds{
  1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5, 10, 30, 60};

/// Number of buckets of a restart-latency histogram: one per bound, and
/// +Inf.
constexpr size_t restart_latency_bucket_count = restart_latency_bounds.size() + 1;

/// The restart latencies of one supervisor's children at the time of a
/// snapshot (see the top of this file for what is measured).
struct restart_latency {
  /// The supervisor DN the restarts are counted under; "" for a tree's root
  /// node.
  std::string supervisor;
  /// Latencies per bucket, not cumulative: [i] counts those in
  /// (restart_latency_bounds[i-1], restart_latency_bounds[i]] (from 0 for
  /// i = 0); the last, those above the last bound (+Inf).
  std::array<uint64_t, restart_latency_bucket_count> buckets{};
  double sum = 0;     ///< seconds, every latency together
  uint64_t count = 0; ///< latencies recorded (the sum of `buckets`)
};

/// One histogram per supervisor that saw a restart, sorted by supervisor DN.
using restart_latency_snapshot = std::vector<restart_latency>;

/// The index in restart_latency::buckets of a latency of `d` (a negative
/// one counts as 0): the first bound >= d in seconds, else the +Inf bucket.
/// Pure; any thread.
size_t restart_latency_bucket(std::chrono::nanoseconds d) noexcept;

/// The state-change hook type of tree_options::on_state and spec::on_state.
using state_hook = std::function<void(const std::string& dn, node_state)>;

/// The collector: per-DN counters and per-supervisor restart latencies, fed
/// as an observer or by the hooks it hands out (see the top of this file).
/// Not copyable; every member is thread-safe.
class metrics : public observer {
public:
  /// The time source: the current time on a steady clock.
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

  /// A collector reading time from `now` (null: steady_clock::now). Tests
  /// inject a fake clock to get exact time_in_state values and latencies.
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

  /// Observer (tree_options::observers, spec::observers): record(ev).
  /// Called by the engines of the tree, several at once.
  void on_event(const event& ev) override;
  /// Observer: record(dn, s).
  void on_state(const std::string& dn, node_state s) override;

  /// Feeds one state change or event directly (what the hooks do). Any
  /// thread.
  void record(const std::string& dn, node_state s);
  /// Feeds one event: child_started counts a start (and ends a pending
  /// restart-latency measurement of its DN), child_failed a failure of its
  /// kind (and starts one), child_stopped sets the state (and drops one);
  /// other events are ignored.
  void record(const event& e);

  /// A copy of every DN's counters, sorted by DN. Any thread; never blocks
  /// on a hook.
  metrics_snapshot snapshot() const;

  /// A copy of every supervisor's restart-latency histogram, sorted by
  /// supervisor DN. Any thread.
  restart_latency_snapshot restart_latencies() const;

  /// Everything this collector knows in the Prometheus text format (0.0.4):
  /// to_prometheus(snapshot()) followed by
  /// to_prometheus(restart_latencies()), both copied at one moment. What an
  /// HTTP scrape endpoint serves. Any thread.
  std::string to_prometheus_text() const;

  /// Forgets every DN, pending latency measurement and histogram.
  void clear();

private:
  struct entry {
    uint64_t starts = 0;
    std::array<uint64_t, failure_kind_count> failures{};
    node_state state = node_state::new_;
    bool state_known = false;
    bool down = false; // failed, not started since: `down_since` is pending
    std::chrono::steady_clock::time_point since{};
    std::chrono::steady_clock::time_point down_since{};
  };
  entry& at(std::string_view dn); // with mtx_ held
  void set_state(entry& x, node_state s, std::chrono::steady_clock::time_point now);
  // Records one latency under `supervisor` (with mtx_ held).
  void observe_latency(std::string_view supervisor, std::chrono::nanoseconds d);
  // Both snapshots at `now` (with mtx_ held).
  metrics_snapshot snapshot_locked(std::chrono::steady_clock::time_point now) const;
  restart_latency_snapshot latencies_locked() const;

  clock_fn now_;
  mutable std::mutex mtx_;
  std::map<std::string, entry, std::less<>> nodes_;
  std::map<std::string, restart_latency, std::less<>> latencies_; // by supervisor DN
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
/// newline. Pure; any thread. Source-compatible with earlier releases: the
/// counters and states only (metrics::to_prometheus_text() adds the
/// latencies).
std::string to_prometheus(const metrics_snapshot& s);

/// The histograms in the Prometheus text format: one family,
/// supervise_restart_latency_seconds (TYPE histogram), per supervisor
/// cumulative `_bucket{supervisor="...",le="..."}` lines (le as 1e-05, 0.5,
/// 1, ... and +Inf), then `_sum` and `_count`, e.g.
///
///   supervise_restart_latency_seconds_bucket{supervisor="root",le="0.5"} 1
///   supervise_restart_latency_seconds_bucket{supervisor="root",le="+Inf"} 1
///   supervise_restart_latency_seconds_sum{supervisor="root"} 0.5
///   supervise_restart_latency_seconds_count{supervisor="root"} 1
///
/// HELP and TYPE are written even when `s` is empty. Pure; any thread.
std::string to_prometheus(const restart_latency_snapshot& s);

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
