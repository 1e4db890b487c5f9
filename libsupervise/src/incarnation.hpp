// incarnation.hpp (private) — the state one run of a node shares between its
// runnable (through `context`) and the engine actor.
//
// The runnable side writes the signal flags and queues run requests; the
// engine reads them when it handles the exit, then marks the incarnation
// exited so any later call through an old context is refused.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/atom.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "context_access.hpp" // an incarnation's context: make() and impl()
#include "supervise/child_info.hpp"
#include "supervise/event.hpp"
#include "supervise/log.hpp"
#include "supervise/observer.hpp"
#include "supervise/runnable.hpp"

namespace supervise::detail {

class engine_probe;

using run_atom = caf::atom_constant<caf::atom("sv_run")>;
using signal_atom = caf::atom_constant<caf::atom("sv_signal")>;
using start_atom = caf::atom_constant<caf::atom("sv_start")>;
using stop_atom = caf::atom_constant<caf::atom("sv_stop")>;
using stop_timeout_atom = caf::atom_constant<caf::atom("sv_stopto")>;
using add_atom = caf::atom_constant<caf::atom("sv_add")>;
using remove_atom = caf::atom_constant<caf::atom("sv_remove")>;
using resume_atom = caf::atom_constant<caf::atom("sv_resume")>;
using up_atom = caf::atom_constant<caf::atom("sv_up")>;
using start_timeout_atom = caf::atom_constant<caf::atom("sv_startto")>;
using child_stop_timeout_atom = caf::atom_constant<caf::atom("sv_chstop")>;
using kill_grace_atom = caf::atom_constant<caf::atom("sv_killgr")>;
using terminate_atom = caf::atom_constant<caf::atom("sv_termin")>;
using restart_atom = caf::atom_constant<caf::atom("sv_restart")>;
using pump_atom = caf::atom_constant<caf::atom("sv_pump")>;
using tree_pump_atom = caf::atom_constant<caf::atom("sv_tpump")>;

/// What all incarnations of one engine share: one allocation per engine, not
/// three references per incarnation.
struct incarnation_env {
  /// The engine, weakly: a child (and its context, which lives as long as
  /// the child's actor object) must not keep its supervisor alive, or the
  /// two form a reference cycle.
  caf::weak_actor_ptr engine;
  std::shared_ptr<const log_sink> sink;
  /// The hook of the engine: a nested supervisor without a hook of its own
  /// reports to it. Null: the default (logging) hook.
  std::shared_ptr<const event_hook> hook;
  bool propagate_exceptions = false; // spec::propagate_exceptions
  /// A simulation's view into the engine (engine/probe.hpp); null outside
  /// simulations. Hosted supervisors inherit it.
  std::shared_ptr<engine_probe> probe;
  /// Every observer of the engine (observer.hpp): a hosted supervisor
  /// reports to these besides its own. Null: none.
  std::shared_ptr<const observer_list> observers;
};

struct incarnation;

/// A child a killed nested supervisor left stopping: its actor, its run, and
/// whether it is blocking (monitored: it reports no exit of its own).
struct straggler {
  caf::actor actor;
  std::shared_ptr<incarnation> inc;
  bool blocking = false;
};

struct incarnation {
  incarnation(std::string dn_, uint64_t node, uint64_t num,
              std::shared_ptr<const incarnation_env> env_, bool reports_up)
    : dn(std::move(dn_)), node_id(node), number(num), env(std::move(env_)),
      reports(reports_up) {}

  const std::string dn;
  const uint64_t node_id;
  const uint64_t number; // distinguishes incarnations of one node
  const std::shared_ptr<const incarnation_env> env;

  /// A handle to the engine for one send (null once the engine is gone).
  caf::actor engine() const noexcept { return caf::actor_cast<caf::actor>(env->engine); }
  const std::shared_ptr<const log_sink>& sink() const noexcept { return env->sink; }
  const std::shared_ptr<const event_hook>& hook() const noexcept { return env->hook; }

  std::atomic<bool> stop{false};

  // Start progress of a `started`-ready service (child_spec::ready): the
  // child marks itself up when its init returns; it messages the engine only
  // if the engine asked (someone waits for the start), so a restart nobody
  // waits for costs no message.
  enum progress_t : uint8_t { starting, up, wanted };
  std::atomic<uint8_t> progress{starting};
  /// The runnable is `started`-ready (child_spec::ready): it reports up
  /// (report_up) when its init returns.
  const bool reports;

  /// Child side, once: true when the engine asked for an up message.
  bool child_up() noexcept {
    return progress.exchange(up, std::memory_order_acq_rel) == wanted;
  }

  /// Engine side: asks for the up message; true when the child is up already
  /// (then no message comes).
  bool want_up() noexcept {
    return progress.exchange(wanted, std::memory_order_acq_rel) == up;
  }

