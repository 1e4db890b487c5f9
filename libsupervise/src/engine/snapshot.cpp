// engine/snapshot.cpp — what an engine shows of itself: its nodes as
// names.hpp's node_info, taken in one handler so they agree with each other.
#include "engine/engine.hpp"

#include <caf/all.hpp>

#include "engine/events.hpp"
#include "supervise/errc.hpp"

namespace supervise::detail::core {

namespace {

bool at_or_below(const std::string& dn, const std::string& root_dn) {
  return dn.size() >= root_dn.size() && dn.compare(0, root_dn.size(), root_dn) == 0
         && (dn.size() == root_dn.size() || dn[root_dn.size()] == '.');
}

// A supervisor's accounting now: the counter decayed, the window counted.
failure_accounting accounting_of(const engine& e, caf::actor_clock::time_point t) {
  auto& sp = e.reg->sp;
  failure_accounting a;
  a.failures = e.counters.failures.value_at(t, sp.failure_decay);
  a.threshold = sp.failure_threshold;
  a.decay = sp.failure_decay;
  a.paused = e.counters.paused;
  if (auto& w = e.counters.intensity) {
    a.max_restarts = w->max_restarts();
    a.period = w->period();
    a.restarts_in_period = w->in_window(t);
  }
  return a;
}

// Time left on a waiting node's restart timer: its own backoff (a tree
// node), or the supervisor's pause (a service held by it).
std::optional<std::chrono::nanoseconds> restart_in(const engine& e, const node& n,
                                                  caf::actor_clock::time_point t) {
  if (!n.waiting())
    return std::nullopt;
  caf::actor_clock::time_point at{};
  if (n.entry) {
    if (!e.counters.paused)
      return std::nullopt;
    at = e.pause_ends;
  } else if (auto h = e.histories.find(n.id); h != e.histories.end()) {
    at = h->second.restart_at;
  } else {
    return std::nullopt;
  }
  return std::max(std::chrono::nanoseconds{0}, std::chrono::nanoseconds{at - t});
}

// The nodes at or below `root_dn`, with what only the engine knows; the
// published part (state, actor, uptime, location) is filled in below.
void describe_node(const engine& e, const node& n, const std::string& root_dn,
                   caf::actor_clock::time_point t, std::vector<const node*>& seen,
                   std::vector<node_info>& out) {
  if (at_or_below(n.dn, root_dn)) {
    node_info x;
    x.dn = n.dn;
    x.incarnation = n.number;
    if (auto h = e.histories.find(n.id); h != e.histories.end())
      x.last_exit = h->second.last_exit ? render(h->second.last_exit) : "normal";
    x.restart_in = restart_in(e, n, t);
    if (&n == e.root.get() && e.is_supervisor())
      x.accounting = accounting_of(e, t);
    seen.push_back(&n);
    out.push_back(std::move(x));
  }
  for (auto& c : n.children())
    if (at_or_below(c->dn, root_dn) || at_or_below(root_dn, c->dn))
      describe_node(e, *c, root_dn, t, seen, out);
}

} // namespace

std::vector<node_info> describe(engine& e, const std::string& root_dn) {
  std::vector<node_info> all;
  if (!e.root)
    return all;
  auto t = e.self->clock().now();
  std::vector<const node*> seen;
  describe_node(e, *e.root, root_dn, t, seen, all);
  // What the engine published (name table rows: only this engine writes
  // these DNs, so under one lock they agree with the rest; a hosted
  // supervisor's top is its host's row): the state as on_state last
  // reported it (DEAD while a backoff runs, not the NEW the node is reset
  // to), the actor, uptime and location. A node the table no longer lists
  // (a service on its way out) is left out, except a supervisor's top: it
  // carries the accounting, for its host's row (marked: it has no other).
  std::vector<node_info> out;
  std::vector<std::function<std::string()>> locations;
  {
    std::lock_guard<std::mutex> guard{e.names->mtx};
    for (size_t i = 0; i < all.size(); ++i) {
      auto& x = all[i];
      auto r = e.names->rows.find(x.dn);
      if (r == e.names->rows.end()) {
        if (seen[i] == e.root.get() && e.is_supervisor()) {
          x.depth = unlisted_top; // for snapshot()'s merge only
          out.push_back(std::move(x));
          locations.emplace_back();
        }
        continue;
      }
      auto& row = r->second;
      x.state = row.state;
      x.restarts = row.restarts;
      if (row.actor) {
        x.actor = row.actor.id();
        x.uptime = t - row.since;
      }
      auto l = e.names->locations.find(x.dn);
      locations.push_back(l == e.names->locations.end() ? nullptr : l->second);
      out.push_back(std::move(x));
    }
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (locations[i]) {
      try { // a location function that throws shows as "?"
        out[i].location = locations[i]();
      } catch (...) {
        out[i].location = "?";
      }
    }
  return out;
}

void list_engine(engine& e) {
  std::weak_ptr<engine> weak = e.shared_from_this();
  auto top = e.root->dn;
  name_table::engine_entry x;
  x.owner = &e;
  x.actor = caf::actor{e.self};
  x.describe = [weak](const std::string& root_dn) {
    auto ep = weak.lock();
    return ep ? describe(*ep, root_dn) : std::vector<node_info>{};
  };
  e.names->add_engine(top, std::move(x));
  e.self->attach_functor([names = e.names, top, owner = &e] { names->remove_engine(top, owner); });
}

} // namespace supervise::detail::core
