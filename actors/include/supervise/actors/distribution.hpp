// supervise/actors/distribution.hpp — what a process needs before it takes
// part in supervision across nodes: CAF's middleman (and openssl) module,
// heartbeats that detect a hung peer, and a usable TLS identity.
//
// CAF 0.17 detects a peer that is hung (SIGSTOP) or cut off by a silent
// partition only when both middleman.heartbeat-interval and
// middleman.connection-timeout are set, and both default to 0 (off): its
// proxies then never fail. And its connection-timeout sweep also cuts a
// connection still in its handshake at the next heartbeat tick, so a TLS
// connect must finish within one heartbeat interval (measured on loopback:
// 15 of 15 TLS connects fail at 10 ms, none at 50 ms). prepare_distribution()
// sets the pair and refuses values that cannot work.
//
// Settings: LAN (the defaults) 100 ms / 500 ms: a hung peer is lost after
// about 0.5 s. WAN: e.g. 1 s / 5 s (a slower handshake, fewer false losses).
#pragma once

#include <chrono>
#include <cstddef>

#include <caf/error.hpp>
#include <caf/fwd.hpp>

namespace supervise::actors {

/// How a process takes part in distribution.
struct distribution_options {
  /// middleman.heartbeat-interval: how often each connection is probed. At
  /// least 50 ms: a (TLS) handshake must finish within one interval.
  std::chrono::nanoseconds heartbeat_interval = std::chrono::milliseconds(100);
  /// middleman.connection-timeout: a peer silent this long is lost (every
  /// proxy of it fails with remote_link_unreachable). At least two heartbeat
  /// intervals.
  std::chrono::nanoseconds connection_timeout = std::chrono::milliseconds(500);
  /// Plain BASP instead of mutual TLS: anyone who reaches a port can talk to
  /// the node, CAF's spawn server included. Off by default; say so to use it.
  bool insecure = false;
  /// middleman.workers: threads that deserialize incoming remote messages.
  /// 0 (here; CAF's own default is min(3, cores / 4) + 1): CAF's I/O thread
  /// deserializes them, and the lease agent and desk run on that thread
  /// too, so lease renewals wake no scheduler worker. That matters on an
  /// idle node: after each job CAF's work-stealing workers poll 500 times
  /// with 50 us sleeps before they sleep, and the 8 lease messages per
  /// second of a node pair (lease 500 ms) then cost about a quarter of a
  /// core (bench row leases, 2 vCPUs; well under 1 % with 0). Raise it for
  /// a node whose remote messages are large or many.
  size_t middleman_workers = 0;
};

/// None when `x` can work; else supervise's errc::invalid_option naming
/// every bad field and its value ("heartbeat_interval = 10ms: must be >= 50ms
/// (a TLS handshake must finish within one heartbeat)").
caf::error validate(const distribution_options& x);

/// Makes `cfg` ready for distribution; call before the actor_system is built
/// from it, once. Loads CAF's middleman module and, unless `opts.insecure`,
/// its openssl module; sets middleman.heartbeat-interval and
/// middleman.connection-timeout from `opts`, except where `cfg` has a value
/// already (from the command line or an INI file: it wins), and
/// middleman.workers (the same rule); checks the pair
/// (errc::invalid_option naming the key and the value) and, unless insecure,
/// the openssl.* files (actors_errc::tls_files naming the file, see
/// tls_files.hpp). On an error `cfg` may be half prepared: do not use it.
caf::error prepare_distribution(caf::actor_system_config& cfg, distribution_options opts = {});

} // namespace supervise::actors
