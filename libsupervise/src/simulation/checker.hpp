// simulation/checker.hpp (private) — the built-in invariants, checked as the
// facts of a run arrive (spawns, exits, events, states) and at each step's end.
//
// Incremental: each fact updates the record of its DN and checks what it can
// check at once; end_of_step() checks what holds only between steps. The
// first violation is kept; later ones are ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "supervise/backoff.hpp"
#include "supervise/event.hpp"
#include "supervise/names.hpp"
#include "supervise/simulation.hpp"
#include "supervise/spec.hpp"

namespace supervise::simulation::detail {

using caf::timespan;

class checker {
public:
  /// `tree_backoff`: the tree nodes' backoff; `skip`: invariants not checked.
  checker(backoff_options tree_backoff, std::vector<std::string> skip);

  /// A new incarnation of `dn`, spawned by the engine actor `engine`; `sp`:
  /// its supervisor's spec (null: a tree node).
  void spawned(const std::string& dn, uint64_t number, const spec* sp, uint64_t engine,
               timespan now);
  /// The actor `actor` of `dn` terminated (the engine may hear of it later,
  /// or never when it is gone too).
  void died(const std::string& dn, uint64_t actor, timespan now);
  /// The engine actor `engine` (a tree's, or a hosted supervisor's) is gone.
  void engine_ended(uint64_t engine);
  void event(const supervise::event& ev, timespan now);
  void state(const std::string& dn, node_state s, timespan now);
  /// Between steps: what must hold when nothing is ready to run.
  void end_of_step(timespan now, size_t step);
  /// Compares a snapshot with what the facts say.
  void compare(const std::vector<node_info>& nodes, timespan now);
  /// The tree was asked to stop at `asked` and ended at `ended`.
  void stopped(timespan asked, timespan ended, timespan bound);

  /// Records a violation of `name` (unless skipped, or one is recorded).
  void fail(const std::string& name, const std::string& dn, std::string what, timespan now);

  const std::optional<violation>& broken() const noexcept { return broken_; }
  /// Live DNs (an actor whose exit was not handled yet), in DN order.
  const std::map<std::string, int>& live() const noexcept { return live_; }
  void set_step(size_t step) noexcept { step_ = step; }
  /// Whether actor `id` spawned children: it runs a hosted supervisor.
  bool is_engine(uint64_t id) const { return by_engine_.count(id) > 0; }

private:
  struct record {
    std::string dn;          // its key, for messages
    bool touched = false;    // listed in touched_ for this step
    bool started = false;    // a child_started without its end yet
    uint64_t incarnation = 0;
    bool has_state = false;
    node_state published = node_state::new_;   // last on_state
    node_state before_step = node_state::new_; // ... when the step began
    uint32_t step_states = 0;                  // bit per state published in this step
    // Tree nodes: the backoff model.
    bool tree_node = true;
    uint64_t engine = 0;           // actor id of the engine that spawned it
    bool dead_pending = false;     // a DEAD exit waits for its delayed restart
    timespan ready_at{0};          // it and its subtree stopped
    std::optional<timespan> healthy_at;
    timespan base{0};              // the next delay's base
    bool base_set = false;
  };
  struct sup_record {
    bool paused = false;
    timespan resume_due{0};
    std::vector<timespan> restarts; // its services' restarting failures, in time order
  };
  struct pending_event {
    record* rec;
    node_state state;
  };

  // The record of `dn` (made on first use; records never move).
  record& rec(const std::string& dn) {
    auto [i, fresh] = recs_.try_emplace(dn);
    if (fresh)
      i->second.dn = dn;
    return i->second;
  }
  // Lists `r` for the checks at the end of this step.
  void touch(record& r) {
    if (!std::exchange(r.touched, true))
      touched_.push_back(&r);
  }
  bool on(const std::string& name) const;
  void check_backoff(const std::string& dn, record& r, timespan now);
  void grow(record& r); // the next base: times the multiplier, capped
  void check_intensity(const supervisor_gave_up& ev, timespan now);

  backoff_options backoff_;
  std::vector<std::string> skip_;
  std::unordered_map<std::string, record> recs_;
  std::map<std::string, int> live_;
  std::map<std::string, sup_record> sups_;
  std::map<uint64_t, std::vector<std::string>> by_engine_; // engine actor id -> its DNs
  std::map<uint64_t, bool> engines_gone_;
  std::vector<record*> touched_;           // records with facts in this step
  std::vector<pending_event> step_events_; // event states to compare at step end
  std::optional<violation> broken_;
  size_t step_ = 0;
};

} // namespace supervise::simulation::detail
