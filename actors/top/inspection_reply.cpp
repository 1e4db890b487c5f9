// inspection_reply.cpp — reading the endpoint's JSON with nlohmann-json.
#include "inspection_reply.hpp"

#include <chrono>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace supervise::top {

namespace {

// Ordered: a node's JSON is passed on (--json) with its fields as sent.
using json = nlohmann::ordered_json;

json parsed(const std::string& text, const char* what) {
  try {
    auto j = json::parse(text);
    if (!j.is_object())
      throw std::runtime_error(fmt::format("the {} reply is not a JSON object", what));
    return j;
  } catch (const json::parse_error& e) {
    throw std::runtime_error(fmt::format("the {} reply is not JSON: {}", what, e.what()));
  }
}

// The field `key` of `j` as T; a missing field or the wrong type throws
// naming the field.
template <class T>
T field(const json& j, const char* key, const char* what) {
  auto i = j.find(key);
  if (i == j.end())
    throw std::runtime_error(fmt::format("the {} has no field \"{}\"", what, key));
  try {
    return i->get<T>();
  } catch (const json::exception&) {
    throw std::runtime_error(
      fmt::format("the {}'s field \"{}\" has the wrong type: {}", what, key, i->dump()));
  }
}

// As field(), with `fallback` for a missing or null field.
template <class T>
T optional_field(const json& j, const char* key, const char* what, T fallback) {
  auto i = j.find(key);
  if (i == j.end() || i->is_null())
    return fallback;
  return field<T>(j, key, what);
}

std::chrono::nanoseconds nanos(int64_t x) {
  return std::chrono::nanoseconds{x};
}

node_info node_from(const json& j) {
  const char* what = "snapshot node";
  if (!j.is_object())
    throw std::runtime_error(fmt::format("a snapshot node is not an object: {}", j.dump()));
  node_info n;
  n.dn = field<std::string>(j, "dn", what);
  n.depth = field<int>(j, "depth", what);
  n.state = state_named(field<std::string>(j, "state", what));
  n.restarts = optional_field<uint64_t>(j, "restarts", what, 0);
  n.incarnation = optional_field<uint64_t>(j, "incarnation", what, 0);
  n.uptime = nanos(optional_field<int64_t>(j, "uptime_ns", what, 0));
  n.actor = optional_field<caf::actor_id>(j, "actor", what, 0);
  n.location = optional_field<std::string>(j, "location", what, "");
  n.last_exit = optional_field<std::string>(j, "last_exit", what, "");
  if (auto i = j.find("restart_in_ns"); i != j.end() && !i->is_null())
    n.restart_in = nanos(field<int64_t>(j, "restart_in_ns", what));
  if (auto i = j.find("accounting"); i != j.end() && !i->is_null()) {
    const char* acc = "accounting";
    failure_accounting a;
    a.failures = field<double>(*i, "failures", acc);
    if (auto t = i->find("threshold"); t != i->end() && t->is_null())
      a.threshold = std::numeric_limits<double>::infinity(); // JSON has no infinity
    else
      a.threshold = field<double>(*i, "threshold", acc);
    a.decay = nanos(optional_field<int64_t>(*i, "decay_ns", acc, 0));
    a.paused = optional_field<bool>(*i, "paused", acc, false);
    if (auto m = i->find("max_restarts"); m != i->end() && !m->is_null())
      a.max_restarts = field<size_t>(*i, "max_restarts", acc);
    a.period = nanos(optional_field<int64_t>(*i, "period_ns", acc, 0));
    a.restarts_in_period = optional_field<size_t>(*i, "restarts_in_period", acc, 0);
    n.accounting = a;
  }
  return n;
}

} // namespace

node_state state_named(const std::string& text) {
  for (auto s : {node_state::new_, node_state::healthy, node_state::dead, node_state::done,
                 node_state::canceled})
    if (text == to_string(s))
      return s;
  throw std::runtime_error(fmt::format("unknown node state \"{}\"", text));
}

hello_reply read_hello(const std::string& text) {
  auto j = parsed(text, "hello");
  return {field<int>(j, "protocol", "hello reply"),
          optional_field<std::string>(j, "root", "hello reply", "")};
}

snapshot_reply read_snapshot(const std::string& text) {
  auto j = parsed(text, "snapshot");
  snapshot_reply r;
  r.root = optional_field<std::string>(j, "root", "snapshot reply", "");
  r.taken_unix_ms = optional_field<int64_t>(j, "taken_unix_ms", "snapshot reply", 0);
  auto nodes = field<json>(j, "nodes", "snapshot reply");
  if (!nodes.is_array())
    throw std::runtime_error("the snapshot reply's \"nodes\" is not an array");
  for (auto& n : nodes) {
    r.nodes.push_back(node_from(n));
    r.node_json.push_back(n.dump());
  }
  return r;
}

follow_reply read_follow(const std::string& text) {
  auto j = parsed(text, "follow");
  const char* what = "follow reply";
  follow_reply r;
  r.next = field<uint64_t>(j, "next", what);
  r.dropped = optional_field<uint64_t>(j, "dropped", what, 0);
  auto events = field<json>(j, "events", what);
  if (!events.is_array())
    throw std::runtime_error("the follow reply's \"events\" is not an array");
  for (auto& e : events) {
    const char* ev = "event";
    inspection_event x;
    x.seq = field<uint64_t>(e, "seq", ev);
    x.unix_ms = optional_field<int64_t>(e, "unix_ms", ev, 0);
    x.kind = field<std::string>(e, "kind", ev);
    x.supervisor = optional_field<std::string>(e, "supervisor", ev, "");
    x.dn = optional_field<std::string>(e, "dn", ev, "");
    x.text = optional_field<std::string>(e, "text", ev, "");
    x.state = optional_field<std::string>(e, "state", ev, "");
    r.events.push_back(std::move(x));
  }
  return r;
}

} // namespace supervise::top