  /// Child side, once, after CAF cleaned up its actor: the exit, as the
  /// down_msg a high-priority monitor would deliver. An event-based child's
  /// actor class sends it itself, so the engine sets no monitor per child (no
  /// attachable: 48 B per child, and an allocation and a lock per restart).
  /// An engine that adopted it (its own engine died while it stopped, adopt())
  /// hears of it too: whichever of the two sees the other's flag first, at
  /// least one does (both flags are sequentially consistent).
  void report_exit(const caf::actor_addr& child, const caf::error& reason) {
    reported.store(true, std::memory_order_seq_cst);
    if (auto sup = engine())
      caf::anon_send<caf::message_priority::high>(sup, caf::down_msg{child, reason});
    if (adopted.load(std::memory_order_seq_cst)) {
      caf::actor to;
      {
        std::lock_guard<std::mutex> guard{mtx};
        to = caf::actor_cast<caf::actor>(extra().adopter);
      }
      if (to)
        caf::anon_send<caf::message_priority::high>(to, caf::down_msg{child, reason});
    }
  }

  /// Engine `by` waits for this event-based incarnation's exit in place of
  /// its own, dead engine. False when the exit was reported already.
  bool adopt(const caf::actor& by) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      extra().adopter = caf::actor_cast<caf::weak_actor_ptr>(by);
    }
    adopted.store(true, std::memory_order_seq_cst);
    return !reported.load(std::memory_order_seq_cst);
  }

  /// The stragglers a nested supervisor running as this incarnation left
  /// (stored before its exit was reported).
  std::vector<straggler> take_stragglers() {
    std::lock_guard<std::mutex> guard{mtx};
    if (!extra_)
      return {};
    return std::move(extra_->stragglers);
  }

  // Guarded by mtx (declared before it: they fill the padding after the
  // atomics, keeping the incarnation at 120 B, a 144 B chunk with make_shared).
  std::atomic<bool> reported{false}; // report_exit() ran: the actor is gone
  std::atomic<bool> adopted{false};  // another engine waits for its exit (adopt())
  bool exited = false;        // set by the engine when it handled the exit
  bool healthy = false;       // signal(healthy) seen
  bool done = false;          // signal(done) seen
  std::mutex mtx;

  // Rarely used parts, made on first use (mtx held): most incarnations never
  // wait, run children, take sub-loggers or host a supervisor.
  struct rare {
    std::condition_variable cv;
    std::set<std::string> names;   // child names taken in this incarnation
    std::set<std::string> loggers; // sub-logger names reserved in it
    std::vector<child_list> pending; // groups requested, not yet taken by the engine
    /// Set by a nested supervisor running as this node before it ends: the
    /// children it could not stop (its parent's report includes them).
    std::vector<unstopped_child> unstopped;
    /// Set by a nested supervisor that ends while children it asked to stop
    /// still run (it was killed): its parent waits for them before it
    /// restarts this node.
    std::vector<straggler> stragglers;
    caf::weak_actor_ptr adopter; // adopt()'s engine
  };
  rare& extra() { // mtx held
    if (!extra_)
      extra_ = std::make_unique<rare>();
    return *extra_;
  }
  std::condition_variable& cv() { return extra().cv; }           // mtx held
  std::set<std::string>& names() { return extra().names; }       // mtx held
  std::set<std::string>& loggers() { return extra().loggers; }   // mtx held
  std::vector<child_list>& pending() { return extra().pending; }  // mtx held
  std::vector<unstopped_child>& unstopped() { return extra().unstopped; } // mtx held
  std::vector<straggler>& stragglers() { return extra().stragglers; }     // mtx held

  void request_stop() {
    stop.store(true, std::memory_order_release);
    std::lock_guard<std::mutex> guard{mtx};
    if (extra_) // nobody waited: no condition variable to wake
      extra_->cv.notify_all();
  }

  /// Engine, when it handles the exit, in one lock section: the context goes
  /// stale (later calls through it are refused), anything still waiting on it
  /// wakes, a nested supervisor's unstopped children move to `report` and its
  /// still stopping ones to `stragglers`. Returns whether `done` was signalled.
  bool close(std::vector<unstopped_child>& report, std::vector<straggler>& stragglers) {
    stop.store(true, std::memory_order_release);
    std::lock_guard<std::mutex> guard{mtx};
    exited = true;
    if (extra_) { // else nothing waited, ran children or hosted a supervisor
      auto& hung = extra_->unstopped;
      report.insert(report.end(), hung.begin(), hung.end());
      stragglers = std::move(extra_->stragglers);
      extra_->cv.notify_all();
    }
    return done;
  }

  std::unique_ptr<rare> extra_; // guarded by mtx; through extra()
};

} // namespace supervise::detail
