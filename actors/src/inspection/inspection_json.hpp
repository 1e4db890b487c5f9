// inspection/inspection_json.hpp (private) — the JSON texts of the
// inspection protocol (inspection_protocol.hpp): snapshots and event
// batches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "inspection/event_ring.hpp"
#include "supervise/names.hpp"

namespace supervise::actors::detail {

/// {"root": ..., "taken_unix_ms": ..., "nodes": [...]}
std::string snapshot_json(const std::string& root, int64_t taken_unix_ms,
                          const std::vector<node_info>& nodes);

/// {"events": [...], "next": ..., "dropped": ...}
std::string events_json(const event_ring::slice& s);

/// {"protocol": 1, "root": ..., "read_only": true, ...}
std::string hello_json(const std::string& root, size_t buffer, size_t batch,
                       int64_t stall_timeout_ms);

} // namespace supervise::actors::detail
