// Many children started with run() from one node: the engine hears one
// run request per batch, starts them in order, a bounded chunk per handler,
// and all become healthy. A group member's failure, the parent's failure and
// a stop while most are still queued behave as when all started at once: a
// queued member of a cancelled group is CANCELED and restarts once, a child
// of a cancelled parent never starts, nothing starts twice. Manual clock.

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "supervise/names.hpp"
#include "supervise/tree.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

namespace {

// The state changes of every node by DN, and the DNs in the order the engine
// started them (a start publishes NEW). The manual scheduler runs the engine
// on the test's thread: no lock.
struct state_log {
  std::unordered_map<std::string, std::vector<node_state>> of;
  std::vector<std::string> started;

  std::function<void(const std::string&, node_state)> hook() {
    return [this](const std::string& dn, node_state s) {
      of[dn].push_back(s);
      if (s == node_state::new_)
        started.push_back(dn);
    };
  }

  size_t count(const std::string& dn, node_state s) const {
    auto i = of.find(dn);
    return i == of.end() ? 0 : static_cast<size_t>(std::count(i->second.begin(), i->second.end(), s));
  }

  // Never started again while an incarnation still runs: every NEW after the
  // first follows an exit (DEAD, DONE or CANCELED).
  bool starts_follow_exits(const std::string& dn) const {
    auto i = of.find(dn);
    if (i == of.end())
      return true;
    bool live = false;
    for (auto s : i->second) {
      if (s == node_state::new_) {
        if (live)
          return false;
        live = true;
      } else if (s != node_state::healthy) {
        live = false;
      }
    }
    return true;
  }

  // CANCELED before it ever started: it was still queued.
  bool cancelled_while_queued(const std::string& dn) const {
    auto i = of.find(dn);
    return i != of.end() && !i->second.empty() && i->second.front() == node_state::canceled;
  }
};

std::string nth(const std::string& parent, const char* prefix, size_t i) {
  return parent + "." + prefix + std::to_string(i);
}

// Starts `n` children named prefix0.. with one run() each (a run_group of
// `group` members first, if any), signals healthy, fails on t_fail.
runnable runs_many(recorder& rec, size_t n, size_t group = 0) {
  return [&rec, n, group](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    auto child = becomes_healthy(rec);
    if (group > 0) {
      child_list members;
      for (size_t i = 0; i < group; ++i)
        members.emplace_back("g" + std::to_string(i), child);
      BOOST_CHECK(!run_group(ctx, std::move(members)));
    }
    size_t refused = 0;
    for (size_t i = 0; i < n; ++i)
      if (run(ctx, "c" + std::to_string(i), child))
        ++refused;
    BOOST_CHECK_EQUAL(refused, 0u);
    signal(ctx, signal_type::healthy);
    rec.started(ctx.dn(), caf::actor{self});
    return {[self](fail_atom) { self->quit(test_failure()); }};
  };
}

// The root of the parent-failure test: one node "p" that runs the children.
runnable hosts(recorder& rec, size_t n) {
  return [&rec, n](caf::event_based_actor*, context& ctx) -> caf::behavior {
    BOOST_CHECK(!run(ctx, "p", runs_many(rec, n)));
    signal(ctx, signal_type::healthy);
    return {[](ping_atom) { return ping_atom::value; }};
  };
}

struct scale_fixture : manual_fixture {
  state_log log;

  tree_options logged() {
    auto opts = options();
    opts.on_state = log.hook();
    return opts;
  }

  // Runs one message at a time until `until` holds (or nothing is left);
  // returns the most children any single step started. (The manual
  // scheduler keeps running an actor while its mailbox has messages: the
  // engine works through its chunks before the children it spawned run.)
  template <class Pred>
  size_t step_until(Pred until) {
    size_t most = 0;
    while (!until()) {
      auto before = log.started.size();
      if (!sched.try_run_once())
        break;
      most = std::max(most, log.started.size() - before);
    }
    return most;
  }

