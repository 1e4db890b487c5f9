// supervise/simulation.hpp — test your own tree against seeded faults:
// invariants after every step, exact replay, shrinking.
//
// simulate() runs your real root runnable (a tree, or a supervisor's
// as_runnable(), unchanged) on CAF's test_coordinator with a manual clock,
// once per seed. Each run draws a fault schedule from its seed: at random
// simulated times, a live node whose DN matches `targets` fails with an
// error, throws, returns, exits do_not_restart or terminate_tree, is killed,
// ignores its stop requests (or its kill too), or has its next start
// delayed or failed. After every step (a fault, or the clock jumping to the
// next timer, then every ready job) the invariants below are checked; a
// violation ends the run and is shrunk to a minimal schedule:
//
//   supervise::simulation::options opts;
//   opts.seeds = 1000;
//   auto report = supervise::simulation::simulate(
//     [](caf::actor_system&) { return my_root(); }, opts);
//   if (!report)
//     std::cerr << report.text(); // seed, violation, shrunk timeline, replay
//
// A run is a pure function of (tree, options, seed): the same seed gives the
// same event log, byte for byte (keep run state inside actors: a runnable
// whose captures carry state from one run to the next breaks this).
//
// Built-in invariants (simulation::builtin names them):
//  - one_incarnation: never two live actors for one DN;
//  - subtree_stopped: a node starts again only once it and its descendants
//    have stopped;
//  - parent_live: no node starts while its parent has no live actor (unless
//    the parent ended DONE: its children keep running, as in Monogon);
//  - backoff_exact: a DEAD tree node restarts exactly its backoff delay
//    (tree_options::backoff, jitter 0) after it and its subtree stopped;
//    with jitter, within the jitter band;
//  - intensity: a supervisor gives up only once more restarts than
//    spec::restart_intensity allows fell within its period (every restarting
//    failure of its services counts, so a give-up too early is caught; one
//    too late is not, as a group restart counts once);
//  - pause: no service restarts between a supervisor's backoff_entered and
//    its backoff_resumed, which comes exactly `delay` after the last entry;
//  - events_agree: per DN, child_started and its end alternate, incarnations
//    count 1, 2, 3 ..., the event's state is the published one, and live
//    actors are exactly those whose start has no end yet;
//  - stop_bound: stopping the tree at the end of a run takes at most its
//    stop_timeout plus the 50 ms kill grace.
// Your own: options::invariants, each a callable over the run so far.
// A seed that breaks an invariant once and not when run again is reported
// as "deterministic": the tree keeps state from one run to the next.
//
// What is simulated: event-based runnables, blocking runnables and
// supervisors hosted in the tree (as_runnable()), on one actor system. A
// blocking runnable runs on a thread of its own but in lockstep with the
// simulation: it runs while everything else waits, until it waits on its
// context (ctx.wait_for_stop(d): d passes on the simulated clock, a stop
// request ends it early) or returns; a kill does not reach it, as outside.
// It must wait only that way (a sleep or a wait on anything else stalls the
// simulation for real time, and a busy loop that never waits hangs it).
// Remote children run when options::environment hosts their nodes
// (supervise/actors/simulated_nodes.hpp): the real lease protocol over a
// simulated network, with node_loss, partition and pause faults. Not seen: a
// supervisor started on its own (start()) from inside the tree (a separate
// engine). Time inside
// a handler does not pass. Ready jobs run in the order CAF's test scheduler
// queues them (first in, first out) unless options::interleave draws it.
//
// Threads: call from one thread (a test's); nothing here is shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "supervise/names.hpp"
#include "supervise/runnable.hpp"
#include "supervise/tree.hpp"

/// Deterministic simulation of a supervision tree under seeded faults.
namespace supervise::simulation {

/// What a fault does to its target (a live node, or the next incarnation of
/// one for the two start faults).
enum class fault_kind : uint8_t {
  fail,             ///< exits with an error ("simulated failure")
  throw_exception,  ///< throws: errc::runnable_threw
  return_normally,  ///< ends normally (a failure unless it signalled done)
  do_not_restart,   ///< exits with errc::do_not_restart
  terminate_tree,   ///< exits with errc::terminate_tree
  kill,             ///< exit_reason::kill from outside
  hang_on_stop,     ///< ignores its stop requests (a kill still ends it)
  unkillable,       ///< ignores stop and kill: its handler never returns
  slow_start,       ///< its next incarnation's init runs options::slow_start later
  fail_start,       ///< its next incarnation fails in its init
  // Faults of options::environment: their target is one of its nodes.
  node_loss,        ///< the node's process dies (its connections drop)
  partition,        ///< the node is cut off for a while (traffic held, then delivered)
  pause,            ///< the node's process stops running for a while
};

/// Every kind, in declaration order.
const std::vector<fault_kind>& all_fault_kinds();

/// The weights options::mix defaults to: fail 4, throw_exception 2,
/// return_normally 2, do_not_restart 1, terminate_tree 0 (it ends the run:
/// opt in), kill 2, hang_on_stop 0.5, unkillable 0.1 (under a tree node
/// either holds up its subtree's restart for good, as in Monogon), slow_start
/// 1, fail_start 1; node_loss, partition and pause 0 (1 each when
/// options::environment is set and options::mix is empty).
const std::vector<std::pair<fault_kind, double>>& default_mix();

/// "fail", "throw_exception", ... (the enumerator's name).
std::string_view to_string(fault_kind k);

/// The kind named `name` (as to_string()). Errors: invalid_option naming it.
caf::expected<fault_kind> parse_fault_kind(std::string_view name);

/// One fault of a schedule: at simulated time `at` (since the run began),
/// `kind` hits the node `target`.
struct fault {
  caf::timespan at{0};                ///< when, since the run began
  fault_kind kind = fault_kind::fail; ///< what it does
  /// A DN, e.g. "root.api.db"; empty for a draw that found no live node
  /// (it only moves the clock, as it did in the run it comes from).
  std::string target;

