// Misuse of the tree API is an error, never a crash: names are validated and
// unique within a parent (a rejected group creates nothing), run() after
// healthy is rejected, signals out of order are errors, a stale context never
// reaches the next incarnation, invalid tree arguments throw. Manual clock.

#include <boost/test/unit_test.hpp>

#include <optional>
#include <stdexcept>

#include "supervise/tree.hpp"
#include "tree_support.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace test;

BOOST_FIXTURE_TEST_SUITE(api_misuse, manual_fixture)

BOOST_AUTO_TEST_CASE(names_are_validated_and_unique) {
  std::vector<caf::error> errs;
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    errs.push_back(run(ctx, "a.b", becomes_healthy(rec)));
    errs.push_back(run(ctx, "", becomes_healthy(rec)));
    errs.push_back(run(ctx, std::string(65, 'x'), becomes_healthy(rec)));
    errs.push_back(run(ctx, "sp ace", becomes_healthy(rec)));
    errs.push_back(run(ctx, "Good_name-1", becomes_healthy(rec)));
    errs.push_back(run(ctx, "Good_name-1", becomes_healthy(rec)));
    errs.push_back(run_group(ctx, {{"x", becomes_healthy(rec)}, {"x", becomes_healthy(rec)}}));
    errs.push_back(run_group(ctx, {{"y", becomes_healthy(rec)}, {"bad!", becomes_healthy(rec)}}));
    errs.push_back(run(ctx, "empty", runnable{}));
    errs.push_back(run(ctx, std::string(64, 'x'), becomes_healthy(rec)));
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 10u);
  BOOST_CHECK(errs[0] == errc::invalid_name);
  BOOST_CHECK_EQUAL(detail_of(errs[0]), "a.b");
  BOOST_CHECK(errs[1] == errc::invalid_name);
  BOOST_CHECK(errs[2] == errc::invalid_name);
  BOOST_CHECK(errs[3] == errc::invalid_name);
  BOOST_CHECK(!errs[4]);
  BOOST_CHECK(errs[5] == errc::duplicate_name);
  BOOST_CHECK_EQUAL(detail_of(errs[5]), "root.Good_name-1");
  BOOST_CHECK(errs[6] == errc::duplicate_name);
  BOOST_CHECK(errs[7] == errc::invalid_name);
  BOOST_CHECK_EQUAL(detail_of(errs[7]), "bad!");
  BOOST_CHECK(errs[8] == errc::empty_runnable);
  BOOST_CHECK(!errs[9]);
  // Nothing of a rejected group was created.
  BOOST_CHECK_EQUAL(rec.starts("root.y"), 0u);
  BOOST_CHECK_EQUAL(rec.starts("root.Good_name-1"), 1u);
  stop(t);
}

BOOST_AUTO_TEST_CASE(run_after_healthy_is_rejected) {
  caf::error err;
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    signal(ctx, signal_type::healthy);
    err = run(ctx, "late", becomes_healthy(rec));
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_CHECK(err == errc::not_new);
  BOOST_CHECK_EQUAL(detail_of(err), "root");
  stop(t);
}

BOOST_AUTO_TEST_CASE(signal_misuse_is_an_error_not_a_crash) {
  std::vector<caf::error> errs;
  auto root = [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
    errs.push_back(signal(ctx, signal_type::done));    // before healthy
    errs.push_back(signal(ctx, signal_type::healthy)); // ok
    errs.push_back(signal(ctx, signal_type::healthy)); // twice
    errs.push_back(signal(ctx, signal_type::done));    // ok
    errs.push_back(signal(ctx, signal_type::done));    // twice
    return {[](ping_atom) {}};
  };
  tree t{sys, root, options()};
  settle();
  BOOST_REQUIRE_EQUAL(errs.size(), 5u);
  BOOST_CHECK(errs[0] == errc::signal_misuse);
  BOOST_CHECK(!errs[1]);
  BOOST_CHECK(errs[2] == errc::signal_misuse);
  BOOST_CHECK(!errs[3]);
  BOOST_CHECK(errs[4] == errc::signal_misuse);
  stop(t);
}

BOOST_AUTO_TEST_CASE(stale_context_never_reaches_the_next_incarnation) {
  std::optional<context> first;
  auto child = keeps_first_context(rec, first);
  tree t{sys, group_root({{"c", child}}), options()};
  settle();
  send("root.c", fail_atom::value);
  advance(500ms);
  BOOST_REQUIRE_EQUAL(rec.starts("root.c"), 2u);
  BOOST_CHECK(signal(*first, signal_type::healthy) == errc::stale_context);
  BOOST_CHECK(run(*first, "x", becomes_healthy(rec)) == errc::stale_context);
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.c", node_state::healthy), 0u);
  BOOST_CHECK_EQUAL(rec.starts("root.c.x"), 0u);
  stop(t);
}

// A logger taken from a stale context names the incarnation that wrote, so
// its lines never pass for the live node's.
BOOST_AUTO_TEST_CASE(a_stale_context_logs_as_its_own_incarnation) {
  std::optional<context> first;
  auto child = keeps_first_context(rec, first);
  std::vector<std::pair<std::string, std::string>> lines;
  auto opts = options();
  opts.sink = [&](log_level, std::string_view dn, std::string_view msg) {
    lines.emplace_back(std::string{dn}, std::string{msg});
  };
  tree t{sys, group_root({{"c", child}}), opts};
  settle();
  get_logger(*first).info("while live");
  send("root.c", fail_atom::value);
  advance(500ms);
  BOOST_REQUIRE_EQUAL(rec.starts("root.c"), 2u);
  get_logger(*first).info("after its exit");
  auto from = [&](const std::string& msg) {
    for (auto& [dn, m] : lines)
      if (m == msg)
        return dn;
    return std::string{"(none)"};
  };
  BOOST_CHECK_EQUAL(from("while live"), "root.c");
  BOOST_CHECK_EQUAL(from("after its exit"), "root.c#1");
  stop(t);
}

BOOST_AUTO_TEST_CASE(invalid_tree_arguments_throw) {
  BOOST_CHECK_THROW((tree{sys, runnable{}, options()}), std::invalid_argument);
  auto opts = options();
  opts.backoff.multiplier = -1;
  BOOST_CHECK_THROW((tree{sys, becomes_healthy(rec), opts}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
