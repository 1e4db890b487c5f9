// supervise/actors/metrics_endpoint.hpp — a Prometheus scrape endpoint as a
// supervised child.
//
// `metrics_endpoint(opts)` returns an event-based runnable that, on every
// start, starts an embedded HTTP server (civetweb) on `opts.address:opts.port`
// answering
//   - GET /metrics: 200, Content-Type `text/plain; version=0.0.4;
//     charset=utf-8`, the body `opts.source->to_prometheus_text()` (counters,
//     states and the restart-latency histogram, made afresh per request);
//   - another method on /metrics: 405 with `Allow: GET`;
//   - any other path: 404.
// It signals healthy once the port listens and reports the port through
// `opts.endpoint`. Feed the collector by attaching it to the tree:
//
//   auto m = std::make_shared<supervise::metrics>();
//   tree_options topts;
//   topts.observers = {m};
//   metrics_endpoint_options mopts;
//   mopts.source = m;
//   mopts.port = 9464;
//   // in the root: run(ctx, "metrics", metrics_endpoint(mopts));
//
// Failures: the port cannot be bound (or civetweb cannot start for another
// reason): the node fails with actors_errc::bind_failed, text
// "address:port: <civetweb's reason>" (e.g. "127.0.0.1:9464: cannot bind to
// 127.0.0.1:9464: 98 (Address already in use); Failed to setup server
// ports"); the tree's backoff applies.
//
// Threads: the node's actor is event-based and never waits. At start it
// binds and listens on its CAF worker (local system calls, well under a
// millisecond) and civetweb starts its own threads: a master and
// `num_threads` workers. Requests are answered on civetweb's workers, never
// on a CAF worker; each takes the collector's mutex while copying counters.
// Civetweb notices a stop only between polls, about 2 s apart: it is
// stopped on a thread of its own.
// Stop guarantee: on a stop request the endpoint stops reporting its port,
// stops civetweb (the actor keeps handling messages meanwhile), and ends
// CANCELED once the port is closed and every civetweb thread has ended —
// so the next incarnation can bind the same port. On any other end (killed
// after the tree's stop timeout, the actor system shutting down) civetweb is
// stopped on a detached thread and the port is closed up to about 2 s later;
// a restart on a fixed port within that time fails with bind_failed and is
// retried with backoff. Civetweb's own log messages (client errors) go to
// the node's logger as warnings while the incarnation lives.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <caf/error.hpp>

#include "supervise/metrics.hpp"
#include "supervise/runnable.hpp"

namespace supervise::actors {

/// Where an HTTP runnable (metrics_endpoint) listens; shared between the
/// caller and the runnable (put it in metrics_endpoint_options::endpoint).
/// Thread-safe.
class http_endpoint {
public:
  /// The port of the current incarnation; 0 when none listens.
  uint16_t port() const;
  /// The port the last incarnation listened on (kept after it stopped); 0
  /// if none did.
  uint16_t last_port() const;
  /// True while an incarnation listens (port() != 0).
  bool listening() const;
  /// Blocks up to `d` until an incarnation listens; its port, or 0. Not on
  /// a CAF worker.
  uint16_t wait_listening(std::chrono::nanoseconds d) const;

  // Used by the runnable.
  /// An incarnation listens on `port`: sets port() and last_port(), wakes
  /// wait_listening().
  void set(uint16_t port);
  /// The incarnation on `port` stops listening: port() 0, last_port() kept.
  /// No effect when another port is current.
  void clear(uint16_t port);

private:
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  uint16_t port_ = 0;
  uint16_t last_port_ = 0;
};

/// What metrics_endpoint() serves and where; validate() checks it.
struct metrics_endpoint_options {
  /// The collector whose to_prometheus_text() is served. Required; shared
  /// with the server's threads for as long as an incarnation runs.
  std::shared_ptr<supervise::metrics> source;
  /// The address to bind, an IP literal: loopback unless given. An IPv6
  /// literal only when the installed civetweb supports IPv6 (Debian 12's
  /// does not).
  std::string address = "127.0.0.1";
  /// TCP port, 0..65535. 0: an ephemeral port, chosen afresh by every
  /// incarnation (read it from `endpoint`).
  int port = 0;
  /// Civetweb worker threads: scrapes answered at once. 1..64.
  int num_threads = 2;
  /// Optional: the port listened on.
  std::shared_ptr<http_endpoint> endpoint;
};

/// Checks `opts`: a null source, a port outside 0..65535, an empty address,
/// an address that is no IP literal (or IPv6 without civetweb support), or
/// num_threads outside 1..64 give errc::invalid_option naming every bad
/// value ("metrics_endpoint: port 70000 is out of range 0..65535; source is
/// null"); none otherwise. Any thread.
caf::error validate(const metrics_endpoint_options& opts);

/// The runnable (event-based; see the top of this file). Throws
/// std::invalid_argument with validate()'s text when `opts` are bad.
runnable metrics_endpoint(metrics_endpoint_options opts);

} // namespace supervise::actors
