// Blocking runnables (a function on its own thread) as tree nodes: cancelled
// with their group, an error return and an exception are failures, a restart
// reuses the parked thread, done ends DONE, stop() returns on time and
// reports a hung one, wait_for_stop() returns early on a stop. Real time:
// the cases wait on recorded events with bounds, never on sleeps.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <pthread.h>

#include "supervise/tree.hpp"
#include "blocking_threads.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(blocking_runnables, real_fixture)

BOOST_AUTO_TEST_CASE(blocking_child_is_cancelled_with_its_group) {
  auto worker = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    ctx.wait_for_stop();
    return context::canceled();
  };
  tree t{sys, group_root({{"worker", worker}, {"two", rc(rec)}}), options()};
  BOOST_REQUIRE(rec.wait("root.worker", node_state::healthy));
  BOOST_REQUIRE(rec.wait_starts("root.two", 1));
  caf::anon_send(rec.actor("root.two"), fail_atom::value);
  BOOST_CHECK(rec.wait("root.worker", node_state::canceled));
  BOOST_CHECK(rec.wait("root.worker", node_state::healthy, 2));
  t.stop();
  BOOST_CHECK(!t.wait());
}

BOOST_AUTO_TEST_CASE(blocking_failure_and_exception) {
  std::atomic<int> runs{0};
  auto worker = [&](context&) -> caf::error {
    if (++runs == 1)
      return caf::sec::runtime_error;
    throw std::runtime_error("thrown");
  };
  auto opts = options();
  opts.backoff.initial = 1ms;
  opts.backoff.max_interval = 1ms;
  std::mutex mtx;
  std::vector<std::string> lines;
  opts.sink = [&](log_level lvl, std::string_view, std::string_view msg) {
    std::lock_guard<std::mutex> guard{mtx};
    if (lvl == log_level::error)
      lines.emplace_back(msg);
  };
  tree t{sys, group_root({{"w", worker}}), opts};
  BOOST_REQUIRE(rec.wait("root.w", node_state::dead, 2));
  t.stop();
  t.wait();
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_REQUIRE(lines.size() >= 2u);
  BOOST_CHECK(lines[1].find("runnable_threw(\"thrown\")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(blocking_restart_reuses_a_parked_thread) {
  // A restart must not pay for a thread start: the ended incarnation's thread
  // runs the next one (at most one new thread for the whole run).
  auto before = test::blocking_threads();
  std::mutex mtx;
  std::vector<std::string> names;
  std::atomic<int> runs{0};
  auto worker = [&](context& ctx) -> caf::error {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    {
      std::lock_guard<std::mutex> guard{mtx};
      names.emplace_back(name);
    }
    if (++runs < 6)
      return caf::sec::runtime_error;
    signal(ctx, signal_type::healthy);
    ctx.wait_for_stop();
    return context::canceled();
  };
  auto opts = options();
  opts.backoff.initial = 0ms;
  tree t{sys, group_root({{"w", worker}}), opts};
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy));
  BOOST_CHECK_LE(test::blocking_threads(), before + 1);
  t.stop();
  BOOST_CHECK(!t.wait());
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_CHECK_EQUAL(names.size(), 6u);
  for (auto& name : names)
    BOOST_CHECK_EQUAL(name, "sv.blocking");
}

BOOST_AUTO_TEST_CASE(blocking_done_ends_done) {
  auto worker = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  };
  tree t{sys, group_root({{"w", worker}}), options()};
  BOOST_CHECK(rec.wait("root.w", node_state::done));
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.w", node_state::dead), 0u);
}

BOOST_AUTO_TEST_CASE(stop_returns_on_time_and_reports_a_hung_blocking_child) {
  std::promise<void> release;
  auto released = release.get_future().share();
  auto hung = [&, released](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    released.wait(); // ignores its stop request until the test lets go
    return context::canceled();
  };
  auto opts = options();
  opts.stop_timeout = 100ms;
  tree t{sys, group_root({{"hung", hung}, {"fine", becomes_healthy(rec)}}), opts};
  BOOST_REQUIRE(rec.wait("root.hung", node_state::healthy));
  auto before = std::chrono::steady_clock::now();
  t.stop();
  auto result = t.wait_for(10s);
  auto took = std::chrono::steady_clock::now() - before;
  BOOST_REQUIRE(result.has_value());
  BOOST_CHECK(took < 100ms + 900ms); // generous bound over the 100 ms timeout
  BOOST_CHECK(t.unstopped() == std::vector<std::string>{"root.hung"});
  release.set_value(); // let the thread end so the actor system can shut down
}

BOOST_AUTO_TEST_CASE(wait_for_stop_returns_early_on_stop) {
  auto worker = [&](context& ctx) -> caf::error {
    signal(ctx, signal_type::healthy);
    while (!ctx.wait_for_stop(1h)) {
    }
    return context::canceled();
  };
  tree t{sys, group_root({{"w", worker}}), options()};
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy));
  auto before = std::chrono::steady_clock::now();
  t.stop();
  auto result = t.wait_for(10s);
  BOOST_REQUIRE(result.has_value());
  BOOST_CHECK(!*result);
  BOOST_CHECK(std::chrono::steady_clock::now() - before < 5s);
}

BOOST_AUTO_TEST_SUITE_END()
