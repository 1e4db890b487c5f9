#include "supervise/metrics.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include <caf/exit_reason.hpp>

#include "supervise/errc.hpp"

namespace supervise {

const char* to_string(failure_kind x) noexcept {
  switch (x) {
    case failure_kind::error: return "error";
    case failure_kind::exception: return "exception";
    case failure_kind::returned_without_done: return "returned_without_done";
    case failure_kind::killed: return "killed";
  }
  return "?";
}

failure_kind classify_failure(const caf::error& reason) noexcept {
  if (reason.category() == category) {
    if (reason.code() == static_cast<uint8_t>(errc::runnable_threw))
      return failure_kind::exception;
    if (reason.code() == static_cast<uint8_t>(errc::returned_without_done))
      return failure_kind::returned_without_done;
  }
  if (reason.category() == caf::atom("exit")
      && reason.code() == static_cast<uint8_t>(caf::exit_reason::kill))
    return failure_kind::killed;
  return failure_kind::error;
}

size_t restart_latency_bucket(std::chrono::nanoseconds d) noexcept {
  auto seconds = std::chrono::duration<double>(std::max(d, std::chrono::nanoseconds{0})).count();
  auto i = std::lower_bound(restart_latency_bounds.begin(), restart_latency_bounds.end(), seconds);
  return static_cast<size_t>(i - restart_latency_bounds.begin());
}

uint64_t node_metrics::failures_total() const noexcept {
  uint64_t n = 0;
  for (auto x : failures)
    n += x;
  return n;
}

metrics::metrics(clock_fn now) : now_(std::move(now)) {
  if (!now_)
    now_ = [] { return std::chrono::steady_clock::now(); };
}

metrics::entry& metrics::at(std::string_view dn) {
  auto i = nodes_.find(dn);
  if (i == nodes_.end())
    i = nodes_.emplace(std::string{dn}, entry{}).first;
  return i->second;
}

void metrics::set_state(entry& x, node_state s, std::chrono::steady_clock::time_point now) {
  if (x.state_known && x.state == s)
    return; // a repeated report keeps the entry time
  x.state = s;
  x.state_known = true;
  x.since = now;
}

void metrics::on_event(const event& ev) {
  record(ev);
}

void metrics::on_state(const std::string& dn, node_state s) {
  record(dn, s);
}

void metrics::observe_latency(std::string_view supervisor, std::chrono::nanoseconds d) {
  auto i = latencies_.find(supervisor);
  if (i == latencies_.end()) {
    i = latencies_.emplace(std::string{supervisor}, restart_latency{}).first;
    i->second.supervisor = std::string{supervisor};
  }
  auto& h = i->second;
  d = std::max(d, std::chrono::nanoseconds{0});
  h.buckets[restart_latency_bucket(d)]++;
  h.sum += std::chrono::duration<double>(d).count();
  h.count++;
}

void metrics::record(const std::string& dn, node_state s) {
  auto now = now_();
  std::lock_guard<std::mutex> guard{mtx_};
  set_state(at(dn), s, now);
}

void metrics::record(const event& e) {
  auto now = now_();
  std::lock_guard<std::mutex> guard{mtx_};
  std::visit(
    [&](auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, child_started>) {
        auto& n = at(x.child);
        n.starts++;
        set_state(n, node_state::new_, now);
        if (n.down) {
          n.down = false;
          observe_latency(x.supervisor, now - n.down_since);
        }
      } else if constexpr (std::is_same_v<T, child_failed>) {
        auto& n = at(x.child);
        n.failures[static_cast<size_t>(classify_failure(x.reason))]++;
        set_state(n, node_state::dead, now);
        if (!n.down) { // a second failure before a start keeps the first
          n.down = true;
          n.down_since = now;
        }
      } else if constexpr (std::is_same_v<T, child_stopped>) {
        auto& n = at(x.child);
        set_state(n, x.state, now);
        n.down = false; // ended without a restart: not a latency
      }
      // backoff, resume and stop timeouts carry no per-DN counter
    },
    e);
}

state_hook metrics::on_state_hook(state_hook next) {
  return [this, next = std::move(next)](const std::string& dn, node_state s) {
    record(dn, s);
    if (next)
      next(dn, s);
  };
}

supervise::event_hook metrics::event_hook(supervise::event_hook next) {
  return [this, next = std::move(next)](const event& e) {
    record(e);
    if (next)
      next(e);
  };
}

metrics_snapshot metrics::snapshot() const {
  auto now = now_();
  std::lock_guard<std::mutex> guard{mtx_};
  return snapshot_locked(now);
}

