// fmt formatters of every public type (format.hpp).
#include <boost/test/unit_test.hpp>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "supervise/format.hpp"

using namespace supervise;

BOOST_AUTO_TEST_SUITE(format_suite)

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

BOOST_AUTO_TEST_CASE(errors) {
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{}), "none");
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{make_error(errc::invalid_name, "a.b")}),
                    "supervise::invalid_name(\"a.b\")");
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{caf::sec::runtime_error}),
                    "system::runtime_error");
  BOOST_CHECK_EQUAL(fmt::format("{}", caf::error{caf::exit_reason::kill}), "exit::kill");
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
