// endpoint_follower.hpp — one inspection endpoint, followed by an
// event-based actor: it connects, asks hello, takes snapshots and long-polls
// the event stream, and reports everything to an endpoint_listener.
//
// The actor never blocks (connects go through the middleman's actor), so
// stopping it is immediate, even with a request in flight: send it an exit
// message (caf::anon_send_exit) or let the actor system end.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "inspection_reply.hpp"
#include "top_options.hpp"

namespace supervise::top {

/// What a follower reports. Calls come from the follower's actor, one at a
/// time per endpoint, but followers of several endpoints run in parallel: an
/// implementation shared by them must be thread-safe. `index` is the
/// endpoint's position in follower_options::index.
class endpoint_listener {
public:
  virtual ~endpoint_listener();
  /// Connected, and the endpoint said hello.
  virtual void connected(size_t index, const hello_reply& hello) = 0;
  /// A snapshot arrived.
  virtual void snapshot(size_t index, snapshot_reply snap) = 0;
  /// Events arrived (only with follower_options::follow), none seen before.
  virtual void events(size_t index, follow_reply batch) = 0;
  /// Connecting failed, or the connection or the endpoint went away:
  /// `why` names host:port and the reason. Without `reconnect` the follower
  /// has ended.
  virtual void lost(size_t index, const std::string& why) = 0;
};

/// How one endpoint is followed.
struct follower_options {
  endpoint_address address;
  /// Connect through caf::openssl (the system must have loaded it).
  bool tls = false;
  /// The endpoint's position, passed back in every listener call.
  size_t index = 0;
  /// Follow the event stream; false: hello and one snapshot, then the
  /// follower ends (--once).
  bool follow = true;
  /// Report the events the endpoint still keeps from before (the live
  /// view's history); false: only those after the first snapshot.
  bool backlog = true;
  /// Snapshots after the first one while following: at least every
  /// `interval`, and soon after events.
  bool refresh = true;
  std::chrono::milliseconds interval{500};
  /// How long a follow request may wait for the first event.
  uint32_t follow_wait_ms = 150;
  /// After a loss, connect again every `reconnect_delay`; false: end.
  bool reconnect = false;
  std::chrono::milliseconds reconnect_delay{1000};
  /// Bound of a connect and of a snapshot or hello request.
  std::chrono::milliseconds request_timeout{10000};
};

/// Spawns the follower of one endpoint; it reports to `listener`.
caf::actor spawn_endpoint_follower(caf::actor_system& sys, follower_options opts,
                                   std::shared_ptr<endpoint_listener> listener);

} // namespace supervise::top
