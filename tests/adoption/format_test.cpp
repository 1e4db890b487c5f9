// fmt formatters of every public type (format.hpp).
#include <boost/test/unit_test.hpp>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "supervise/format.hpp"

using namespace supervise;

BOOST_AUTO_TEST_SUITE(format)

BOOST_AUTO_TEST_CASE(enums) {
  BOOST_CHECK_EQUAL(fmt::format("{}", errc::do_not_restart), "do_not_restart");
  BOOST_CHECK_EQUAL(fmt::format("{}", log_level::warning), "WARN");
  BOOST_CHECK_EQUAL(fmt::format("{}", signal_type::healthy), "healthy");
  BOOST_CHECK_EQUAL(fmt::format("{}", signal_type::done), "done");
  BOOST_CHECK_EQUAL(fmt::format("{}", node_state::canceled), "CANCELED");
  BOOST_CHECK_EQUAL(fmt::format("{}", failure_kind::returned_without_done),
                    "returned_without_done");
  // String format specs apply.
  BOOST_CHECK_EQUAL(fmt::format("[{:>8}]", node_state::dead), "[    DEAD]");
  BOOST_CHECK_EQUAL(fmt::format("[{:<6}]", log_level::info), "[INFO  ]");
}

BOOST_AUTO_TEST_CASE(otp_enums) {
  BOOST_CHECK_EQUAL(fmt::format("{}", strategy::rest_for_one), "rest_for_one");
  BOOST_CHECK_EQUAL(fmt::format("{}", auto_shutdown::any_significant), "any_significant");
  BOOST_CHECK_EQUAL(fmt::format("{}", restart_type::transient), "transient");
  BOOST_CHECK_EQUAL(fmt::format("{:>12}", child_type::supervisor), "  supervisor");
}

// A snapshot line with the fields the formatter shows set.
node_info line_of(std::string dn, int depth, node_state state, uint64_t restarts,
                  std::chrono::nanoseconds uptime, caf::actor_id actor, std::string location) {
  node_info x;
  x.dn = std::move(dn);
  x.depth = depth;
  x.state = state;
  x.restarts = restarts;
  x.uptime = uptime;
  x.actor = actor;
  x.location = std::move(location);
  return x;
}

BOOST_AUTO_TEST_CASE(snapshot_and_children) {
  auto root = line_of("root", 0, node_state::healthy, 0, std::chrono::seconds(3), 7, "");
  auto db = line_of("root.db", 1, node_state::dead, 2, {}, 0, "");
  BOOST_CHECK_EQUAL(fmt::format("{}", db), "root.db DEAD restarts=2 actor=-");
  auto cache = line_of("root.cache", 1, node_state::healthy, 0, {}, 9, "n2 epoch 17");
  BOOST_CHECK_EQUAL(fmt::format("{}", cache), "root.cache HEALTHY restarts=0 actor=#9 at n2 epoch 17");
  BOOST_CHECK_EQUAL(fmt::format("{}", std::vector<node_info>{root, db}),
                    render_text({root, db}));
  BOOST_CHECK(render_text({root, db}).find("  db ") != std::string::npos);
  child_info c{"db", "api.db", nullptr, node_state::done, child_type::worker,
               restart_type::transient, 1, true};
  BOOST_CHECK_EQUAL(fmt::format("{}", c), "db DONE transient worker restarts=1 idle");
  BOOST_CHECK_EQUAL(fmt::format("{}", child_counts{3, 2, 1, 2}),
                    "specs=3 active=2 supervisors=1 workers=2");
}

BOOST_AUTO_TEST_CASE(errors) {
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{}), "none");
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{make_error(errc::invalid_name, "a.b")}),
                    "supervise::invalid_name(\"a.b\")");
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{caf::sec::runtime_error}),
                    "system::runtime_error");
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{caf::exit_reason::kill}), "exit::kill");
}

// Every bad name is named, the empty one too; an error of CAF's own
// categories keeps the text it was made with, in logs and events alike.
BOOST_AUTO_TEST_CASE(errors_keep_their_text) {
  BOOST_CHECK_EQUAL(render(make_error(errc::invalid_name, "")), "supervise::invalid_name(\"\")");
  BOOST_CHECK_EQUAL(render(caf::make_error(caf::sec::runtime_error, "disk full")),
                    "system::runtime_error(\"disk full\")");
  BOOST_CHECK_EQUAL(render(caf::error{static_cast<uint8_t>(caf::exit_reason::user_shutdown),
                                       caf::atom("exit"), caf::make_message(std::string{"bye"})}),
                    "exit::user_shutdown(\"bye\")");
  child_failed ev;
  ev.child = "api.db";
  ev.reason = caf::make_error(caf::sec::runtime_error, "disk full");
  BOOST_CHECK(message_of(event{ev}).find("disk full") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(supervisor_types) {
  service_token t{1, 2};
  BOOST_CHECK_EQUAL(fmt::format("{}", t), "1:2");
  service_info info{t, "db", "api.db", node_state::healthy};
  BOOST_CHECK_EQUAL(fmt::format("{}", info), "api.db [1:2] HEALTHY");
  unstopped_child u{"api.cache.shard1", "api.cache", {3, 1}};
  BOOST_CHECK_EQUAL(fmt::format("{}", u), "api.cache.shard1 (unstopped under api.cache, token 3:1)");
  unstopped_child v{"root.poller", "root", {}};
  BOOST_CHECK_EQUAL(fmt::format("{}", v), "root.poller (unstopped under root)");
}

BOOST_AUTO_TEST_CASE(events) {
  child_failed f;
  f.supervisor = "api";
  f.child = "api.db";
  f.failures = 2;
  f.threshold = 5;
  f.restarting = true;
  f.reason = caf::sec::runtime_error;
  BOOST_CHECK_EQUAL(fmt::format("{}", f),
                    "api: child api.db failed (2.00 failures of 5.00, restarting): "
                    "system::runtime_error");
  event e = f;
  BOOST_CHECK_EQUAL(fmt::format("{}", e), fmt::format("{}", f));
  child_started s;
  s.supervisor = "api";
  s.child = "api.db";
  s.incarnation = 3;
  BOOST_CHECK_EQUAL(fmt::format("{}", s), "api: child api.db started (incarnation 3)");
}

BOOST_AUTO_TEST_CASE(node_metrics_line) {
  node_metrics n;
  n.dn = "root.db";
  n.starts = 1;
  n.state = node_state::new_;
  n.state_known = true;
  BOOST_CHECK_EQUAL(fmt::format("{}", n),
                    "root.db NEW starts=1 restarts=0 failures=0 (error=0 exception=0 "
                    "returned_without_done=0 killed=0) in state 0.000s");
}

BOOST_AUTO_TEST_SUITE_END()
