// inspection/event_ring.cpp — the bounded ring of recorded events.
#include "inspection/event_ring.hpp"

#include <algorithm>
#include <variant>

namespace supervise::actors::detail {

namespace {

int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The fields each kind carries besides the header.
struct fill_record {
  event_record& r;
  void operator()(const child_started& x) { r.incarnation = x.incarnation; }
  void operator()(const child_stopped& x) {
    r.state = x.state;
    r.reason = x.reason;
    r.removed = x.removed;
  }
  void operator()(const child_failed& x) {
    r.reason = x.reason;
    r.restarting = x.restarting;
    r.held = x.held_by_backoff;
  }
  void operator()(const backoff_entered& x) { r.duration = x.delay; }
  void operator()(const backoff_resumed&) {}
  void operator()(const stop_timed_out& x) { r.duration = x.timeout; }
  void operator()(const child_healthy& x) { r.incarnation = x.incarnation; }
  void operator()(const supervisor_gave_up& x) {
    r.max_restarts = x.max_restarts;
    r.duration = x.period;
    r.reason = x.reason;
  }
};

// Fills the fields of an event of type T from a record.
template <class T>
supervise::event rebuilt(const event_record& r) {
  T x;
  x.supervisor = r.supervisor;
  x.child = r.child;
  x.failures = r.failures;
  x.threshold = r.threshold;
  if constexpr (std::is_same_v<T, child_started> || std::is_same_v<T, child_healthy>)
    x.incarnation = r.incarnation;
  if constexpr (std::is_same_v<T, child_stopped>) {
    x.state = r.state;
    x.reason = r.reason;
    x.removed = r.removed;
  }
  if constexpr (std::is_same_v<T, child_failed>) {
    x.reason = r.reason;
    x.restarting = r.restarting;
    x.held_by_backoff = r.held;
  }
  if constexpr (std::is_same_v<T, backoff_entered>)
    x.delay = r.duration;
  if constexpr (std::is_same_v<T, stop_timed_out>)
    x.timeout = r.duration;
  if constexpr (std::is_same_v<T, supervisor_gave_up>) {
    x.max_restarts = r.max_restarts;
    x.period = r.duration;
    x.reason = r.reason;
  }
  return x;
}

} // namespace

supervise::event event_record::to_event() const {
  switch (kind) {
    case 0: return rebuilt<child_started>(*this);
    case 1: return rebuilt<child_stopped>(*this);
    case 2: return rebuilt<child_failed>(*this);
    case 3: return rebuilt<backoff_entered>(*this);
    case 4: return rebuilt<backoff_resumed>(*this);
    case 5: return rebuilt<stop_timed_out>(*this);
    case 6: return rebuilt<child_healthy>(*this);
    default: return rebuilt<supervisor_gave_up>(*this);
  }
}

const char* event_record::kind_name() const {
  static constexpr const char* names[] = {"child_started",   "child_stopped",  "child_failed",
                                          "backoff_entered", "backoff_resumed", "stop_timed_out",
                                          "child_healthy",   "supervisor_gave_up"};
  static_assert(std::variant_size_v<supervise::event> == std::size(names));
  return kind >= 0 && kind < static_cast<int>(std::size(names)) ? names[kind] : "state";
}

event_ring::event_ring(size_t capacity) : slots_(std::max<size_t>(capacity, 1)) {}

event_record& event_ring::next_slot() {
  auto& r = slots_[newest_ % slots_.size()];
  r.seq = newest_ + 1;
  r.unix_ms = unix_ms_now();
  // Strings keep their capacity: a full ring appends without allocating.
  r.supervisor.clear();
  r.child.clear();
  r.reason = caf::error{};
  r.failures = r.threshold = 0;
  r.incarnation = 0;
  r.restarting = r.held = r.removed = false;
  r.duration = std::chrono::nanoseconds{0};
  r.max_restarts = 0;
  return r;
}

void event_ring::appended_one() {
  ++newest_;
  if (wake_)
    std::exchange(wake_, nullptr)();
}

void event_ring::push(const supervise::event& ev) {
  auto& h = header_of(ev);
  std::lock_guard<std::mutex> guard{mtx_};
  auto& r = next_slot();
  r.kind = static_cast<int>(ev.index());
  r.supervisor.assign(h.supervisor);
  r.child.assign(h.child);
  r.failures = h.failures;
  r.threshold = h.threshold;
  std::visit(fill_record{r}, ev);
  appended_one();
}

void event_ring::push_state(const std::string& dn, node_state s) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& r = next_slot();
  r.kind = -1;
  r.child.assign(dn);
  r.state = s;
  appended_one();
}

event_ring::slice event_ring::read_after(uint64_t after, size_t most) const {
  slice out;
  std::lock_guard<std::mutex> guard{mtx_};
  after = std::min(after, newest_); // numbered by an earlier ring: from now on
  auto oldest = newest_ >= slots_.size() ? newest_ - slots_.size() + 1 : 1;
  auto from = std::max(after + 1, oldest);
  if (from > after + 1)
    out.dropped = from - (after + 1);
  auto to = std::min(newest_, from + most - 1);
  for (auto s = from; s <= to && s <= newest_; ++s)
    out.records.push_back(slots_[(s - 1) % slots_.size()]);
  out.next = out.records.empty() ? std::max(after, from - 1) : to;
  return out;
}

uint64_t event_ring::newest() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return newest_;
}

void event_ring::wake_on_next(std::function<void()> wake) {
  std::lock_guard<std::mutex> guard{mtx_};
  wake_ = std::move(wake);
}

uint64_t event_ring::appended() const {
  return newest();
}

} // namespace supervise::actors::detail
