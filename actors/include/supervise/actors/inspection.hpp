// supervise/actors/inspection.hpp — lets operators look into a running tree
// from another process: snapshots and a live event stream over CAF io, for
// supervise-top or any inspector speaking inspection_protocol.hpp.
//
// One `inspection` object is both halves, wired once:
//  - an observer (observer.hpp): attached to tree_options::observers (or
//    spec::observers) it sees every event and state change of the whole
//    tree, nested supervisors included, and keeps the last `buffer` of them
//    while anyone follows (nothing is recorded while nobody does);
//  - a runnable, endpoint(): run it as a node of the tree (or anywhere) and
//    it serves the tree on `address:port` (published_server.hpp: loopback
//    and an ephemeral port by default, re-bound on restart).
//
//   auto insp = supervise::actors::make_inspection({});
//   supervise::tree_options opts;
//   opts.observers = {insp};
//   supervise::tree t{sys, [insp](caf::event_based_actor*, supervise::context& ctx) {
//     supervise::run(ctx, "inspect", insp->endpoint());
//     ...
//   }, opts};
//
// Security defaults: bound to 127.0.0.1; read-only (the protocol has no
// request that changes anything); with `tls` mutual TLS through CAF's
// openssl module (the system's openssl.* identity, checked as
// prepare_distribution does: an inspector without a certificate of the
// configured CA is refused in the handshake).
// A slow inspector never slows the tree: engines only append to a bounded
// ring (one lock, no message, no formatting); an inspector that falls
// behind skips ahead and is told how many events it missed, and one that
// stops asking is dropped after `stall_timeout`. Snapshots are taken inside
// the engines (names.hpp) at most once per `snapshot_max_age`, whatever the
// number of inspectors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/error.hpp>

#include "supervise/actors/published_server.hpp"
#include "supervise/observer.hpp"
#include "supervise/runnable.hpp"

namespace supervise::actors {

/// What an inspection serves and how; validate() checks it.
struct inspection_options {
  /// DN of the subtree served; empty: the top of the tree the endpoint runs
  /// in (the first label of its own DN).
  std::string root;
  /// Address to bind: loopback unless given. Must not be empty.
  std::string address = "127.0.0.1";
  /// TCP port, 0..65535; 0: ephemeral (kept across restarts).
  int port = 0;
  /// Mutual TLS (caf::openssl::publish) with the system's openssl.* files;
  /// the system must have loaded caf::openssl::manager (prepare_distribution
  /// does), else the endpoint fails with actors_errc::bind_failed.
  bool tls = false;
  /// Events kept for followers, >= 1: an inspector further behind skips
  /// ahead and is told how many it missed.
  size_t buffer = 4096;
  /// Most events in one reply, >= 1. With follow_interval, what a follower
  /// can get: 128 per 50 ms is 2,560 events a second, more than anyone
  /// reads; the rest of a storm is counted as dropped.
  size_t batch = 128;
  /// A follower gets at most one reply with events per interval (the first
  /// after a quiet spell at once): in a restart storm each inspector costs
  /// at most `batch` events per interval, and skips the rest (counted).
  /// >= 0.
  std::chrono::nanoseconds follow_interval = std::chrono::milliseconds(50);
  /// A follower that has not asked for this long is dropped; > 0.
  std::chrono::nanoseconds stall_timeout = std::chrono::seconds(5);
  /// Inspectors asking within this share one snapshot (inspectors that each
  /// ask every 100 ms cost one snapshot per 100 ms); >= 0.
  std::chrono::nanoseconds snapshot_max_age = std::chrono::milliseconds(100);
  /// Optional: the bound port (published_endpoint::wait_listening()).
  std::shared_ptr<published_endpoint> endpoint;
};

/// None when `x` is usable; else errc::invalid_option naming every bad
/// field and its value (empty address, port outside 0..65535, buffer or
/// batch 0, stall_timeout <= 0, snapshot_max_age or follow_interval < 0).
caf::error validate(const inspection_options& x);

namespace detail {
struct inspection_core;
} // namespace detail

/// The observer and the endpoint of one inspected tree (see the top of
/// this file). Create it with make_inspection(); thread-safe.
class inspection final : public supervise::observer {
public:
  /// Use make_inspection().
  explicit inspection(inspection_options opts);
  ~inspection() override;

  /// The runnable serving this inspection (event-based, published_server
  /// underneath). Run it once at a time; every call returns the same one.
  runnable endpoint() const;

  /// Followers now (inspectors following the event stream).
  size_t followers() const noexcept;
  /// Followers dropped since creation for not asking within stall_timeout.
  uint64_t dropped_followers() const noexcept;
  /// Events recorded since creation (only while someone followed).
  uint64_t recorded() const noexcept;

  /// observer: records `ev` while anyone follows. Engine threads.
  void on_event(const event& ev) override;
  /// observer: records the state change while anyone follows.
  void on_state(const std::string& dn, node_state s) override;

private:
  std::shared_ptr<detail::inspection_core> core_;
  runnable endpoint_;
};

/// A new inspection. Throws std::invalid_argument with validate()'s text
/// when `opts` are bad.
std::shared_ptr<inspection> make_inspection(inspection_options opts);

} // namespace supervise::actors
