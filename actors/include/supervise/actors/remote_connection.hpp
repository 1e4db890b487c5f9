// supervise/actors/remote_connection.hpp — a remote actor kept connected.
//
// `remote_connection(opts)` returns an event-based runnable (no thread of its
// own) that connects to the actor published at `host:port` (the middleman's
// remote_actor, asynchronously), monitors its proxy, signals healthy once
// connected and publishes the handle in `opts.handle`. The actor system must
// have loaded caf::io::middleman.
//   - The connection cannot be made (refused, timeout, nothing published):
//     the node fails with actors_errc::connect_failed naming "host:port".
//   - The remote actor goes down (remote_link_unreachable when its node or
//     the connection is lost, or the actor's own exit reason): the node fails
//     with actors_errc::connection_lost naming "host:port" and the reason.
// Both failures go through the tree's backoff, so the engine reconnects.
// Consumers find the current remote actor through the shared remote_handle.
// Stop guarantee: a stop request ends the runnable at once (CANCELED); the
// handle is cleared before the node is reported stopped; the proxy is only
// dropped (the remote actor is not asked to exit).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "supervise/runnable.hpp"

namespace supervise::actors {

/// The current remote actor of a remote_connection. Thread-safe.
class remote_handle {
public:
  /// The connected remote actor, or actors_errc::not_running ("not connected
  /// to host:port") between connections.
  caf::expected<caf::actor> get() const;
  /// True while a remote actor is connected.
  bool connected() const;
  /// How many connections were made so far (all incarnations).
  uint64_t connections() const;
  /// Blocks up to `d` until connections() >= n; true if reached.
  bool wait_connections(uint64_t n, std::chrono::nanoseconds d) const;

  // Used by the runnable.
  /// Connected to `remote` at `where` ("host:port"): counts a connection and
  /// wakes wait_connections().
  void set(caf::actor remote, std::string where);
  /// The incarnation connected to `remote` ended: get() fails naming
  /// `where`. No effect when another actor is current.
  void clear(const caf::actor& remote, std::string where);

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  caf::actor actor_;
  std::string where_ = "(never connected)";
  uint64_t connections_ = 0;
};

/// Where remote_connection() connects; validate() checks it.
struct remote_connection_options {
  /// Host name or address of the node the actor is published on. Must not
  /// be empty.
  std::string host = "127.0.0.1";
  /// 1..65535.
  int port = 0;
  /// Bound on one connection attempt (TCP connect and BASP handshake). > 0.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(10);
  /// Optional: where consumers find the current remote actor.
  std::shared_ptr<remote_handle> handle;
};

/// Checks `opts`: empty host, port outside 1..65535 or connect_timeout <= 0
/// give errc::invalid_option naming the bad value.
caf::error validate(const remote_connection_options& opts);

/// The runnable (event-based). Throws std::invalid_argument with
/// validate()'s text when `opts` are bad.
runnable remote_connection(remote_connection_options opts);

} // namespace supervise::actors
