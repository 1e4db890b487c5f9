// The restart policy as one table: every rule of the Monogon, suture and OTP
// restart tables is a row (the facts of one exit and the expected decision),
// so the whole policy reads in one screen. decide() is pure: no actors.
#include "detail/restart_policy.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "supervise/errc.hpp"

using namespace supervise;
using namespace supervise::detail;
using namespace std::chrono_literals;

namespace {

// How the child ended.
enum class end_ {
  normal, done, error, shutdown, user_shutdown, kill, unreachable, do_not_restart,
  terminate_tree,
};

caf::error reason_of(end_ e) {
  switch (e) {
    case end_::normal: case end_::done: return {};
    case end_::error: return caf::sec::runtime_error;
    case end_::shutdown: return errc::shutdown;
    case end_::user_shutdown: return caf::exit_reason::user_shutdown;
    case end_::kill: return caf::exit_reason::kill;
    case end_::unreachable: return caf::exit_reason::unreachable;
    case end_::do_not_restart: return errc::do_not_restart;
    case end_::terminate_tree: return errc::terminate_tree;
  }
  return {};
}

constexpr auto tree = child_role::tree_node;
constexpr auto svc = child_role::service;
constexpr auto perm = restart_type::permanent;
constexpr auto trans = restart_type::transient;
constexpr auto temp = restart_type::temporary;
constexpr auto ofo = strategy::one_for_one;
constexpr auto ofa = strategy::one_for_all;
constexpr auto rfo = strategy::rest_for_one;
constexpr auto sofo = strategy::simple_one_for_one;
constexpr auto DEAD = node_state::dead;
constexpr auto DONE = node_state::done;
constexpr auto CANCELED = node_state::canceled;
constexpr auto no = escalation::none;

// Facts, one letter each: C cancelled (asked to stop first), U not up yet,
// A a start_child caller waits, I initial batch, M restart_child, H held for
// a group restart, T terminate_child, R removed, S supervisor stopping,
// G significant, L another significant child is left. any/all: auto_shutdown.
// Counters: `prior` failures `ago` seconds before this exit (threshold 5,
// decay 30 s); `max`: intensity max_restarts within 5 s (-1: unset).
// Expected: F child_failed (else child_stopped), R restarting, B node
// backoff, P pause begins, X start_failed.
struct row {
  const char* rule;
  child_role role;
  restart_type restart;
  strategy strat;
  end_ end;
  const char* facts;
  int prior;
  int ago;
  int max;
  verdict expect;
  node_state state;
  const char* flags;
  escalation stop;
  auto_shutdown mode = auto_shutdown::never;
};

// clang-format off
const row table[] = {
  // Monogon: a tree node.
  {"monogon: done stays done",                tree, perm, ofo, end_::done,          "",   0, 0, -1, verdict::wait,          DONE,     "",    no},
  {"monogon: return without done is dead",    tree, perm, ofo, end_::normal,        "",   0, 0, -1, verdict::restart_group, DEAD,     "FRB", no},
  {"monogon: error is dead",                  tree, perm, ofo, end_::error,         "",   0, 0, -1, verdict::restart_group, DEAD,     "FRB", no},
  {"monogon: outside user_shutdown is dead",  tree, perm, ofo, end_::user_shutdown, "",   0, 0, -1, verdict::restart_group, DEAD,     "FRB", no},
  {"monogon: cancelled, normal",              tree, perm, ofo, end_::normal,        "C",  0, 0, -1, verdict::restart,       CANCELED, "",    no},
  {"monogon: cancelled, user_shutdown",       tree, perm, ofo, end_::user_shutdown, "C",  0, 0, -1, verdict::restart,       CANCELED, "",    no},
  {"monogon: cancelled, killed",              tree, perm, ofo, end_::kill,          "C",  0, 0, -1, verdict::restart,       CANCELED, "",    no},
  {"monogon: cancelled, unreachable",         tree, perm, ofo, end_::unreachable,   "C",  0, 0, -1, verdict::restart,       CANCELED, "",    no},
  {"monogon: cancelled, other error is dead", tree, perm, ofo, end_::error,         "C",  0, 0, -1, verdict::restart_group, DEAD,     "FRB", no},
  {"monogon: done, then cancelled, restarts", tree, perm, ofo, end_::done,          "C",  0, 0, -1, verdict::restart,       DONE,     "",    no},
  {"ours: do_not_restart stays down",         tree, perm, ofo, end_::do_not_restart,"",   0, 0, -1, verdict::stay_down,     DONE,     "",    no},
  {"ours: terminate_tree stops the tree",     tree, perm, ofo, end_::terminate_tree,"",   0, 0, -1, verdict::wait,          CANCELED, "",    escalation::terminate_tree},
  {"monogon: stopping, failure no restart",   tree, perm, ofo, end_::error,         "S",  0, 0, -1, verdict::wait,          DEAD,     "F",   no},
  {"monogon: stopping, canceled",             tree, perm, ofo, end_::user_shutdown, "CS", 0, 0, -1, verdict::wait,          CANCELED, "",    no},
  // suture: a service of a one_for_one supervisor.
  {"suture: failure restarts",                svc,  perm, ofo, end_::error,         "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"suture: return is a failure",             svc,  perm, ofo, end_::normal,        "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"suture: done is kept",                    svc,  perm, ofo, end_::done,          "",   0, 0, -1, verdict::park,          DONE,     "",    no},
  {"suture: do_not_restart removes",          svc,  perm, ofo, end_::do_not_restart,"",   0, 0, -1, verdict::remove,        DONE,     "",    no},
  {"suture: terminate_tree stops",            svc,  perm, ofo, end_::terminate_tree,"",   0, 0, -1, verdict::wait,          CANCELED, "",    escalation::terminate_tree},
  {"suture: at the threshold, no pause",      svc,  perm, ofo, end_::error,         "",   4, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"suture: above the threshold, pause",      svc,  perm, ofo, end_::error,         "",   5, 0, -1, verdict::restart,       DEAD,     "FP",  no},
  {"suture: decayed failures, no pause",      svc,  perm, ofo, end_::error,         "",   8, 30,-1, verdict::restart,       DEAD,     "FR",  no},
  {"ours: removed, not a failure",            svc,  perm, ofo, end_::error,         "R",  0, 0, -1, verdict::remove,        CANCELED, "",    no},
  {"suture: stopping, not restarted",         svc,  perm, ofo, end_::error,         "S",  0, 0, -1, verdict::wait,          DEAD,     "F",   no},
  {"suture: stopping, do_not_restart",        svc,  perm, ofo, end_::do_not_restart,"S",  0, 0, -1, verdict::stay_down,     DONE,     "",    no},
  // OTP restart types.
  {"otp: permanent, normal restarts",         svc,  perm, ofo, end_::normal,        "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"otp: permanent, shutdown restarts",       svc,  perm, ofo, end_::shutdown,      "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"otp: transient, normal is kept",          svc,  trans,ofo, end_::normal,        "",   0, 0, -1, verdict::park,          DONE,     "",    no},
  {"otp: transient, shutdown is kept",        svc,  trans,ofo, end_::shutdown,      "",   0, 0, -1, verdict::park,          DONE,     "",    no},
  {"otp: transient, user_shutdown is kept",   svc,  trans,ofo, end_::user_shutdown, "",   0, 0, -1, verdict::park,          DONE,     "",    no},
  {"otp: transient, kill restarts",           svc,  trans,ofo, end_::kill,          "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"otp: transient, error restarts",          svc,  trans,ofo, end_::error,         "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"otp: temporary, normal is removed",       svc,  temp, ofo, end_::normal,        "",   0, 0, -1, verdict::remove,        DONE,     "",    no},
  {"otp: temporary, error is removed",        svc,  temp, ofo, end_::error,         "",   0, 0, -1, verdict::remove,        DEAD,     "F",   no},
  {"otp: temporary, killed is removed",       svc,  temp, ofo, end_::kill,          "",   0, 0, -1, verdict::remove,        DEAD,     "F",   no},
  {"otp: temporary, done is removed",         svc,  temp, ofo, end_::done,          "",   0, 0, -1, verdict::remove,        DONE,     "",    no},
  // OTP strategies.
  {"otp: one_for_all restarts the group",     svc,  perm, ofa, end_::error,         "",   0, 0, -1, verdict::restart_group, DEAD,     "FR",  no},
  {"otp: rest_for_one restarts the rest",     svc,  perm, rfo, end_::error,         "",   0, 0, -1, verdict::restart_group, DEAD,     "FR",  no},
  {"otp: simple_one_for_one restarts alone",  svc,  perm, sofo,end_::error,         "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"otp: transient in a group, normal kept",  svc,  trans,ofa, end_::normal,        "",   0, 0, -1, verdict::park,          DONE,     "",    no},
  // OTP simple_one_for_one keeps no spec of a stopped child.
  {"otp: sofo transient, normal is removed",  svc,  trans,sofo,end_::normal,        "",   0, 0, -1, verdict::remove,        DONE,     "",    no},
  {"otp: sofo transient, shutdown removed",   svc,  trans,sofo,end_::shutdown,      "",   0, 0, -1, verdict::remove,        DONE,     "",    no},
  {"otp: sofo done is removed",               svc,  perm, sofo,end_::done,          "",   0, 0, -1, verdict::remove,        DONE,     "",    no},
  {"otp: sofo terminate_child removes",       svc,  perm, sofo,end_::user_shutdown, "CT", 0, 0, -1, verdict::remove,        CANCELED, "",    no},
  {"otp: sofo terminate_child, killed",       svc,  trans,sofo,end_::kill,          "CT", 0, 0, -1, verdict::remove,        CANCELED, "",    no},
  {"otp: sofo transient, error restarts",     svc,  trans,sofo,end_::error,         "",   0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  // OTP restart intensity.
  {"otp: within intensity",                   svc,  perm, ofo, end_::error,         "",   0, 0,  1, verdict::restart,       DEAD,     "FR",  no},
  {"otp: beyond intensity escalates",         svc,  perm, ofo, end_::error,         "",   1, 0,  1, verdict::wait,          DEAD,     "F",   escalation::intensity},
  {"otp: intensity 0, first failure",         svc,  perm, ofo, end_::error,         "",   0, 0,  0, verdict::wait,          DEAD,     "F",   escalation::intensity},
  {"otp: old restarts left the window",       svc,  perm, ofo, end_::error,         "",   1, 6,  1, verdict::restart,       DEAD,     "FR",  no},
  {"ours: pause and intensity both count",    svc,  perm, ofo, end_::error,         "",   5, 0,  9, verdict::restart,       DEAD,     "FP",  no},
  // Stopped by the supervisor itself: never a failure.
  {"otp: group member stopped",               svc,  perm, ofa, end_::user_shutdown, "CH", 0, 0, -1, verdict::wait,          CANCELED, "",    no},
  {"otp: group member killed on timeout",     svc,  perm, ofa, end_::kill,          "CH", 0, 0, -1, verdict::wait,          CANCELED, "",    no},
  {"otp: group member failing while stopped", svc,  perm, ofa, end_::error,         "CH", 0, 0, -1, verdict::wait,          DEAD,     "",    no},
  {"otp: temporary group member is removed",  svc,  temp, ofa, end_::user_shutdown, "CH", 0, 0, -1, verdict::remove,        CANCELED, "",    no},
  {"otp: storm: a held member fails first",   svc,  perm, ofa, end_::error,         "H",  5, 0,  1, verdict::wait,          DEAD,     "FR",  no},
  {"otp: storm: a held temporary fails first",svc,  temp, ofa, end_::error,         "H",  0, 0, -1, verdict::remove,        DEAD,     "F",   no},
  {"otp: storm: a held member ends done",     svc,  trans,rfo, end_::done,          "H",  0, 0, -1, verdict::wait,          DONE,     "",    no},
  {"otp: terminate_child keeps the spec",     svc,  perm, ofo, end_::user_shutdown, "CT", 0, 0, -1, verdict::park,          CANCELED, "",    no},
  {"otp: terminate_child, killed",            svc,  perm, ofo, end_::kill,          "CT", 0, 0, -1, verdict::park,          CANCELED, "",    no},
  {"otp: terminate_child of a temporary",     svc,  temp, ofo, end_::user_shutdown, "CT", 0, 0, -1, verdict::remove,        CANCELED, "",    no},
  // OTP start failures: ended before it was up.
  {"otp: start_child fails, spec goes",       svc,  perm, ofo, end_::error,         "UA", 0, 0, -1, verdict::remove,        DEAD,     "FX",  no},
  {"otp: restart_child fails, spec stays",    svc,  perm, ofo, end_::error,         "UM", 0, 0, -1, verdict::park,          DEAD,     "FX",  no},
  {"otp: initial start fails, sup stops",     svc,  perm, ofo, end_::normal,        "UI", 0, 0, -1, verdict::wait,          DEAD,     "FX",  escalation::start_failed},
  {"ours: unwatched restart fails normally",  svc,  perm, ofo, end_::error,         "U",  0, 0, -1, verdict::restart,       DEAD,     "FR",  no},
  {"ours: do_not_restart before up removes",  svc,  perm, ofo, end_::do_not_restart,"UA", 0, 0, -1, verdict::remove,        DONE,     "",    no},
  // OTP significant children and auto_shutdown.
  {"otp: any_significant ends",               svc,  trans,ofo, end_::normal,        "G",  0, 0, -1, verdict::park,          DONE,     "",    escalation::auto_shutdown, auto_shutdown::any_significant},
  {"otp: all_significant, one left",          svc,  trans,ofo, end_::normal,        "GL", 0, 0, -1, verdict::park,          DONE,     "",    no, auto_shutdown::all_significant},
  {"otp: all_significant, last one ends",     svc,  trans,ofo, end_::normal,        "G",  0, 0, -1, verdict::park,          DONE,     "",    escalation::auto_shutdown, auto_shutdown::all_significant},
  {"otp: significant temporary fails",        svc,  temp, ofo, end_::error,         "G",  0, 0, -1, verdict::remove,        DEAD,     "F",   escalation::auto_shutdown, auto_shutdown::any_significant},
  {"otp: significant restarts: no shutdown",  svc,  trans,ofo, end_::error,         "G",  0, 0, -1, verdict::restart,       DEAD,     "FR",  no, auto_shutdown::any_significant},
  {"otp: significant do_not_restart",         svc,  trans,ofo, end_::do_not_restart,"G",  0, 0, -1, verdict::remove,        DONE,     "",    escalation::auto_shutdown, auto_shutdown::any_significant},
  {"otp: significant stopped by terminate",   svc,  trans,ofo, end_::user_shutdown, "CTG",0, 0, -1, verdict::park,          CANCELED, "",    no, auto_shutdown::any_significant},
  {"otp: never mode ignores significance",    svc,  trans,ofo, end_::normal,        "G",  0, 0, -1, verdict::park,          DONE,     "",    no},
};
// clang-format on

bool has(const char* s, char c) { return std::string{s}.find(c) != std::string::npos; }

std::string describe(const decision& d) {
  std::string out = to_string(d.child);
  out += std::string{" "} + to_string(d.state) + " ";
  for (auto [on, c] : {std::pair{d.failure, 'F'}, {d.restarting, 'R'}, {d.backoff, 'B'},
                       {d.pause, 'P'}, {d.start_failed, 'X'}})
    if (on)
      out += c;
  return out + " stop=" + to_string(d.stop);
}

} // namespace

BOOST_AUTO_TEST_SUITE(restart_policy)

BOOST_AUTO_TEST_CASE(decision_table) {
  const auto t0 = supervise::detail::failure_counter::time_point{} + 1h;
  for (auto& r : table) {
    BOOST_TEST_CONTEXT(r.rule) {
      child_rules rules;
      rules.role = r.role;
      rules.restart = r.restart;
      rules.strategy = r.strat;
      rules.significant = has(r.facts, 'G');
      rules.shutdown_when = r.mode;
      rules.failure_threshold = 5;
      rules.failure_decay = 30s;
      restart_counters c;
      if (r.max >= 0)
        c.intensity.emplace(static_cast<size_t>(r.max), 5s);
      for (int i = 0; i < r.prior; ++i) {
        c.failures.add(t0, rules.failure_decay);
        if (c.intensity)
          c.intensity->allow(t0);
      }
      auto reason = reason_of(r.end);
      exit_facts f{reason};
      f.signaled_done = r.end == end_::done;
      f.cancelled = has(r.facts, 'C');
      f.up = !has(r.facts, 'U');
      f.start_awaited = has(r.facts, 'A');
      f.initial_start = has(r.facts, 'I');
      f.manual = has(r.facts, 'M');
      f.held = has(r.facts, 'H');
      f.terminating = has(r.facts, 'T');
      f.removing = has(r.facts, 'R');
      f.stopping = has(r.facts, 'S');
      f.significant_left = has(r.facts, 'L');
      auto d = decide(f, rules, c, t0 + std::chrono::seconds(r.ago));
      decision want;
      want.child = r.expect;
      want.state = r.state;
      want.failure = has(r.flags, 'F');
      want.restarting = has(r.flags, 'R');
      want.backoff = has(r.flags, 'B');
      want.pause = has(r.flags, 'P');
      want.start_failed = has(r.flags, 'X');
      want.stop = r.stop;
      BOOST_CHECK_EQUAL(describe(d), describe(want));
      // A pause is remembered until it ends; only a counted failure pauses.
      BOOST_CHECK_EQUAL(c.paused, want.pause);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_failure_is_counted_once_and_only_when_it_restarts) {
  const auto t0 = supervise::detail::failure_counter::time_point{} + 1h;
  child_rules rules;
  rules.role = child_role::service;
  restart_counters c;
  caf::error boom = caf::sec::runtime_error;
  exit_facts failed{boom};
  decide(failed, rules, c, t0);
  BOOST_CHECK_EQUAL(c.failures.value(), 1.0);
  exit_facts stopped{boom}; // stopped by its supervisor: not counted
  stopped.cancelled = true;
  stopped.held = true;
  decide(stopped, rules, c, t0);
  rules.restart = restart_type::temporary; // not restarted: not counted
  decide(failed, rules, c, t0);
  BOOST_CHECK_EQUAL(c.failures.value(), 1.0);
}

BOOST_AUTO_TEST_CASE(pause_length_is_jittered_upwards) {
  BOOST_CHECK(pause_length(10s, 0.5, 0.0) == 10s);
  BOOST_CHECK(pause_length(10s, 0.5, 0.5) == 12500ms);
  BOOST_CHECK(pause_length(10s, 0.0, 0.9) == 10s);
  BOOST_CHECK(pause_length(0s, 0.5, 0.9) == 0s);
}

// -- classify: how an exit reads before any rule --------------------------------

namespace {
caf::error failure() { return caf::sec::runtime_error; }
} // namespace

BOOST_AUTO_TEST_CASE(done_wins_over_cancelled) {
  BOOST_CHECK(classify(caf::error{}, true, false) == exit_kind::done);
  BOOST_CHECK(classify(caf::error{}, true, true) == exit_kind::done);
}

BOOST_AUTO_TEST_CASE(cancelled_stop_reasons_are_canceled) {
  BOOST_CHECK(classify(caf::exit_reason::user_shutdown, false, true) == exit_kind::canceled);
  BOOST_CHECK(classify(caf::exit_reason::kill, false, true) == exit_kind::canceled);
  BOOST_CHECK(classify(caf::error{}, false, true) == exit_kind::canceled);
  BOOST_CHECK(classify(caf::exit_reason::user_shutdown, true, true) == exit_kind::canceled);
}

BOOST_AUTO_TEST_CASE(everything_else_is_dead) {
  // A normal return without done is a failure (Monogon: "returned nil").
  BOOST_CHECK(classify(caf::error{}, false, false) == exit_kind::dead);
  BOOST_CHECK(classify(failure(), false, false) == exit_kind::dead);
  BOOST_CHECK(classify(failure(), true, false) == exit_kind::dead);
  // A non-stop error after cancellation is still a failure.
  BOOST_CHECK(classify(failure(), false, true) == exit_kind::dead);
  // user_shutdown without a cancel: someone outside stopped it: failure.
  BOOST_CHECK(classify(caf::exit_reason::user_shutdown, false, false) == exit_kind::dead);
}

BOOST_AUTO_TEST_CASE(special_outcomes) {
  BOOST_CHECK(classify(errc::do_not_restart, false, false) == exit_kind::stop_for_good);
  BOOST_CHECK(classify(errc::do_not_restart, false, true) == exit_kind::stop_for_good);
  BOOST_CHECK(classify(errc::terminate_tree, true, true) == exit_kind::terminate_tree);
}

BOOST_AUTO_TEST_CASE(the_two_clean_sets_differ_on_purpose) {
  // Asked to stop: a kill (stop timeout) or an unreachable end is expected.
  BOOST_CHECK(is_requested_stop(caf::exit_reason::kill));
  BOOST_CHECK(is_requested_stop(caf::exit_reason::unreachable));
  BOOST_CHECK(!is_requested_stop(errc::shutdown));
  // Not asked: OTP's clean ends only; a kill from outside is a failure.
  BOOST_CHECK(is_clean_end(errc::shutdown));
  BOOST_CHECK(is_clean_end(caf::exit_reason::user_shutdown));
  BOOST_CHECK(!is_clean_end(caf::exit_reason::kill));
  BOOST_CHECK(!is_clean_end(caf::exit_reason::unreachable));
}

BOOST_AUTO_TEST_CASE(errors_render_with_their_detail) {
  BOOST_CHECK_EQUAL(render(make_error(errc::invalid_name, "a.b")),
                    "supervise::invalid_name(\"a.b\")");
  BOOST_CHECK_EQUAL(render(errc::terminate_tree), "supervise::terminate_tree");
  BOOST_CHECK_EQUAL(render(caf::error{}), "none");
  BOOST_CHECK_EQUAL(std::string{to_string(node_state::canceled)}, "CANCELED");
}

BOOST_AUTO_TEST_SUITE_END()
