// harness_test — how to test your own runnables with supervise/testing.hpp
// in a Boost.Test suite (the harness itself knows no test framework).
//
// The tree below runs a `cache` that must become healthy, and a `loader`
// that fails twice before it works. Time is virtual: the test jumps over the
// backoff delays instead of sleeping through them, and runs in milliseconds.
#define BOOST_TEST_MODULE harness_example
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>

#include "supervise/context.hpp"
#include "supervise/testing.hpp"
#include "supervise/tree.hpp"

using namespace std::chrono_literals;
using supervise::context;
using supervise::node_state;
using supervise::signal_type;

namespace {

// Your code under test: an event-based runnable that signals healthy.
supervise::runnable cache() {
  return [](caf::event_based_actor*, context& ctx) -> caf::behavior {
    supervise::signal(ctx, signal_type::healthy);
    return {[](int x) { return x * 2; }};
  };
}

// Fails (with an error exit) on its first `failures` incarnations.
supervise::runnable loader(std::shared_ptr<int> runs, int failures) {
  return [runs, failures](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    if (++*runs <= failures) {
      self->quit(caf::sec::runtime_error);
      return {};
    }
    supervise::signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  };
}

} // namespace

BOOST_AUTO_TEST_CASE(loader_recovers_after_its_backoff) {
  supervise::testing::manual_clock_system h; // first: it must outlive the tree
  auto runs = std::make_shared<int>(0);
  supervise::tree t{h.system(),
                    [runs](caf::event_based_actor*, context& ctx) -> caf::behavior {
                      supervise::run(ctx, "cache", cache());
                      supervise::run(ctx, "loader", loader(runs, 2));
                      supervise::signal(ctx, signal_type::healthy);
                      return {[](int) {}};
                    },
                    h.tree_options()};
  h.settle();
  BOOST_TEST(h.states().count("root.cache", node_state::healthy) == 1u);
  BOOST_TEST(h.states().count("root.loader", node_state::dead) == 1u);

  // Nothing happens without time: the first backoff is 500 ms.
  h.step(499ms);
  BOOST_TEST(*runs == 1);
  h.step(1ms);
  BOOST_TEST(*runs == 2); // failed again: the next backoff is 750 ms

  // Or let the harness jump from timer to timer until the state is reached.
  BOOST_TEST(h.wait_for_state("root.loader", node_state::healthy));
  BOOST_TEST(*runs == 3);
  BOOST_TEST((h.elapsed() == 1250ms)); // 500 + 750, exactly

  BOOST_TEST(h.stop(t));
  BOOST_TEST(h.states().count("root.cache", node_state::canceled) == 1u);
}

BOOST_AUTO_TEST_CASE(wait_for_state_gives_up_deterministically) {
  supervise::testing::manual_clock_system h;
  auto runs = std::make_shared<int>(0);
  supervise::tree t{h.system(),
                    [runs](caf::event_based_actor*, context& ctx) -> caf::behavior {
                      supervise::run(ctx, "loader", loader(runs, 1000));
                      supervise::signal(ctx, signal_type::healthy);
                      return {[](int) {}};
                    },
                    h.tree_options()};
  // A loader that never recovers: the budget of virtual time runs out.
  BOOST_TEST(!h.wait_for_state("root.loader", node_state::healthy, 1, 10s));
  BOOST_TEST((h.elapsed() <= 10s));
  BOOST_TEST(h.stop(t));
}
