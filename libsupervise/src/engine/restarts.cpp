// engine/restarts.cpp — which stopped nodes restart, when, and with which siblings.
#include "engine/engine.hpp"

#include <algorithm>
#include <random>
#include <unordered_map>

#include <caf/all.hpp>

#include "detail/restart_selection.hpp"
#include "engine/child_kind.hpp"
#include "supervisor_shared.hpp"

namespace supervise::detail::core {

// After every exit: forget services that left for good once their subtree has
// stopped, restart the highest restartable node above each node the event
// touched (`exited` and the dirty ones; restart_selection), and start a
// pending group restart once all its members have stopped. All are collected
// first: acting on them mutates the tree.
void select_restarts(engine& e, uint64_t exited) {
  if (e.stopping || !e.root) {
    e.dirty.clear();
    return;
  }
  if (!e.leaving.empty()) {
    auto still = std::stable_partition(e.leaving.begin(), e.leaving.end(),
                                       [](node* n) { return !is_ready(*n); });
    std::vector<node*> gone(still, e.leaving.end());
    e.leaving.erase(still, e.leaving.end());
    for (auto* n : gone)
      forget_service(e, *n);
  }
  // Buffers kept between calls: no allocation per restart.
  auto selected = std::move(e.spare_selected);
  selected.clear();
  auto consider = [&](uint64_t id) {
    auto i = e.by_id.find(id);
    if (i == e.by_id.end())
      return; // forgotten since
    auto* x = highest_restartable(*i->second);
    // (Group members wait for their group, parked ones stay down: neither
    // is restartable.)
    if (x && std::find(selected.begin(), selected.end(), x) == selected.end())
      selected.push_back(x);
  };
  if (exited != 0)
    consider(exited);
  auto dirty = std::move(e.dirty);
  e.dirty = std::move(e.spare_dirty);
  e.dirty.clear();
  for (auto id : dirty)
    consider(id);
  e.spare_dirty = std::move(dirty);
  for (auto* n : selected)
    reschedule(e, *n);
  e.spare_selected = std::move(selected);
  // A group restart: all members stopped (checked once all were asked), then
  // all start again in order.
  if (!e.group_restart.empty() && e.group_stop.empty()
      && std::all_of(e.group_restart.begin(), e.group_restart.end(),
                     [](node* m) { return is_ready(*m); })) {
    auto members = std::move(e.group_restart);
    e.group_restart.clear();
    for (auto* m : members) {
      m->fate = disposition::normal;
      reschedule(e, *m);
    }
  }
}

// DEAD/CANCELED/DONE -> NEW: reset now, then its kind starts it (now,
// after its backoff, or through the start queue).
void reschedule(engine& e, node& n) {
  drop_children(e, n);
  n.cancelled = false;
  n.inc.reset();
  n.state = node_state::new_;
  kind_of(n).restart(e, n);
}

// -- strategies (OTP) ---------------------------------------------------------

// Service `n` failed and restarts: under one_for_all / rest_for_one the other
// members stop too (their exits are not failures) and the whole group starts
// again in order once all have stopped (select_restarts()): one restart,
// counted once.
void apply_strategy(engine& e, node& n) {
  cancel(e, n);
  auto st = e.reg->sp.strategy;
  if (st != strategy::one_for_all && st != strategy::rest_for_one)
    return;
  auto& kids = e.root->tree.get().children;
  bool merging = !e.group_restart.empty();
  auto from = kids.begin();
  if (st == strategy::rest_for_one)
    from = std::find_if(kids.begin(), kids.end(), [&](auto& c) { return c.get() == &n; });
  for (auto it = from; it != kids.end(); ++it) {
    auto& m = **it;
    // A parked member (terminate_child, a clean transient end, done) starts
    // again with its group, as OTP restarts every kept spec; one held
    // already, being terminated, removed or retired does not join.
    if (m.fate != disposition::normal && m.fate != disposition::parked)
      continue;
    m.fate = disposition::held;
    e.group_restart.push_back(&m);
    if (&m != &n)
      e.group_stop.push_back(m.id); // stopped last-started first
  }
  stop_in_order(e, e.group_stop);
  if (merging) { // an earlier pending group merged in: back to start order
    std::unordered_map<node*, size_t> pos;
    for (size_t i = 0; i < kids.size(); ++i)
      pos.emplace(kids[i].get(), i);
    std::sort(e.group_restart.begin(), e.group_restart.end(),
              [&](node* a, node* b) { return pos[a] < pos[b]; });
  }
}

} // namespace supervise::detail::core
