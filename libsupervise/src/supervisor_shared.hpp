// supervisor_shared.hpp (private) — what a `supervisor` handle shares with
// the engine actor of its current run: the service registry (names, tokens,
// runnables, live state for services()), the run phase, and the end result.
//
// The handle writes registrations under `mtx` and tells the engine by
// message; the engine is the only one that erases entries (when a removed or
// do_not_restart service has stopped), so an entry pointer stays valid while
// the engine has a node for it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "name.hpp"
#include "supervise/child_info.hpp"
#include "supervise/child_spec.hpp"
#include "supervise/errc.hpp"
#include "supervise/node_state.hpp"
#include "supervise/runnable.hpp"
#include "supervise/spec.hpp"

namespace supervise::detail {

/// A caller of start_child/restart_child waiting for the child to be up.
struct start_waiter {
  bool done = false;
  caf::error error; // none: the child is up
};

struct service_entry {
  // Small fields first, enums and flags as bit-fields, the DN derived (not
  // stored), the shutdown kind in the padding: 160 B instead of 232 per service.
  service_entry()
    : restart(restart_type::permanent), type(child_type::worker),
      ready(child_spec::ready_t::started), shutdown_kind(shutdown_spec::timeout),
      state(node_state::new_), removing(false), running(false), idle(false), restarting(false),
      has_dn(false) {}

  uint32_t id = 0;
  // Fixed at registration; the engine reads them without the lock. The plain
  // `significant` keeps them in another memory location than the flags below
  // (written under mtx): adjacent bit-fields would be one location, a race.
  restart_type restart : 8;
  child_type type : 8;
  child_spec::ready_t ready : 8;
  shutdown_spec::kind_t shutdown_kind : 8; // see shutdown()
  bool significant = false;
  // start_child while a run was under way: a child of that run only (OTP:
  // a restarted supervisor runs its init again, which does not name it).
  bool run_only = false;
  // Guarded by mtx.
  node_state state : 8;  // of the current or last incarnation
  bool removing : 1; // remove() called: no longer listed, not restarted
  bool running : 1;  // an actor of it is alive
  bool idle : 1;     // kept spec, not running, not to be restarted
  bool restarting : 1; // ran before, down now, its restart pending (pause, group, queue)
  bool has_dn : 1;   // an engine made its node: supervisor_shared::dn_of()
  std::string name;
  runnable body;
  std::chrono::nanoseconds shutdown_time{0};
  shutdown_spec shutdown() const { return {shutdown_kind, shutdown_time}; }
  void set_shutdown(shutdown_spec s) {
    shutdown_kind = s.kind;
    shutdown_time = s.time;
  }
  std::chrono::nanoseconds start_timeout{0};

  caf::actor actor;      // the current incarnation
  uint64_t restarts = 0;
  // (A caller waiting for its start is in supervisor_shared::waiters: 96 B
  // per entry, a 144 B map node, instead of 112 B and 160.)
};

enum class run_phase {
  idle,       ///< not running; add() registers, a parent may host it
  standalone, ///< start() spawned its actor
  hosted,     ///< runs as a parent's child
  finished,   ///< a standalone run ended: single-use
};

struct supervisor_shared {
  supervisor_shared(caf::actor_system& s, uint32_t i, std::string n, supervise::spec p)
    : sys(s), id(i), name(std::move(n)), sp(std::move(p)) {}

  caf::actor_system& sys;
  const uint32_t id;
  const std::string name;
  const supervise::spec sp;

  // Guarded by mtx.
  mutable std::mutex mtx;
  std::condition_variable cv; // registry changes and the end of a run
  run_phase phase = run_phase::idle;
  bool ever_ran = false;
  caf::actor engine; // the actor of the current run
  uint32_t next_service = 1;
  std::map<uint32_t, service_entry> services; // ordered: add order
  // Names taken (removing ones until stopped). Keys view the entry's own
  // name (a map node never moves; erased before its entry): no second copy.
  std::unordered_map<std::string_view, uint32_t> by_name;
  /// Callers of start_child/restart_child waiting for a service's start, by
  /// service id; a waiter leaves when settled.
  std::unordered_map<uint32_t, std::shared_ptr<start_waiter>> waiters;

  /// A run is under way, standalone or hosted (mtx held).
  bool runs() const { return phase == run_phase::standalone || phase == run_phase::hosted; }

  /// The error of a call that needs a running supervisor, or none (mtx held).
  caf::error check_running_locked() const {
    if (runs())
      return {};
    if (phase == run_phase::finished || ever_ran)
      return make_error(errc::not_running, name);
    return make_error(errc::not_started, name);
  }

  /// Whether a caller waits for the start of service `id` (mtx held).
  bool awaited_locked(uint32_t id) const { return waiters.count(id) > 0; }

  /// Tells the caller waiting for the start of service `id`, if any, how it
  /// ended: up (no error) or not (mtx held).
  void settle_locked(uint32_t id, caf::error err = {}) {
    auto i = waiters.find(id);
    if (i == waiters.end())
      return;
    i->second->done = true;
    i->second->error = std::move(err);
    waiters.erase(i);
    cv.notify_all();
  }
  uint32_t next_generated = 1; // simple_one_for_one ids: child-<n>
  /// Services with a smaller id form a standalone run's initial batch (those
  /// added before start()); later ones are added to the running supervisor.
  uint32_t initial_upto = 0;
  bool initial_up = false; // the current run's initial batch is up
  /// The DN of the current or last run's top node (set by its engine). An
  /// entry's DN derives from it: no 32 B string per service.
  std::string run_dn;

  /// The DN of `e`'s current or last incarnation; empty before its first run.
  std::string dn_of(const service_entry& e) const {
    if (!e.has_dn)
      return {};
    return child_dn(run_dn, e.name); // as the engine's make_node
  }

  /// Frees the name of service `id` for a new registration while its entry
  /// stays (the engine still has its node, which has stopped): a retired
  /// service's id is free when it leaves the listings (mtx held).
  void release_name_locked(uint32_t id) {
    auto i = services.find(id);
    if (i == services.end())
      return;
    auto j = by_name.find(i->second.name);
    if (j != by_name.end() && j->second == id)
      by_name.erase(j);
  }

  /// Forgets a service's registration (engine, under mtx).
  void erase_locked(uint32_t id) {
    auto i = services.find(id);
    if (i == services.end())
      return;
    release_name_locked(id);
    if (awaited_locked(id))
      settle_locked(id, make_error(errc::start_failed, dn_of(i->second) + ": removed"));
    services.erase(i);
    cv.notify_all();
  }
  caf::error final_error;                      // of the standalone run
  std::vector<unstopped_child> report;         // of the standalone run

  /// The engine of a standalone run ended (under no lock).
  void finish(caf::error err, std::vector<unstopped_child> hung) {
    std::lock_guard<std::mutex> guard{mtx};
    if (phase != run_phase::standalone)
      return;
    phase = run_phase::finished;
    final_error = std::move(err);
    report = std::move(hung);
    engine = nullptr;
    cv.notify_all();
  }
};

} // namespace supervise::detail