  /// Equal when time, kind and target are.
  friend bool operator==(const fault& a, const fault& b) {
    return a.at == b.at && a.kind == b.kind && a.target == b.target;
  }
};

/// The faults of one run, in time order.
using schedule = std::vector<fault>;

/// One readable line, e.g. "t=1.5s root.api.db fails: error" ("t=2s fail:
/// no live node matched" without a target).
std::string to_string(const fault& f);

/// One line per fault (to_string()), each ending in '\n'.
std::string timeline(const schedule& s);

/// A one-line form for replay: "1500ms:fail:root.api.db,2s:kill:root.x".
std::string encode(const schedule& s);

/// The schedule of encode(). Errors: invalid_option naming the bad item.
caf::expected<schedule> decode(std::string_view text);

/// Whether `dn` matches `pattern`: labels separated by '.', where `*`
/// matches any run of characters within one label and `**` any run of
/// characters, dots included ("root.*.db", "root.**").
bool matches(std::string_view pattern, std::string_view dn);

/// What an invariant sees after each step.
class run_view {
public:
  virtual ~run_view() = default;
  /// Simulated time since the run began.
  virtual caf::timespan now() const = 0;
  /// The event log so far, one line per entry (see run_result::log).
  virtual const std::vector<std::string>& log() const = 0;
  /// The tree as snapshot() shows it (names.hpp), taken now.
  virtual std::vector<node_info> snapshot() const = 0;
  /// The actor system the tree runs on (whereis(), your own actors).
  virtual caf::actor_system& system() const = 0;
};

/// A user invariant: empty when it holds, else what is wrong (name the node
/// in the text: its violation's `dn` stays empty).
using invariant = std::function<std::string(const run_view&)>;

/// The names of the built-in invariants, in the order above.
const std::vector<std::string>& builtin();

class environment; // supervise/simulation_environment.hpp

/// Makes the environment of one run (called once per run).
using environment_factory = std::function<std::unique_ptr<environment>()>;

/// How to simulate. Every field has a usable default.
struct options {
  /// The first seed; runs use seed, seed + 1, ... seed + seeds - 1.
  uint64_t seed = 1;
  /// How many seeds simulate() explores (it stops at the first failure).
  size_t seeds = 100;
  /// Faults per run.
  size_t faults = 100;
  /// Mean simulated time between two faults (exponentially distributed,
  /// in whole milliseconds, at least 1 ms apart). The run ends early when
  /// the tree ends (terminate_tree, or its root gave up).
  caf::timespan mean_gap = std::chrono::seconds(1);
  /// The kinds drawn and their weights; empty: default_mix().
  std::vector<std::pair<fault_kind, double>> mix;
  /// DN patterns (matches()) of the nodes faults may hit.
  std::vector<std::string> targets{"**"};
  /// How much later a slow_start runs its init.
  caf::timespan slow_start = std::chrono::seconds(2);
  /// After the last fault the run goes on until no timer is pending or this
  /// much simulated time passed, then stops the tree.
  caf::timespan tail = std::chrono::minutes(2);
  /// A run gives up (a violation named "step_limit") after this many steps.
  size_t max_steps = 1000000;
  /// Run ready jobs in an order drawn from the seed instead of first in,
  /// first out: explores interleavings of actors a multi-threaded scheduler
  /// may produce (each mailbox keeps its order). Slower; off by default.
  bool interleave = false;
  /// The name of the top node ("root"; a supervisor's name to keep its DNs).
  std::string root_name = "root";
  /// The tree's options (backoff, stop_timeout ...). Its hooks still get
  /// every call; its seed is replaced by the run's.
  tree_options tree;
  /// Your invariants, each with a name for the report.
  std::vector<std::pair<std::string, invariant>> invariants;
  /// What each run hosts beside the tree (simulated nodes for remote
  /// children: supervise/actors/simulated_nodes.hpp); empty: nothing.
  environment_factory environment;
  /// Built-in invariants not to check (names from builtin()).
  std::vector<std::string> skip;
  /// Shrink a failing schedule (shrink()).
  bool shrink = true;
  /// At most this many runs to shrink one.
  size_t shrink_runs = 2000;
  /// The command a replay line starts with; empty: this process's command
  /// line (/proc/self/cmdline). The replay lines prefix it with
  /// SUPERVISE_SIM_SEED=N (the run's seed), and for the shrunk schedule
  /// also with SUPERVISE_SIM_SCHEDULE='...' (its encode()); with
  /// from_environment false they end in a shell comment saying the
  /// variables need it.
  std::string command;
  /// Whether simulate() honours those two environment variables: with
  /// SUPERVISE_SIM_SEED it runs that one seed, with SUPERVISE_SIM_SCHEDULE
  /// that one schedule (with that seed, or `seed`).
  bool from_environment = true;

