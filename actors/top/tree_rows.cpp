// tree_rows.cpp — formatting snapshot nodes for the live view.
#include "tree_rows.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace supervise::top {

namespace {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

std::string last_label(const std::string& dn) {
  auto dot = dn.rfind('.');
  return dot == std::string::npos ? dn : dn.substr(dot + 1);
}

// A snapshot's field that keeps running: the current incarnation's uptime.
bool running(const node_info& n) {
  return n.actor != 0 && (n.state == node_state::healthy || n.state == node_state::new_);
}

std::string header_of(const endpoint_view& e, steady_time now) {
  auto text = e.address;
  if (!e.root.empty())
    text += "  [" + e.root + "]";
  if (!e.lost.empty()) {
    auto why = e.lost;
    if (why.rfind(e.address + ": ", 0) == 0)
      why.erase(0, e.address.size() + 2);
    return text + "  LOST: " + why + " (retrying; the tree as last seen)";
  }
  if (!e.connected && !e.snap)
    return text + "  connecting...";
  if (e.snap) {
    text += fmt::format("  {} nodes  snapshot {} ago", e.snap->nodes.size(),
                        short_duration(now - e.received));
  }
  if (e.dropped != 0)
    text += fmt::format("  dropped {} events", e.dropped);
  return text;
}

std::string detail_of(const node_info& n, nanoseconds since) {
  std::string out;
  auto add = [&](std::string s) {
    if (!out.empty())
      out += "  ";
    out += std::move(s);
  };
  if (n.restart_in)
    add("restart in " + short_duration(std::max(nanoseconds{0}, *n.restart_in - since)));
  if (auto& a = n.accounting) {
    add(fmt::format("failures {:.2f}/{:g}{}", a->failures, a->threshold,
                    a->paused ? " (paused)" : ""));
    if (a->max_restarts)
      add(fmt::format("intensity {}/{} in {}", a->restarts_in_period, *a->max_restarts,
                      short_duration(a->period)));
  }
  if (!n.location.empty())
    add("at " + n.location);
  if (!n.last_exit.empty())
    add("last exit: " + n.last_exit);
  return out;
}

} // namespace

std::string short_duration(nanoseconds d) {
  using namespace std::chrono;
  if (d < nanoseconds{0})
    d = nanoseconds{0};
  if (d < seconds(1))
    return fmt::format("{}ms", duration_cast<milliseconds>(d).count());
  if (d < minutes(1))
    return fmt::format("{:.1f}s", duration<double>(d).count());
  auto s = duration_cast<seconds>(d).count();
  if (d < hours(1))
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (d < hours(24))
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

std::vector<tree_row> tree_rows(const live_view& view, const dn_filter& filter, steady_time now) {
  std::vector<tree_row> rows;
  for (auto& e : view.endpoints) {
    tree_row h;
    h.what = tree_row::kind::endpoint;
    h.text = header_of(e, now);
    h.lost = !e.lost.empty();
    rows.push_back(std::move(h));
    if (!e.snap)
      continue;
    bool lost = !e.lost.empty();
    // Times run on between snapshots, not after the connection was lost.
    auto since = lost ? nanoseconds{0} : duration_cast<nanoseconds>(now - e.received);
    auto shown = filter.shown(e.snap->nodes);
    bool any = false;
    for (size_t i = 0; i < e.snap->nodes.size(); ++i) {
      if (!shown[i])
        continue;
      any = true;
      auto& n = e.snap->nodes[i];
      tree_row r;
      r.lost = lost;
      r.name = std::string(static_cast<size_t>(std::max(n.depth, 0)) * 2, ' ') + last_label(n.dn);
      r.state = n.state;
      r.restarts = std::to_string(n.restarts);
      double rate = i < e.rates.size() ? e.rates[i] : 0.0;
      r.rate = rate > 0 ? fmt::format("{:.2f}", rate) : "-";
      r.up = running(n) ? short_duration(n.uptime + since) : "-";
      r.detail = detail_of(n, since);
      rows.push_back(std::move(r));
    }
    if (!any) {
      tree_row note;
      note.what = tree_row::kind::note;
      note.text = e.snap->nodes.empty() ? "  (no nodes)"
                                        : "  (no node matches '" + filter.pattern() + "')";
      rows.push_back(std::move(note));
    }
  }
  return rows;
}

} // namespace supervise::top
