// inspection_reply.hpp — the JSON replies of an inspection endpoint
// (supervise/actors/inspection_protocol.hpp), read into plain structs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervise/names.hpp"

namespace supervise::top {

/// The reply to inspect_hello_atom.
struct hello_reply {
  int protocol = 0;
  std::string root;
};

/// The reply to inspect_snapshot_atom.
struct snapshot_reply {
  std::string root;
  int64_t taken_unix_ms = 0;
  /// Depth-first, children in start order, as the endpoint sent them.
  std::vector<node_info> nodes;
  /// Each node's JSON object as received, parallel to `nodes` (--json passes
  /// them on unchanged, fields this program does not know included).
  std::vector<std::string> node_json;
};

/// One event of a follow reply.
struct inspection_event {
  uint64_t seq = 0;
  int64_t unix_ms = 0;
  std::string kind;       ///< an event type name, or "state"
  std::string supervisor; ///< DN of the supervisor that reported it
  std::string dn;         ///< DN of the child ("" for supervisor events)
  std::string text;       ///< the event as one line
  std::string state;      ///< the new state, for kind "state"; else ""
};

/// The reply to inspect_follow_atom.
struct follow_reply {
  std::vector<inspection_event> events;
  uint64_t next = 0;    ///< pass as `after` in the following request
  uint64_t dropped = 0; ///< events lost before the first one returned
};

// Each throws std::runtime_error saying what is wrong with `json` (not JSON,
// a missing field, a field of the wrong type, an unknown state).
hello_reply read_hello(const std::string& json);
snapshot_reply read_snapshot(const std::string& json);
follow_reply read_follow(const std::string& json);

/// The state named by to_string(node_state), e.g. "HEALTHY"; throws
/// std::runtime_error for another text.
node_state state_named(const std::string& text);

} // namespace supervise::top
