// inspection/inspection_json.cpp — snapshots and events as JSON.
#include "inspection/inspection_json.hpp"

#include <nlohmann/json.hpp>

#include "supervise/actors/inspection_protocol.hpp"

namespace supervise::actors::detail {

namespace {

using nlohmann::json;

json node_json(const node_info& n) {
  json x = {{"dn", n.dn},
            {"depth", n.depth},
            {"state", to_string(n.state)},
            {"restarts", n.restarts},
            {"incarnation", n.incarnation},
            {"uptime_ns", n.uptime.count()},
            {"actor", n.actor},
            {"location", n.location},
            {"last_exit", n.last_exit},
            {"restart_in_ns", nullptr},
            {"accounting", nullptr}};
  if (n.restart_in)
    x["restart_in_ns"] = n.restart_in->count();
  if (auto& a = n.accounting) {
    x["accounting"] = {{"failures", a->failures},
                       {"threshold", a->threshold},
                       {"decay_ns", a->decay.count()},
                       {"paused", a->paused},
                       {"max_restarts", nullptr},
                       {"period_ns", a->period.count()},
                       {"restarts_in_period", a->restarts_in_period}};
    if (a->max_restarts)
      x["accounting"]["max_restarts"] = *a->max_restarts;
  }
  return x;
}

json event_json(const event_record& r) {
  json x = {{"seq", r.seq},
            {"unix_ms", r.unix_ms},
            {"kind", r.kind_name()},
            {"supervisor", r.supervisor},
            {"dn", r.child}};
  if (r.kind < 0) {
    x["state"] = to_string(r.state);
    x["text"] = r.child + " is " + to_string(r.state);
  } else {
    x["text"] = to_string(r.to_event());
  }
  return x;
}

} // namespace

std::string snapshot_json(const std::string& root, int64_t taken_unix_ms,
                          const std::vector<node_info>& nodes) {
  json out = {{"root", root}, {"taken_unix_ms", taken_unix_ms}, {"nodes", json::array()}};
  auto& xs = out["nodes"];
  for (auto& n : nodes)
    xs.push_back(node_json(n));
  // Replace, not throw, on bad UTF-8 in a user's reason or location text.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string events_json(const event_ring::slice& s) {
  json out = {{"events", json::array()}, {"next", s.next}, {"dropped", s.dropped}};
  auto& xs = out["events"];
  for (auto& r : s.records)
    xs.push_back(event_json(r));
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string hello_json(const std::string& root, size_t buffer, size_t batch,
                       int64_t stall_timeout_ms) {
  json out = {{"protocol", inspection_protocol_version},
              {"root", root},
              {"read_only", true},
              {"buffer", buffer},
              {"batch", batch},
              {"stall_timeout_ms", stall_timeout_ms}};
  return out.dump();
}

} // namespace supervise::actors::detail
