// supervise/actors/published_server.hpp — a CAF actor served on a TCP port.
//
// `published_server(opts)` returns an event-based runnable (no thread of its
// own) that, on every start, makes the served actor with `opts.make_actor`,
// publishes it through caf::io (the middleman's publish, as
// `middleman().publish` does, but asynchronously) on `opts.address:opts.port`
// and signals healthy once the port listens. The actor system must have
// loaded caf::io::middleman (`cfg.load<caf::io::middleman>()`).
//   - The port cannot be bound: the node fails with actors_errc::bind_failed
//     naming "address:port" and CAF's reason; the tree's backoff applies.
//   - The served actor exits: the node fails with
//     actors_errc::served_actor_down carrying the actor's exit reason.
// Stop guarantee: on a stop request the runnable unpublishes the port, waits
// for the middleman to confirm it, asks the served actor to exit
// (user_shutdown) and ends CANCELED; the port is then free for the next
// incarnation (the acceptor is closed by CAF's multiplexer right after, so a
// re-bind of the same port is retried for `rebind_window`). On any other end
// (failure, or killed after the tree's stop timeout) the unpublish and the
// exit request are sent without waiting.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "supervise/runnable.hpp"

namespace supervise::actors {

/// Where the served actor listens; shared between the caller and the
/// runnable (put it in published_server_options::endpoint). Thread-safe.
class published_endpoint {
public:
  /// The port bound by the current incarnation; 0 when not listening.
  uint16_t port() const;
  /// The port the last incarnation bound (kept after it stopped); 0 if none.
  uint16_t last_port() const;
  /// The served actor while listening; an invalid handle otherwise.
  caf::actor actor() const;
  /// True while an incarnation listens (port() != 0).
  bool listening() const;
  /// Blocks up to `d` until an incarnation listens; its port, or 0.
  uint16_t wait_listening(std::chrono::nanoseconds d) const;

  // Used by the runnable.
  /// An incarnation listens on `port`, serving `served`: sets port(),
  /// last_port() and actor(), and wakes wait_listening().
  void set(uint16_t port, caf::actor served);
  /// The incarnation serving `served` ended: port() 0, actor() invalid,
  /// last_port() kept. No effect when another actor is current.
  void clear(const caf::actor& served);

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  uint16_t port_ = 0;
  uint16_t last_port_ = 0;
  caf::actor actor_;
};

/// What published_server() serves and where; validate() checks it.
struct published_server_options {
  /// Makes the actor to serve; called on the runnable's actor (a CAF worker)
  /// at every start. Required. An exception from it is a failure of the node.
  std::function<caf::actor(caf::actor_system&)> make_actor;
  /// TCP port, 0..65535. 0: an ephemeral port chosen at the first start; with
  /// `sticky_port`, later incarnations bind the same port again (so clients
  /// can reconnect to it).
  int port = 0;
  /// Address to bind: loopback unless given. Must not be empty.
  std::string address = "127.0.0.1";
  /// SO_REUSEADDR on the listening socket.
  bool reuse_address = true;
  /// See `port`.
  bool sticky_port = true;
  /// How long a start retries binding a fixed (or sticky) port that is still
  /// in use (e.g. the previous incarnation's acceptor is being closed). >= 0.
  std::chrono::nanoseconds rebind_window = std::chrono::seconds(1);
  /// Publish through caf::openssl (mutual TLS with the openssl.* settings)
  /// instead of plain BASP. The system must have loaded
  /// caf::openssl::manager (prepare_distribution does); else every start
  /// fails with actors_errc::bind_failed saying so.
  bool tls = false;
  /// Optional: the bound port and the served actor.
  std::shared_ptr<published_endpoint> endpoint;
};

/// Checks `opts`: port outside 0..65535, empty address, empty make_actor or
/// a negative rebind_window give errc::invalid_option naming the bad value.
caf::error validate(const published_server_options& opts);

/// The runnable (event-based). Throws std::invalid_argument with
/// validate()'s text when `opts` are bad.
runnable published_server(published_server_options opts);

} // namespace supervise::actors
