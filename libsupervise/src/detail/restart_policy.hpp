// detail/restart_policy.hpp — what happens after a child's exit: the one
// restart decision of the engine, as a pure function.
//
// The engine gathers the facts of an exit (exit_facts), the rules the child
// runs under (child_rules) and its supervisor's counters, calls decide(), and
// carries out the decision: it never decides itself. decide() reads no clock,
// talks to no actor and allocates nothing, so one table test checks every
// rule (tests/unit/restart_policy_test.cpp). Its clauses, in order:
//   1. a removed child is gone, whatever its end;
//   2. terminate_tree stops the supervisor; do_not_restart keeps the child
//      down (a service's spec goes);
//   3. while the supervisor stops, nothing restarts;
//   4. tree nodes (Monogon): DONE waits (restarts if cancelled), CANCELED
//      restarts once its subtree stopped, DEAD takes its subtree and group
//      down and restarts after its backoff;
//   5. services (OTP and suture): stopped by the supervisor -> as the stop
//      asked; ended before up with a caller waiting -> a failed start; a
//      member of a group restart under way -> restarted with it, not counted
//      again; a clean end of a transient, any end of a temporary and a DONE
//      -> kept (removed under simple_one_for_one, and a temporary one
//      always), never restarted; anything else is a failure:
//      counted (decay, pause, intensity), then restarted alone or with its
//      group.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include <caf/error.hpp>

#include "detail/failure_counter.hpp"
#include "detail/restart_intensity.hpp"
#include "supervise/child_spec.hpp"
#include "supervise/node_state.hpp"
#include "supervise/spec.hpp"

namespace supervise::detail {

/// How an exit reads before any rule (Monogon's order: DONE, CANCELED, DEAD,
/// after the two explicit requests).
enum class exit_kind : uint8_t {
  done,           ///< returned normally after signal(done)
  canceled,       ///< asked to stop, and stopped the way a stop ends
  dead,           ///< anything else: a failure
  stop_for_good,  ///< errc::do_not_restart
  terminate_tree, ///< errc::terminate_tree
};

/// Classifies one exit. `cancelled`: the child was asked to stop first.
exit_kind classify(const caf::error& reason, bool signaled_done, bool cancelled);

/// Reasons that end a child which was asked to stop: normal, user_shutdown,
/// kill (its stop timed out), unreachable. Any other error is still a failure.
bool is_requested_stop(const caf::error& reason);

/// OTP's clean end of a child nobody asked to stop (a transient one is then
/// not restarted): normal, user_shutdown, errc::shutdown. Not kill: a child
/// killed from outside failed. Narrower than is_requested_stop on purpose.
bool is_clean_end(const caf::error& reason);

/// Which engine rules the child runs under.
enum class child_role : uint8_t {
  tree_node, ///< a node of a runnable tree (run, run_group, a tree's root)
  service,   ///< a registered child of a supervisor (add, start_child)
};

/// The rules that apply to the exiting child.
struct child_rules {
  child_role role = child_role::tree_node;
  restart_type restart = restart_type::permanent; // services only
  bool significant = false;                       // services only
  // Of its supervisor (services only):
  supervise::strategy strategy = supervise::strategy::one_for_one;
  auto_shutdown shutdown_when = auto_shutdown::never;
  std::chrono::nanoseconds failure_decay = std::chrono::seconds(30);
  double failure_threshold = 5;
};

/// What the engine knows about the exit. Each flag is a fact, not an order.
struct exit_facts {
  const caf::error& reason; ///< the actor's exit reason (none: normal)
  bool signaled_done = false; ///< the runnable signalled done
  bool cancelled = false;     ///< it was asked to stop before it exited
  bool up = true;             ///< its start had completed (services)
  bool start_awaited = false; ///< a start_child/restart_child caller waits for it
  bool initial_start = false; ///< the supervisor's initial batch is still starting
  bool manual = false;        ///< started by restart_child
  bool held = false;          ///< a member of a pending group restart
  bool terminating = false;   ///< stopped by terminate_child
  bool removing = false;      ///< removed (remove, delete_child)
  bool stopping = false;      ///< its supervisor is stopping
  bool significant_left = false; ///< another significant service is still there
};

/// A supervisor's restart accounting; decide() updates it on each failure.
struct restart_counters {
  failure_counter failures;                   ///< suture's decaying count
  std::optional<restart_intensity> intensity; ///< OTP's budget; unset: no limit
  bool paused = false;                        ///< restarts wait for the pause to end
};

/// What becomes of the exiting child.
enum class verdict : uint8_t {
  restart,       ///< restart it alone, once it and its subtree have stopped
  restart_group, ///< restart it with its group (its run_group, or the strategy's)
  wait,          ///< nothing now: a group restart, an ancestor or a stop decides
  park,          ///< kept down with its spec: only restart_child starts it
  stay_down,     ///< a tree node that never restarts (listed DONE)
  remove,        ///< down for good; its spec is discarded and its id freed
};

/// Why the supervisor itself stops, if it does.
enum class escalation : uint8_t {
  none,
  terminate_tree, ///< a child asked for it: the supervisor ends with its reason
  intensity,      ///< more restarts than the intensity allows
  start_failed,   ///< a child of the initial batch did not start
  auto_shutdown,  ///< a significant child ended (spec::shutdown_when)
};

struct decision {
  verdict child = verdict::wait;
  node_state state = node_state::dead; ///< the state the child lands in
  bool failure = false;      ///< reported as child_failed (else child_stopped)
  bool restarting = false;   ///< child_failed says a restart follows now
  bool start_failed = false; ///< the waiting caller gets errc::start_failed
  bool backoff = false;      ///< the restart waits for the node's own backoff
  bool pause = false;        ///< this failure (re)starts the supervisor's pause
  escalation stop = escalation::none;
};

/// The decision for one exit. Counts a failure in `counters` (and may set
/// `paused`) only when the child restarts as a failure. `now`: the actor
/// clock's time of the exit.
decision decide(const exit_facts& facts, const child_rules& rules, restart_counters& counters,
                failure_counter::time_point now);

/// The length of a supervisor's backoff pause: failure_backoff * (1 + u *
/// jitter), `uniform01` a sample in [0, 1).
std::chrono::nanoseconds pause_length(std::chrono::nanoseconds failure_backoff, double jitter,
                                      double uniform01);

const char* to_string(verdict x) noexcept;
const char* to_string(escalation x) noexcept;

} // namespace supervise::detail
