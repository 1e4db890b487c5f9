// inspection/event_ring.hpp (private) — the last N events of an inspected
// tree, as engines append them and followers read them.
//
// Engines append on their own threads: a copy of the event's fields (the
// event's string views die with the call), under one mutex, with no
// formatting and no message unless a reader asked to be woken. Records are
// numbered from 1; the ring keeps the newest `capacity`, overwriting the
// oldest (a reader that fell behind is told how many it missed).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "supervise/event.hpp"
#include "supervise/node_state.hpp"

namespace supervise::actors::detail {

/// One recorded event or state change, owning its strings.
struct event_record {
  uint64_t seq = 0;
  int64_t unix_ms = 0;
  int kind = -1; ///< the event's index in supervise::event; -1: a state change
  std::string supervisor;
  std::string child;
  double failures = 0;
  double threshold = 0;
  node_state state = node_state::new_;   ///< child_stopped, a state change
  caf::error reason;                     ///< child_stopped/failed, supervisor_gave_up
  uint64_t incarnation = 0;              ///< child_started, child_healthy
  bool restarting = false;               ///< child_failed
  bool held = false;                     ///< child_failed
  bool removed = false;                  ///< child_stopped
  std::chrono::nanoseconds duration{0};  ///< backoff delay, stop timeout, period
  size_t max_restarts = 0;               ///< supervisor_gave_up

  /// The event again, its views into this record (valid while it lives);
  /// not for a state change.
  supervise::event to_event() const;
  /// "child_failed", ..., or "state".
  const char* kind_name() const;
};

class event_ring {
public:
  explicit event_ring(size_t capacity);

  /// Appends `ev` (engine threads).
  void push(const supervise::event& ev);
  /// Appends a state change (engine threads).
  void push_state(const std::string& dn, node_state s);

  /// What a reader gets: the records after `after` (at most `most`), how
  /// many it missed before the first, and the number to ask after next.
  struct slice {
    std::vector<event_record> records;
    uint64_t dropped = 0;
    uint64_t next = 0;
  };
  slice read_after(uint64_t after, size_t most) const;

  /// The number of the newest record (0: none yet).
  uint64_t newest() const;

  /// Calls `wake` (under the ring's lock: it must only send a message) at
  /// the next append, once.
  void wake_on_next(std::function<void()> wake);

  /// Records ever appended.
  uint64_t appended() const;

private:
  event_record& next_slot(); // mtx_ held
  void appended_one();       // mtx_ held

  mutable std::mutex mtx_;
  std::vector<event_record> slots_; // slot of seq s: (s - 1) % capacity
  uint64_t newest_ = 0;
  std::function<void()> wake_;
};

} // namespace supervise::actors::detail
