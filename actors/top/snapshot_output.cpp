// snapshot_output.cpp — text, JSON and DOT forms of endpoint snapshots.
#include "snapshot_output.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace supervise::top {

namespace {

// The last label of a DN: "db" for "root.api.db".
std::string name_of(const std::string& dn) {
  auto dot = dn.rfind('.');
  return dot == std::string::npos ? dn : dn.substr(dot + 1);
}

const char* fill_of(node_state s) {
  switch (s) {
    case node_state::healthy: return "palegreen";
    case node_state::dead: return "salmon";
    case node_state::done: return "lightblue";
    case node_state::canceled: return "lightgrey";
    case node_state::new_: break;
  }
  return "lightyellow";
}

// A DOT string literal's content: quotes and backslashes escaped.
std::string dot_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

std::vector<node_info> shown_nodes(const snapshot_reply& snap, const dn_filter& filter) {
  auto shown = filter.shown(snap.nodes);
  std::vector<node_info> out;
  for (size_t i = 0; i < snap.nodes.size(); ++i)
    if (shown[i])
      out.push_back(snap.nodes[i]);
  return out;
}

std::string snapshot_text(const std::vector<endpoint_snapshot>& xs, const dn_filter& filter) {
  std::string out;
  for (auto& x : xs) {
    if (xs.size() > 1)
      out += fmt::format("== {} root={}\n", x.endpoint, x.snap.root);
    out += render_text(shown_nodes(x.snap, filter));
    if (xs.size() > 1)
      out += "\n";
  }
  return out;
}

std::string snapshot_json(const std::vector<endpoint_snapshot>& xs, const dn_filter& filter) {
  auto doc = nlohmann::ordered_json::array();
  for (auto& x : xs) {
    auto nodes = nlohmann::ordered_json::array();
    auto shown = filter.shown(x.snap.nodes);
    for (size_t i = 0; i < x.snap.nodes.size(); ++i)
      if (shown[i])
        nodes.push_back(nlohmann::ordered_json::parse(x.snap.node_json[i]));
    doc.push_back({{"endpoint", x.endpoint},
                   {"root", x.snap.root},
                   {"taken_unix_ms", x.snap.taken_unix_ms},
                   {"nodes", std::move(nodes)}});
  }
  return doc.dump(2) + "\n";
}

std::string snapshot_dot(const std::vector<endpoint_snapshot>& xs, const dn_filter& filter) {
  bool clusters = xs.size() > 1;
  std::string out = "digraph supervision {\n  node [shape=box, style=filled];\n";
  for (size_t e = 0; e < xs.size(); ++e) {
    auto& x = xs[e];
    // With several endpoints DNs repeat ("root"): ids carry the endpoint.
    auto id = [&](const std::string& dn) {
      return clusters ? x.endpoint + " " + dn : dn;
    };
    std::string indent = clusters ? "    " : "  ";
    if (clusters)
      out += fmt::format("  subgraph \"cluster_{}\" {{\n    label=\"{}\";\n", e,
                         dot_escaped(x.endpoint));
    auto nodes = shown_nodes(x.snap, filter);
    for (auto& n : nodes) {
      auto label = fmt::format("{}\\n{} r={}", name_of(n.dn), to_string(n.state), n.restarts);
      if (!n.location.empty())
        label += "\\nat " + dot_escaped(n.location);
      out += fmt::format("{}\"{}\" [label=\"{}\", fillcolor={}];\n", indent, dot_escaped(id(n.dn)),
                         label, fill_of(n.state));
    }
    for (auto& n : nodes) {
      auto dot = n.dn.rfind('.');
      if (dot == std::string::npos || n.depth == 0)
        continue;
      out += fmt::format("{}\"{}\" -> \"{}\";\n", indent, dot_escaped(id(n.dn.substr(0, dot))),
                         dot_escaped(id(n.dn)));
    }
    if (clusters)
      out += "  }\n";
  }
  out += "}\n";
  return out;
}

} // namespace supervise::top
