// snapshot_output.hpp — snapshots of one or more endpoints as text (the
// library's render_text per endpoint), one JSON document, or one Graphviz
// digraph: what --once prints, and the tree that the piped mode prints
// first.
#pragma once

#include <string>
#include <vector>

#include "dn_filter.hpp"
#include "inspection_reply.hpp"

namespace supervise::top {

/// One endpoint's snapshot, as named on the command line.
struct endpoint_snapshot {
  std::string endpoint; ///< "host:port"
  snapshot_reply snap;
};

/// render_text (names.hpp) of each endpoint's shown nodes; with several
/// endpoints each is preceded by a line "== host:port root=<dn>" and
/// followed by an empty line.
std::string snapshot_text(const std::vector<endpoint_snapshot>& xs, const dn_filter& filter);

/// A JSON array, one object per endpoint: {"endpoint": "host:port", "root":
/// ..., "taken_unix_ms": ..., "nodes": [...]}, the nodes as the endpoint sent
/// them.
std::string snapshot_json(const std::vector<endpoint_snapshot>& xs, const dn_filter& filter);

/// A Graphviz digraph: a box per node (name, state, restarts, location;
/// filled by state) and an edge from each parent; one cluster per endpoint
/// when there are several.
std::string snapshot_dot(const std::vector<endpoint_snapshot>& xs, const dn_filter& filter);

/// The shown nodes of `snap` (all without a filter).
std::vector<node_info> shown_nodes(const snapshot_reply& snap, const dn_filter& filter);

} // namespace supervise::top
