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

// One walk of the engine's nodes at or below `root_dn`, with the name
// table's lock held (the caller's): what only the engine knows, and what it
// published (name table rows: only this engine writes these DNs, so they
// agree with the rest; a hosted supervisor's top is its host's row): the
// state as on_state last reported it (DEAD while a backoff runs, not the NEW
// the node is reset to), the actor and uptime. A node the table no longer
// lists (a service on its way out) is left out, except a supervisor's top:
// it carries the accounting, for its host's row (marked: it has no other).
// Location functions are collected, to be called without the lock.
struct walk {
  const engine& e;
  const std::string& root_dn;
  caf::actor_clock::time_point t;
  std::vector<node_info>& out;
  std::vector<std::pair<size_t, std::function<std::string()>>>& locations;

  void visit(const node& n) {
    if (at_or_below(n.dn, root_dn))
      add(n);
    for (auto& c : n.children())
      if (at_or_below(c->dn, root_dn) || at_or_below(root_dn, c->dn))
        visit(*c);
  }

  void add(const node& n) {
    auto& rows = e.names->rows;
    auto r = rows.find(n.dn);
    bool top = &n == e.root.get() && e.is_supervisor();
    if (r == rows.end() && !top)
      return;
    auto& x = out.emplace_back();
    x.dn = n.dn;
    x.incarnation = n.number;
    if (auto h = e.histories.find(n.id); h != e.histories.end())
      x.last_exit = h->second.last_exit ? render(h->second.last_exit) : "normal";
    x.restart_in = restart_in(e, n, t);
    if (top)
      x.accounting = accounting_of(e, t);
    if (r == rows.end()) {
      x.depth = unlisted_top; // for snapshot()'s merge only
      return;
    }
    auto& row = r->second;
    x.state = row.state;
    x.restarts = row.restarts;
    if (row.actor) {
      x.actor = row.actor.id();
      x.uptime = t - row.since;
    }
    if (!e.names->locations.empty())
      if (auto l = e.names->locations.find(n.dn); l != e.names->locations.end())
        locations.emplace_back(out.size() - 1, l->second);
  }
};

} // namespace

std::vector<node_info> describe(engine& e, const std::string& root_dn) {
  std::vector<node_info> out;
  if (!e.root)
    return out;
  out.reserve(e.by_id.size() + 1);
  std::vector<std::pair<size_t, std::function<std::string()>>> locations;
  {
    std::lock_guard<std::mutex> guard{e.names->mtx};
    walk{e, root_dn, e.self->clock().now(), out, locations}.visit(*e.root);
  }
  for (auto& [i, f] : locations) {
    try { // a location function that throws shows as "?"
      out[i].location = f();
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
