// inspection/inspection_json.cpp — snapshots and events as JSON.
#include "inspection/inspection_json.hpp"

#include "inspection/json_writer.hpp"
#include "supervise/actors/inspection_protocol.hpp"

namespace supervise::actors::detail {

namespace {

void write_node(json_writer& w, const node_info& n) {
  w.element();
  w.begin_object();
  w.key("dn");
  w.value(n.dn);
  w.key("depth");
  w.value(n.depth);
  w.key("state");
  w.value(to_string(n.state));
  w.key("restarts");
  w.value(n.restarts);
  w.key("incarnation");
  w.value(n.incarnation);
  w.key("uptime_ns");
  w.value(static_cast<int64_t>(n.uptime.count()));
  w.key("actor");
  w.value(static_cast<uint64_t>(n.actor));
  // Empty ones are left out: most nodes of a large tree have none of these.
  if (!n.location.empty()) {
    w.key("location");
    w.value(n.location);
  }
  if (!n.last_exit.empty()) {
    w.key("last_exit");
    w.value(n.last_exit);
  }
  if (n.restart_in) {
    w.key("restart_in_ns");
    w.value(static_cast<int64_t>(n.restart_in->count()));
  }
  if (auto& a = n.accounting) {
    w.key("accounting");
    w.begin_object();
    w.key("failures");
    w.value(a->failures);
    w.key("threshold");
    w.value(a->threshold);
    w.key("decay_ns");
    w.value(static_cast<int64_t>(a->decay.count()));
    w.key("paused");
    w.value(a->paused);
    w.key("max_restarts");
    if (a->max_restarts)
      w.value(static_cast<uint64_t>(*a->max_restarts));
    else
      w.null();
    w.key("period_ns");
    w.value(static_cast<int64_t>(a->period.count()));
    w.key("restarts_in_period");
    w.value(static_cast<uint64_t>(a->restarts_in_period));
    w.end_object();
  }
  w.end_object();
}

void write_event(json_writer& w, const event_record& r) {
  w.element();
  w.begin_object();
  w.key("seq");
  w.value(r.seq);
  w.key("unix_ms");
  w.value(r.unix_ms);
  w.key("kind");
  w.value(r.kind_name());
  w.key("supervisor");
  w.value(r.supervisor);
  w.key("dn");
  w.value(r.child);
  if (r.kind < 0) {
    w.key("state");
    w.value(to_string(r.state));
    w.key("text");
    w.value(r.child + " is " + to_string(r.state));
  } else {
    w.key("text");
    w.value(to_string(r.to_event()));
  }
  w.end_object();
}

} // namespace

std::string snapshot_json(const std::string& root, int64_t taken_unix_ms,
                          const std::vector<node_info>& nodes) {
  json_writer w;
  w.begin_object();
  w.key("root");
  w.value(root);
  w.key("taken_unix_ms");
  w.value(taken_unix_ms);
  w.key("nodes");
  w.begin_array();
  for (auto& n : nodes)
    write_node(w, n);
  w.end_array();
  w.end_object();
  return w.take();
}

std::string events_json(const event_ring::slice& s) {
  json_writer w;
  w.begin_object();
  w.key("events");
  w.begin_array();
  for (auto& r : s.records)
    write_event(w, r);
  w.end_array();
  w.key("next");
  w.value(s.next);
  w.key("dropped");
  w.value(s.dropped);
  w.end_object();
  return w.take();
}

std::string hello_json(const std::string& root, size_t buffer, size_t batch,
                       int64_t stall_timeout_ms) {
  json_writer w;
  w.begin_object();
  w.key("protocol");
  w.value(inspection_protocol_version);
  w.key("root");
  w.value(root);
  w.key("read_only");
  w.value(true);
  w.key("buffer");
  w.value(static_cast<uint64_t>(buffer));
  w.key("batch");
  w.value(static_cast<uint64_t>(batch));
  w.key("stall_timeout_ms");
  w.value(stall_timeout_ms);
  w.end_object();
  return w.take();
}

} // namespace supervise::actors::detail