metrics_snapshot metrics::snapshot_locked(std::chrono::steady_clock::time_point now) const {
  metrics_snapshot out;
  out.reserve(nodes_.size());
  for (auto& [dn, x] : nodes_) {
    node_metrics m;
    m.dn = dn;
    m.starts = x.starts;
    m.restarts = x.starts > 0 ? x.starts - 1 : 0;
    m.failures = x.failures;
    m.state = x.state;
    m.state_known = x.state_known;
    if (x.state_known && now > x.since)
      m.time_in_state = now - x.since;
    out.push_back(std::move(m));
  }
  return out;
}

restart_latency_snapshot metrics::latencies_locked() const {
  restart_latency_snapshot out;
  out.reserve(latencies_.size());
  for (auto& [dn, h] : latencies_)
    out.push_back(h);
  return out;
}

restart_latency_snapshot metrics::restart_latencies() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return latencies_locked();
}

std::string metrics::to_prometheus_text() const {
  auto now = now_();
  metrics_snapshot nodes;
  restart_latency_snapshot latencies;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    nodes = snapshot_locked(now);
    latencies = latencies_locked();
  }
  return to_prometheus(nodes) + to_prometheus(latencies);
}

void metrics::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  nodes_.clear();
  latencies_.clear();
}

event_hook log_events(log_sink sink) {
  auto shared = std::make_shared<const log_sink>(sink ? std::move(sink) : stderr_sink());
  return [shared](const event& e) {
    if (std::holds_alternative<child_started>(e) || std::holds_alternative<child_stopped>(e)
        || std::holds_alternative<child_healthy>(e))
      return; // the default hook does not log them either
    auto& h = header_of(e);
    auto dn = h.supervisor.empty() ? h.child : h.supervisor;
    logger{std::string{dn}, shared}.log(level_of(e), message_of(e));
  };
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

} // namespace

std::string to_prometheus(const metrics_snapshot& s) {
  static constexpr node_state all_states[] = {node_state::new_, node_state::healthy,
                                              node_state::dead, node_state::done,
                                              node_state::canceled};
  std::string out;
  auto it = std::back_inserter(out);
  family(out, "supervise_starts_total", "counter", "Incarnations started per node.");
  for (auto& n : s)
    fmt::format_to(it, "supervise_starts_total{{dn=\"{}\"}} {}\n", escape_label_value(n.dn),
                   n.starts);
  family(out, "supervise_restarts_total", "counter", "Starts after the first per node.");
  for (auto& n : s)
    fmt::format_to(it, "supervise_restarts_total{{dn=\"{}\"}} {}\n", escape_label_value(n.dn),
                   n.restarts);
  family(out, "supervise_failures_total", "counter", "Failures per node and kind.");
  for (auto& n : s)
    for (size_t k = 0; k < failure_kind_count; ++k)
      fmt::format_to(it, "supervise_failures_total{{dn=\"{}\",kind=\"{}\"}} {}\n",
                     escape_label_value(n.dn), to_string(static_cast<failure_kind>(k)),
                     n.failures[k]);
  family(out, "supervise_state", "gauge", "Current state of the node (1 = current).");
  for (auto& n : s)
    if (n.state_known)
      for (auto st : all_states)
        fmt::format_to(it, "supervise_state{{dn=\"{}\",state=\"{}\"}} {}\n",
                       escape_label_value(n.dn), to_string(st), st == n.state ? 1 : 0);
  family(out, "supervise_state_seconds", "gauge", "Seconds since the node entered its state.");
  for (auto& n : s)
    if (n.state_known)
      fmt::format_to(it, "supervise_state_seconds{{dn=\"{}\"}} {}\n", escape_label_value(n.dn),
                     std::chrono::duration<double>(n.time_in_state).count());
  return out;
}

std::string to_prometheus(const restart_latency_snapshot& s) {
  std::string out;
  auto it = std::back_inserter(out);
  family(out, "supervise_restart_latency_seconds", "histogram",
         "Seconds from a child's failure to its next start, per supervisor.");
  for (auto& h : s) {
    auto sup = escape_label_value(h.supervisor);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < restart_latency_bucket_count; ++i) {
      cumulative += h.buckets[i];
      auto le = i < restart_latency_bounds.size() ? fmt::format("{}", restart_latency_bounds[i])
                                                  : std::string{"+Inf"};
      fmt::format_to(it,
                     "supervise_restart_latency_seconds_bucket{{supervisor=\"{}\",le=\"{}\"}} {}\n",
                     sup, le, cumulative);
    }
    fmt::format_to(it, "supervise_restart_latency_seconds_sum{{supervisor=\"{}\"}} {}\n", sup,
                   h.sum);
    fmt::format_to(it, "supervise_restart_latency_seconds_count{{supervisor=\"{}\"}} {}\n", sup,
                   h.count);
  }
  return out;
}

} // namespace supervise
