// live_model.hpp — what the live view shows, kept up to date by the
// endpoint followers: each endpoint's latest snapshot with restart rates,
// its connection status, and the newest events of all endpoints.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "endpoint_follower.hpp"

namespace supervise::top {

using steady_time = std::chrono::steady_clock::time_point;

/// One endpoint as the view shows it.
struct endpoint_view {
  std::string address;  ///< "host:port"
  std::string root;     ///< the DN it serves (from hello)
  bool connected = false;
  std::string lost;     ///< why the connection was lost; "" while connected
  std::optional<snapshot_reply> snap; ///< the latest snapshot
  steady_time received{};             ///< when it arrived (local clock)
  /// Restarts per second of each node of `snap` over about the last
  /// rate_window (parallel to snap->nodes).
  std::vector<double> rates;
  uint64_t dropped = 0; ///< events the endpoint reported lost, in total
};

/// One event with the endpoint it came from.
struct received_event {
  size_t endpoint = 0;
  inspection_event event;
};

/// A consistent copy of the model, for drawing.
struct live_view {
  std::vector<endpoint_view> endpoints;
  std::deque<received_event> events; ///< oldest first
  uint64_t events_total = 0;         ///< received since start
  uint64_t version = 0;              ///< +1 per change
};

/// The model; an endpoint_listener for the followers. Thread-safe.
class live_model : public endpoint_listener {
public:
  /// How far back restart rates look.
  static constexpr std::chrono::seconds rate_window{10};

  /// One entry per endpoint, in command-line order; keeps the newest
  /// `kept_events` events.
  explicit live_model(std::vector<std::string> addresses, size_t kept_events = 1000);

  live_view view() const;
  uint64_t version() const;

  void connected(size_t index, const hello_reply& hello) override;
  void snapshot(size_t index, snapshot_reply snap) override;
  void events(size_t index, follow_reply batch) override;
  void lost(size_t index, const std::string& why) override;

  /// As snapshot(), received at `now` (tests of the rate).
  void snapshot_at(size_t index, snapshot_reply snap, steady_time now);

private:
  struct restart_sample {
    steady_time at;
    uint64_t restarts;
  };
  mutable std::mutex mtx_;
  live_view view_;
  size_t kept_events_;
  // Per endpoint, per DN: restart counts of recent snapshots, oldest first.
  std::vector<std::map<std::string, std::deque<restart_sample>>> history_;
};

} // namespace supervise::top
