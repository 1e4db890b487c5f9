// supervise/actors/inspection_protocol.hpp — the messages an inspection
// endpoint (inspection.hpp) answers, for inspectors such as supervise-top.
//
// Transport: CAF io. The endpoint publishes one actor on a TCP port (plain
// BASP, or BASP over mutual TLS); an inspector gets it with
// caf::io::remote_actor (caf::openssl::remote_actor for TLS) and sends the
// requests below. Every reply is one std::string holding a JSON object, so
// an inspector needs no CAF type announcements and can hand the text on.
// The protocol is read-only: no message changes the tree.
//
// Requests (atom first), and their replies:
//
//   (inspect_hello_atom)
//     {"protocol": 1, "root": "root", "read_only": true,
//      "buffer": 4096, "batch": 128, "stall_timeout_ms": 5000}
//
//   (inspect_snapshot_atom)
//     {"root": "root", "taken_unix_ms": 1765152000123,
//      "nodes": [ NODE, ... ]}          depth-first, children in start order
//     NODE: {"dn": "root.api.db", "depth": 2, "state": "HEALTHY",
//            "restarts": 3, "incarnation": 4, "uptime_ns": 1200000000,
//            "actor": 42 (0: none running),
//            and only when they are not empty (a large tree's nodes mostly
//            have none of them; absent means "" or null):
//            "location": "n1 epoch 17", "last_exit": "system::runtime_error",
//            "restart_in_ns": 1500000000 (while a restart waits on a timer),
//            "accounting": (a supervisor's)
//              {"failures": 1.5, "threshold": 5 (null: +infinity),
//               "decay_ns": 30000000000, "paused": false,
//               "max_restarts": 3 (null: no intensity limit),
//               "period_ns": 5000000000, "restarts_in_period": 1}}
//
//   (inspect_follow_atom, uint64_t after, uint32_t wait_ms)
//     The events numbered after `after` (0: from the oldest kept), at most
//     `batch` of them; when there are none yet, the reply waits up to
//     wait_ms (at most 10 s) for the first. A follower gets at most one
//     reply with events per `follow_interval` (50 ms): a request that comes
//     sooner is held until then.
//     {"events": [ EVENT, ... ], "next": 17, "dropped": 0}
//     EVENT: {"seq": 17, "unix_ms": 1765152000123, "kind": "child_failed",
//             "supervisor": "root.api", "dn": "root.api.db",
//             "text": "root.api: child root.api.db failed (...)",
//             "state": "DEAD" (state events only, kind "state")}
//     kinds: the eight of event.hpp by their type names, and "state" (a
//     state change). Pass `next` as `after` in the following request.
//     "dropped": events lost between `after` and the first one returned:
//     the endpoint keeps the last `buffer` events only, and a follower that
//     fell further behind skips ahead (it is never waited for).
//     A follower is named by its actor (send requests from one actor). One
//     that has not asked for `stall_timeout` is dropped; its next follow
//     request gets the error actors_errc::inspector_dropped, and the one
//     after that starts a new follower.
//
// Errors: a request while the endpoint stops gets actors_errc::not_running.
#pragma once

#include <cstdint>

#include <caf/atom.hpp>

namespace supervise::actors {

/// The protocol version hello reports.
constexpr int inspection_protocol_version = 1;

/// (inspect_hello_atom) -> the endpoint's hello JSON (see above).
using inspect_hello_atom = caf::atom_constant<caf::atom("sv_ihello")>;
/// (inspect_snapshot_atom) -> a snapshot JSON of the served subtree.
using inspect_snapshot_atom = caf::atom_constant<caf::atom("sv_isnap")>;
/// (inspect_follow_atom, uint64_t after, uint32_t wait_ms) -> an event batch JSON.
using inspect_follow_atom = caf::atom_constant<caf::atom("sv_ifollow")>;

/// The longest a follow request waits for its first event.
constexpr uint32_t longest_follow_wait_ms = 10000;

} // namespace supervise::actors