  /// None when valid; else errc::invalid_option naming every bad field:
  /// seeds 0, mean_gap or slow_start <= 0, tail < 0, max_steps 0, a
  /// negative or NaN weight (or all weights 0), an empty pattern, an
  /// unknown name in `skip`, an empty invariant, root_name not a valid
  /// name, a node fault weighted without an environment, and what
  /// tree.validate() rejects.
  caf::error validate() const;
};

/// A broken invariant.
struct violation {
  std::string invariant; ///< its name
  caf::timespan at{0};   ///< simulated time
  size_t step = 0;       ///< steps run before it was seen
  std::string dn;        ///< the node it concerns ("" for the tree)
  std::string what;      ///< what is wrong
};

/// "t=2.25s step 31 one_incarnation root.db: ..."
std::string to_string(const violation& v);

/// One run.
struct run_result {
  uint64_t seed = 0;  ///< its seed (for a replay: the seed it was given)
  schedule faults;    ///< the faults applied, targets resolved
  /// The event log: faults, state changes and events, in order, each line
  /// "t=<time> <text>"; identical for identical inputs.
  std::vector<std::string> log;
  std::optional<violation> broken; ///< the first violation, if any
  size_t steps = 0;   ///< steps run
  size_t events = 0;  ///< events seen
  caf::error setup;   ///< the run could not start (the factory threw, or returned nothing)

  /// True when every invariant held and the run started.
  explicit operator bool() const { return !broken && !setup; }
};

/// The tree under test: builds the root runnable on the run's actor system
/// (a supervisor is bound to one: `auto s = std::make_shared<supervisor>(sys,
/// "app", sp); ...; return s->as_runnable();`, with root_name "app"). A
/// plain runnable: `[root](caf::actor_system&) { return root; }`. Called
/// once per run, on the caller's thread.
using tree_factory = std::function<runnable(caf::actor_system&)>;

/// One run with the schedule drawn from `seed`.
run_result run(const tree_factory& tree, const options& opts, uint64_t seed);

/// One run with exactly `faults`; `seed` seeds what else is random (the
/// jitter of backoff delays), so replay(tree, opts, r.faults, r.seed) gives
/// the log of run `r` again. A fault whose target is not live at its time
/// does nothing (the log says so).
run_result replay(const tree_factory& tree, const options& opts, const schedule& faults,
                  uint64_t seed);

/// A smaller schedule that still breaks the same invariant: fewer faults,
/// then earlier ones, then fewer distinct targets. Never returns one that
/// passes (at worst `failing.faults`). At most opts.shrink_runs runs.
schedule shrink(const tree_factory& tree, const options& opts, const run_result& failing);

/// What simulate() found.
struct report {
  size_t runs = 0;       ///< runs made (shrinking not included)
  size_t faults = 0;     ///< faults applied in them
  size_t events = 0;     ///< events seen in them
  double seconds = 0;    ///< wall time spent, shrinking included
  std::optional<run_result> failure; ///< the first failing run
  schedule shrunk;       ///< the shrunk schedule (empty without a failure)
  std::optional<violation> shrunk_violation; ///< what the shrunk schedule breaks
  std::string replay_seed;     ///< a command line replaying the failing seed
  std::string replay_schedule; ///< a command line replaying the shrunk schedule

  /// True when no run failed.
  explicit operator bool() const { return !failure; }

  /// Found -> shrunk -> replay, as text (or "N runs, M faults: all
  /// invariants held").
  std::string text() const;
};

/// Runs opts.seeds seeds (or what the environment asks for, see
/// options::from_environment) and shrinks the first failure. Throws
/// std::invalid_argument with the text of opts.validate() for bad options.
report simulate(const tree_factory& tree, const options& opts = {});

} // namespace supervise::simulation