  // Runs `a` alone until it has nothing left to do (it quit, or waits).
  void run_alone(const caf::actor& a) {
    while (sched.prioritize(a) && sched.try_run_once()) {
    }
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(tree_scale, scale_fixture)

BOOST_AUTO_TEST_CASE(five_thousand_runs_from_one_node_start_in_order_in_chunks) {
  constexpr size_t n = 5000;
  tree t{sys, runs_many(rec, n), logged()};
  // The root's init made 5,000 run() calls (one run request goes out per
  // batch; the mailbox is not inspected here: reading a CAF 0.17 mailbox from
  // outside its actor trips UBSan inside CAF's queue).
  auto most = step_until([&] { return rec.starts("root") == 1; });
  most = std::max(most, step_until([] { return false; }));
  // No engine handler started more than one chunk (tree_start_chunk in
  // engine/requests.cpp).
  BOOST_CHECK_GT(most, 0u);
  BOOST_CHECK_LE(most, 128u);
  BOOST_REQUIRE_EQUAL(log.started.size(), n + 1);
  BOOST_CHECK_EQUAL(log.started.front(), "root");
  size_t out_of_order = 0, not_healthy = 0, restarted = 0;
  for (size_t i = 0; i < n; ++i) {
    auto dn = nth("root", "c", i);
    out_of_order += log.started[i + 1] != dn;
    not_healthy += log.of[dn] != std::vector<node_state>{node_state::new_, node_state::healthy};
    restarted += rec.starts(dn) != 1;
  }
  BOOST_CHECK_EQUAL(out_of_order, 0u);
  BOOST_CHECK_EQUAL(not_healthy, 0u);
  BOOST_CHECK_EQUAL(restarted, 0u);
  stop(t);
  BOOST_CHECK(t.stopped());
}

BOOST_AUTO_TEST_CASE(a_group_member_failing_while_its_group_is_queued) {
  constexpr size_t members = 1000, singles = 300;
  tree t{sys, runs_many(rec, singles, members), logged()};
  auto first = nth("root", "g", 0);
  // The engine started the first chunk of the group: g0 fails now, its exit
  // reaches the engine while most of its group is still queued.
  step_until([&] { return log.count(first, node_state::new_) == 1; });
  auto g0 = whereis(sys, first);
  BOOST_REQUIRE(g0);
  caf::anon_send(*g0, fail_atom::value);
  run_alone(*g0);
  BOOST_REQUIRE_EQUAL(rec.starts(first), 1u);
  settle();
  BOOST_CHECK_EQUAL(log.count(first, node_state::dead), 1u);
  size_t queued = 0, ran = 0, wrong = 0;
  for (size_t i = 1; i < members; ++i) {
    auto dn = nth("root", "g", i);
    if (log.cancelled_while_queued(dn)) {
      ++queued; // CANCELED, then restarted at once: one start in all
      wrong += log.of[dn]
               != std::vector<node_state>{node_state::canceled, node_state::new_,
                                          node_state::healthy};
    } else {
      ++ran; // cancelled with its group, then restarted
      wrong += log.count(dn, node_state::canceled) != 1 || log.count(dn, node_state::new_) != 2
               || log.of[dn].back() != node_state::healthy;
    }
    wrong += !log.starts_follow_exits(dn) || rec.starts(dn) != log.count(dn, node_state::new_);
  }
  BOOST_CHECK_GT(queued, 0u);
  BOOST_CHECK_GT(ran, 0u);
  BOOST_CHECK_EQUAL(wrong, 0u);
  // The other groups (one run() each) are untouched, and start in order.
  std::vector<std::string> singles_started;
  for (auto& dn : log.started)
    if (dn.compare(0, 6, "root.c") == 0)
      singles_started.push_back(dn);
  BOOST_REQUIRE_EQUAL(singles_started.size(), singles);
  size_t disturbed = 0;
  for (size_t i = 0; i < singles; ++i) {
    auto dn = nth("root", "c", i);
    disturbed += singles_started[i] != dn
                 || log.of[dn] != std::vector<node_state>{node_state::new_, node_state::healthy};
  }
  BOOST_CHECK_EQUAL(disturbed, 0u);
  // The failed member restarts after its backoff.
  advance(500ms);
  BOOST_CHECK_EQUAL(log.count(first, node_state::new_), 2u);
  BOOST_CHECK(log.starts_follow_exits(first));
  stop(t);
}

BOOST_AUTO_TEST_CASE(the_parent_failing_while_its_children_are_queued) {
  constexpr size_t n = 1000;
  tree t{sys, hosts(rec, n), logged()};
  // The engine started the first chunk: p fails now, its exit reaches the
  // engine while most of its children are still queued.
  step_until([&] { return log.count(nth("root.p", "c", 0), node_state::new_) == 1; });
  caf::anon_send(rec.actor("root.p"), fail_atom::value);
  run_alone(rec.actor("root.p"));
  settle();
  // Under the cancelled parent: a queued child never starts, a running one
  // is cancelled; the parent waits for its backoff.
  BOOST_CHECK_EQUAL(log.count("root.p", node_state::dead), 1u);
  size_t queued = 0, wrong = 0;
  for (size_t i = 0; i < n; ++i) {
    auto dn = nth("root.p", "c", i);
    queued += log.cancelled_while_queued(dn);
    wrong += log.of[dn].back() != node_state::canceled || log.count(dn, node_state::new_) > 1
             || rec.starts(dn) != log.count(dn, node_state::new_);
  }
  BOOST_CHECK_GT(queued, 0u);
  BOOST_CHECK_LT(queued, n);
  BOOST_CHECK_EQUAL(wrong, 0u);
  // The restarted parent runs them all again, each once.
  advance(500ms);
  BOOST_CHECK_EQUAL(log.count("root.p", node_state::new_), 2u);
  wrong = 0;
  for (size_t i = 0; i < n; ++i) {
    auto dn = nth("root.p", "c", i);
    auto first_run = log.cancelled_while_queued(dn) ? 0u : 1u;
    wrong += log.count(dn, node_state::new_) != first_run + 1 || log.of[dn].back() != node_state::healthy
             || !log.starts_follow_exits(dn);
  }
  BOOST_CHECK_EQUAL(wrong, 0u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(a_stop_while_children_are_queued) {
  constexpr size_t n = 1000;
  tree t{sys, runs_many(rec, n), logged()};
  // The engine started the first chunk: the stop request comes now.
  step_until([&] { return log.count(nth("root", "c", 0), node_state::new_) == 1; });
  stop(t);
  BOOST_CHECK(t.stopped());
  size_t queued = 0, wrong = 0;
  for (size_t i = 0; i < n; ++i) {
    auto dn = nth("root", "c", i);
    queued += log.cancelled_while_queued(dn);
    wrong += log.of[dn].back() != node_state::canceled || log.count(dn, node_state::new_) > 1;
  }
  BOOST_CHECK_GT(queued, 0u);
  BOOST_CHECK_EQUAL(wrong, 0u);
}

BOOST_AUTO_TEST_SUITE_END()
