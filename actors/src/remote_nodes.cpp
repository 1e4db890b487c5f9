#include "supervise/actors/remote_nodes.hpp"

#include <iterator>

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <fmt/format.h>

#include "desk/node_table.hpp"
#include "detail/protocol.hpp"
#include "supervise/metrics.hpp"

namespace supervise::actors {

std::vector<remote_node> remote_nodes(caf::actor_system& sys) {
  auto now = detail::steady_ns(sys.clock().now());
  std::vector<remote_node> out;
  for (auto& s : detail::node_table::of(sys)->all()) {
    remote_node n;
    n.name = s->name;
    n.address = s->address;
    n.connected = s->connected.load();
    n.quarantined_for = std::chrono::nanoseconds{std::max<int64_t>(0, s->quarantined_until - now)};
    n.children = s->children.load();
    n.load = s->load.load();
    if (auto t = s->last_grant.load(); t != 0)
      n.lease_age = std::chrono::nanoseconds{std::max<int64_t>(0, now - t)};
    n.grants = s->grants.load();
    out.push_back(std::move(n));
  }
  return out;
}

std::string to_prometheus(const std::vector<remote_node>& nodes) {
  std::string out;
  auto it = std::back_inserter(out);
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (auto& n : nodes)
      if (auto v = value(n))
        fmt::format_to(it, "{}{{node=\"{}\",address=\"{}\"}} {}\n", name,
                       escape_label_value(n.name), escape_label_value(n.address), *v);
  };
  auto seconds = [](std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); };
  family("supervise_remote_node_connected", "gauge", "1 while a connection to the node's agent is up.",
         [](const remote_node& n) { return std::optional<double>{n.connected ? 1 : 0}; });
  family("supervise_remote_node_quarantined_seconds", "gauge",
         "How long placement still skips the node.",
         [&](const remote_node& n) { return std::optional<double>{seconds(n.quarantined_for)}; });
  family("supervise_remote_node_children", "gauge", "Children of this process placed on the node.",
         [](const remote_node& n) { return std::optional<double>(static_cast<double>(n.children)); });
  family("supervise_remote_node_load", "gauge", "Children the node's agent runs, as last reported.",
         [](const remote_node& n) { return std::optional<double>(static_cast<double>(n.load)); });
  family("supervise_remote_node_lease_age_seconds", "gauge",
         "Time since the last lease grant went out to the node.", [&](const remote_node& n) {
           return n.lease_age ? std::optional<double>{seconds(*n.lease_age)} : std::nullopt;
         });
  family("supervise_remote_node_grants_total", "counter", "Lease renewals answered.",
         [](const remote_node& n) { return std::optional<double>(static_cast<double>(n.grants)); });
  return out;
}

} // namespace supervise::actors
