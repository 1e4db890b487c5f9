// tree_rows.hpp — the live view's tree pane as rows of columns: per
// endpoint a header, then its (filtered) nodes indented, with the times
// that run between snapshots (uptime, a restart countdown) advanced on the
// local clock. Pure: the screen only draws these.
#pragma once

#include <string>
#include <vector>

#include "dn_filter.hpp"
#include "live_model.hpp"

namespace supervise::top {

/// One row of the tree pane.
struct tree_row {
  enum class kind {
    endpoint, ///< an endpoint's header: `text`; `lost` when not connected
    node,     ///< a node: the columns below
    note,     ///< a line of text under an endpoint ("no node matches")
  };
  kind what = kind::node;
  std::string text;
  /// An endpoint's header or node while its connection is lost: the node
  /// is shown as last seen, its times no longer running.
  bool lost = false;
  // A node's columns.
  std::string name; ///< its last DN label, indented two spaces per depth
  node_state state = node_state::new_;
  std::string restarts; ///< count
  std::string rate;     ///< restarts per second, "-" when none
  std::string up;       ///< uptime, "-" without a running incarnation
  std::string detail;   ///< restart countdown, accounting, location, last exit
};

/// The rows of `view` at local time `now`.
std::vector<tree_row> tree_rows(const live_view& view, const dn_filter& filter, steady_time now);

/// A duration the way the view shows it: "850ms", "12.3s", "5m03s",
/// "2h04m", "3d04h".
std::string short_duration(std::chrono::nanoseconds d);

} // namespace supervise::top
