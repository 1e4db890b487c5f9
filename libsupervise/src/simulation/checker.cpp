// simulation/checker.cpp — see checker.hpp.
#include "simulation/checker.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "duration_text.hpp"

namespace supervise::simulation::detail {

namespace {

std::string parent_of(const std::string& dn) {
  auto dot = dn.rfind('.');
  return dot == std::string::npos ? std::string{} : dn.substr(0, dot);
}

std::string t(timespan d) { return supervise::detail::duration_text(d); }

uint32_t bit(node_state s) { return uint32_t{1} << static_cast<unsigned>(s); }

} // namespace

checker::checker(backoff_options tree_backoff, std::vector<std::string> skip)
  : backoff_(tree_backoff), skip_(std::move(skip)) {}

bool checker::on(const std::string& name) const {
  return !broken_ && std::find(skip_.begin(), skip_.end(), name) == skip_.end();
}

void checker::fail(const std::string& name, const std::string& dn, std::string what,
                   timespan now) {
  if (on(name))
    broken_ = violation{name, now, step_, dn, std::move(what)};
}

// -- facts ----------------------------------------------------------------------

void checker::spawned(const std::string& dn, uint64_t number, const spec* sp, uint64_t engine,
                      timespan now) {
  auto& r = rec(dn);
  r.tree_node = sp == nullptr;
  if (r.engine != engine) {
    r.engine = engine;
    by_engine_[engine].push_back(dn);
  }
  touch(r);
  // A new incarnation while an older actor of the DN still lives.
  if (live_.count(dn) > 0)
    fail("one_incarnation", dn,
         "incarnation " + std::to_string(number) + " starts while an earlier actor still runs",
         now);
  // ... or while something below it still runs.
  auto prefix = dn + ".";
  auto below = live_.lower_bound(prefix);
  if (below != live_.end() && below->first.compare(0, prefix.size(), prefix) == 0)
    fail("subtree_stopped", dn,
         "incarnation " + std::to_string(number) + " starts while " + below->first
           + " still runs",
         now);
  // ... or under a parent node that has no live actor and did not end DONE
  // (a DONE node's children keep running and restart on their own).
  auto parent = parent_of(dn);
  if (auto p = recs_.find(parent); p != recs_.end() && live_.count(parent) == 0
                                   && p->second.published != node_state::done)
    fail("parent_live", dn,
         "incarnation " + std::to_string(number) + " starts while its parent " + parent
           + " has no live actor (" + std::string{to_string(p->second.published)} + ")",
         now);
  ++live_[dn];
}

void checker::died(const std::string& dn, uint64_t actor, timespan now) {
  touch(rec(dn));
  if (auto i = live_.find(dn); i != live_.end() && --i->second == 0)
    live_.erase(i);
  // A subtree waiting for its stop before a delayed restart: stopped later.
  for (auto p = parent_of(dn); !p.empty(); p = parent_of(p))
    if (auto i = recs_.find(p); i != recs_.end() && i->second.dead_pending)
      i->second.ready_at = std::max(i->second.ready_at, now);
  if (by_engine_.count(actor) > 0) { // a hosted supervisor's actor is its engine
    sups_.erase(dn); // its pause ends with it
    engine_ended(actor);
  }
}

void checker::engine_ended(uint64_t engine) {
  // What it supervised is closed without events: nobody is left to report them.
  auto i = by_engine_.find(engine);
  if (i == by_engine_.end())
    return;
  engines_gone_[engine] = true;
  for (auto& child : i->second) {
    auto& r = rec(child);
    if (r.engine == engine) {
      r.started = false;
      r.dead_pending = false;
    }
  }
}

void checker::state(const std::string& dn, node_state s, timespan) {
  auto& r = rec(dn);
  touch(r);
  if (r.step_states == 0)
    r.before_step = r.published;
  r.step_states |= bit(s);
  r.published = s;
  r.has_state = true;
  // Cancelled while it waited out its backoff: the delay was drawn (the
  // base grew) and its next start has none.
  if (s == node_state::canceled && r.dead_pending) {
    r.dead_pending = false;
    grow(r);
  }
}

void checker::grow(record& r) {
  auto grown = std::min(static_cast<double>(r.base.count()) * backoff_.multiplier,
                        static_cast<double>(backoff_.max_interval.count()));
  r.base = timespan{static_cast<int64_t>(grown)};
}

void checker::check_backoff(const std::string& dn, record& r, timespan now) {
  if (!r.base_set) {
    r.base = backoff_.initial;
    r.base_set = true;
  }
  auto base = static_cast<double>(r.base.count());
  auto lo = timespan{static_cast<int64_t>(base * (1.0 - backoff_.jitter))};
  auto hi = timespan{static_cast<int64_t>(base * (1.0 + backoff_.jitter))};
  auto waited = now - r.ready_at;
  if (waited < lo || waited > hi) {
    auto expected = lo == hi ? t(lo) : "[" + t(lo) + ", " + t(hi) + "]";
    fail("backoff_exact", dn,
         "restarted " + t(waited) + " after it and its subtree stopped (at t=" + t(r.ready_at)
           + "); its backoff is " + expected,
         now);
  }
  grow(r);
}

void checker::event(const supervise::event& ev, timespan now) {
  auto& h = header_of(ev);
  if (auto* gave = std::get_if<supervisor_gave_up>(&ev)) {
    check_intensity(*gave, now);
    return;
  }
  if (h.child.empty()) { // a supervisor's own event: its pause
    auto& s = sups_[std::string{h.supervisor}];
    if (auto* in = std::get_if<backoff_entered>(&ev)) {
      s.paused = true;
      s.resume_due = now + in->delay;
    } else if (std::holds_alternative<backoff_resumed>(ev)) {
      if (!s.paused)
        fail("pause", std::string{h.supervisor}, "backoff_resumed without backoff_entered", now);
      else if (now != s.resume_due)
        fail("pause", std::string{h.supervisor},
             "resumed at t=" + t(now) + ", its pause ends at t=" + t(s.resume_due), now);
      s.paused = false;
    }
    return;
  }
  std::string dn{h.child};
  auto& r = rec(dn);
  touch(r);
  auto end = [&](node_state st) {
    if (!r.started)
      fail("events_agree", dn, "an end (" + std::string{to_string(st)} + ") without a start",
           now);
    r.started = false;
    step_events_.push_back({&r, st});
    // Monogon's reset: healthy for min_uptime before this exit.
    if (r.healthy_at && now - *r.healthy_at >= backoff_.min_uptime)
      r.base = backoff_.initial;
    r.healthy_at.reset();
  };
  if (auto* st = std::get_if<child_started>(&ev)) {
    if (r.started)
      fail("events_agree", dn,
           "incarnation " + std::to_string(st->incarnation) + " started before "
             + std::to_string(r.incarnation) + " ended",
           now);
    else if (st->incarnation != 1 && st->incarnation != r.incarnation + 1)
      fail("events_agree", dn,
           "incarnation " + std::to_string(st->incarnation) + " follows "
             + std::to_string(r.incarnation),
           now);
    auto sup = sups_.find(std::string{h.supervisor});
    if (st->incarnation > 1 && sup != sups_.end() && sup->second.paused)
      fail("pause", dn,
           "restarts during the backoff pause of " + std::string{h.supervisor} + " (until t="
             + t(sup->second.resume_due) + ")",
           now);
    if (st->incarnation == 1) { // a new node: a fresh backoff
      r.dead_pending = false;
      r.base_set = false;
      r.healthy_at.reset();
    } else if (r.dead_pending) {
      check_backoff(dn, r, now);
      r.dead_pending = false;
    }
    r.started = true;
    r.incarnation = st->incarnation;
    step_events_.push_back({&r, node_state::new_});
  } else if (auto* he = std::get_if<child_healthy>(&ev)) {
    if (!r.started || he->incarnation != r.incarnation)
      fail("events_agree", dn,
           "incarnation " + std::to_string(he->incarnation) + " healthy but not running", now);
    if (!r.healthy_at)
      r.healthy_at = now;
    step_events_.push_back({&r, node_state::healthy});
  } else if (auto* f = std::get_if<child_failed>(&ev)) {
    end(node_state::dead);
    if (!r.tree_node && (f->restarting || f->held_by_backoff))
      sups_[std::string{h.supervisor}].restarts.push_back(now);
    if (r.tree_node && f->restarting) { // it restarts after its backoff
      if (!r.base_set) {
        r.base = backoff_.initial;
        r.base_set = true;
      }
      r.dead_pending = true;
      r.ready_at = now;
    }
  } else if (auto* sp = std::get_if<child_stopped>(&ev)) {
    end(sp->state);
  }
}

// OTP: a supervisor gives up on the restart that would be one more than
// max_restarts within its period. Every restarting failure of its services
// is counted here, a group restart's stopped members included, so the count
// can only be too high: fewer than max_restarts is a sure violation.
void checker::check_intensity(const supervisor_gave_up& ev, timespan now) {
  auto& s = sups_[std::string{ev.supervisor}];
  auto from = now - ev.period;
  auto counted = std::count_if(s.restarts.begin(), s.restarts.end(),
                               [&](timespan t) { return t >= from; });
  if (static_cast<size_t>(counted) < ev.max_restarts)
    fail("intensity", std::string{ev.supervisor},
         "gave up after " + std::to_string(counted) + " restarts within " + t(ev.period)
           + "; it allows " + std::to_string(ev.max_restarts),
         now);
}

// -- between steps -----------------------------------------------------------------

void checker::end_of_step(timespan now, size_t step) {
  step_ = step;
  // Each event's state was published in this step (or stood before it).
  for (auto& pe : step_events_) {
    auto& r = *pe.rec;
    if (r.has_state && (r.step_states & bit(pe.state)) == 0 && r.before_step != pe.state)
      fail("events_agree", r.dn,
           "its event says " + std::string{to_string(pe.state)} + ", its published state is "
             + std::string{to_string(r.published)},
           now);
  }
  step_events_.clear();
  for (auto* rp : touched_) {
    auto& r = *rp;
    r.touched = false;
    r.step_states = 0;
    if (engines_gone_.count(r.engine) > 0)
      continue; // its engine is gone: nobody reports its end
    bool alive = live_.count(r.dn) > 0;
    if (r.started != alive)
      fail("events_agree", r.dn,
           r.started ? "listed as started, but no actor of it lives"
                     : "an actor of it lives, but no start is listed",
           now);
  }
  touched_.clear();
}

void checker::compare(const std::vector<node_info>& nodes, timespan now) {
  for (auto& n : nodes) {
    auto i = recs_.find(n.dn);
    if (i == recs_.end() || !i->second.has_state)
      continue;
    auto& r = i->second;
    if (r.published != n.state)
      fail("events_agree", n.dn,
           "the snapshot says " + std::string{to_string(n.state)} + ", the last published state is "
             + std::string{to_string(r.published)},
           now);
    if (engines_gone_.count(r.engine) == 0 && (n.actor != 0) != r.started)
      fail("events_agree", n.dn,
           n.actor != 0 ? "the snapshot lists an actor for a node that is not started"
                        : "the snapshot lists no actor for a started node",
           now);
  }
}

void checker::stopped(timespan asked, timespan ended, timespan bound) {
  if (ended - asked > bound)
    fail("stop_bound", "",
         "the tree took " + t(ended - asked) + " to stop; its bound is " + t(bound), ended);
}

} // namespace supervise::simulation::detail
