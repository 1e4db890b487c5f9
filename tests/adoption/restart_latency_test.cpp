// The restart-latency histogram of supervise::metrics: bucket placement at
// and around the bounds, what starts, keeps and drops a measurement, the
// per-supervisor labels, and the Prometheus text checked line by line. Fed
// by hand with a clock the test moves.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include <caf/sec.hpp>

#include "supervise/metrics.hpp"

using namespace std::chrono_literals;
using namespace supervise;

namespace {

// A clock moved by hand, and events about one child of one supervisor.
struct latency_feed {
  std::chrono::steady_clock::time_point now{std::chrono::seconds(5000)};
  supervise::metrics m{[this] { return now; }};

  void start(std::string_view sup, std::string_view dn) {
    child_started e;
    e.supervisor = sup;
    e.child = dn;
    m.record(event{e});
  }
  void fail(std::string_view sup, std::string_view dn) {
    child_failed e;
    e.supervisor = sup;
    e.child = dn;
    e.reason = caf::sec::runtime_error;
    m.record(event{e});
  }
  void stopped(std::string_view sup, std::string_view dn) {
    child_stopped e;
    e.supervisor = sup;
    e.child = dn;
    e.state = node_state::canceled;
    e.removed = true;
    m.record(event{e});
  }
  // One failure of `dn` and its start `d` later.
  void restart_after(std::string_view sup, std::string_view dn, std::chrono::nanoseconds d) {
    fail(sup, dn);
    now += d;
    start(sup, dn);
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// The buckets of a histogram as {index: count} for the non-empty ones.
std::vector<std::pair<size_t, uint64_t>> nonempty_buckets(const supervise::restart_latency& h) {
  std::vector<std::pair<size_t, uint64_t>> out;
  for (size_t i = 0; i < h.buckets.size(); ++i)
    if (h.buckets[i] != 0)
      out.emplace_back(i, h.buckets[i]);
  return out;
}

using filled_buckets = std::vector<std::pair<size_t, uint64_t>>;

} // namespace

BOOST_AUTO_TEST_SUITE(restart_latency_histogram)

BOOST_AUTO_TEST_CASE(bucket_index_at_and_around_the_bounds) {
  BOOST_CHECK_EQUAL(restart_latency_bucket_count, 16u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(0ns), 0u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(-3s), 0u); // a clock going back counts as 0
  BOOST_CHECK_EQUAL(restart_latency_bucket(10us), 0u);  // le = 1e-05 includes its bound
  BOOST_CHECK_EQUAL(restart_latency_bucket(10001ns), 1u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(1ms), 4u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(500ms), 9u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(500ms + 1ns), 10u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(60s), 14u);
  BOOST_CHECK_EQUAL(restart_latency_bucket(60s + 1ns), 15u); // +Inf
  BOOST_CHECK_EQUAL(restart_latency_bucket(24h), 15u);
}

BOOST_AUTO_TEST_CASE(latencies_land_in_exact_buckets_per_supervisor) {
  latency_feed f;
  f.start("root", "root.a");
  f.restart_after("root", "root.a", 500ms); // le 0.5
  f.restart_after("root", "root.a", 10us);  // le 1e-05
  f.restart_after("root", "root.a", 90s);   // +Inf
  f.start("root", "root.b");
  f.restart_after("root", "root.b", 250ms);     // le 0.5
  f.restart_after("root.svc", "root.svc.w", 0s); // another supervisor, le 1e-05
  f.restart_after("", "root", 2s);               // a tree's root node: supervisor ""
  auto lat = f.m.restart_latencies();
  BOOST_REQUIRE_EQUAL(lat.size(), 3u);
  BOOST_CHECK_EQUAL(lat[0].supervisor, "");
  BOOST_CHECK(nonempty_buckets(lat[0]) == (filled_buckets{{11, 1}})); // le 5
  BOOST_CHECK_EQUAL(lat[0].count, 1u);
  BOOST_CHECK_EQUAL(lat[0].sum, 2.0);
  BOOST_CHECK_EQUAL(lat[1].supervisor, "root");
  BOOST_CHECK(nonempty_buckets(lat[1]) == (filled_buckets{{0, 1}, {9, 2}, {15, 1}}));
  BOOST_CHECK_EQUAL(lat[1].count, 4u);
  BOOST_CHECK_CLOSE(lat[1].sum, 90.75001, 1e-9);
  BOOST_CHECK_EQUAL(lat[2].supervisor, "root.svc");
  BOOST_CHECK(nonempty_buckets(lat[2]) == (filled_buckets{{0, 1}}));
  BOOST_CHECK_EQUAL(lat[2].count, 1u);
  BOOST_CHECK_EQUAL(lat[2].sum, 0.0);
}

BOOST_AUTO_TEST_CASE(what_starts_keeps_and_drops_a_measurement) {
  latency_feed f;
  f.start("root", "root.a"); // a first start measures nothing
  BOOST_CHECK(f.m.restart_latencies().empty());
  // A second failure before the start keeps the first time point.
  f.fail("root", "root.a");
  f.now += 1s;
  f.fail("root", "root.a");
  f.now += 1s;
  f.start("root", "root.a");
  auto lat = f.m.restart_latencies();
  BOOST_REQUIRE_EQUAL(lat.size(), 1u);
  BOOST_CHECK_EQUAL(lat[0].sum, 2.0);
  BOOST_CHECK(nonempty_buckets(lat[0]) == (filled_buckets{{11, 1}}));
  // A start without a failure before it measures nothing.
  f.now += 5s;
  f.start("root", "root.a");
  BOOST_CHECK_EQUAL(f.m.restart_latencies().at(0).count, 1u);
  // A failure followed by a stop (removed) is dropped, even if the DN comes
  // back later.
  f.fail("root", "root.b");
  f.stopped("root", "root.b");
  f.now += 1s;
  f.start("root", "root.b");
  BOOST_CHECK_EQUAL(f.m.restart_latencies().at(0).count, 1u);
  // A failure not followed by a start is not counted; clear() forgets it.
  f.fail("root", "root.c");
  f.m.clear();
  BOOST_CHECK(f.m.restart_latencies().empty());
  f.start("root", "root.c");
  BOOST_CHECK(f.m.restart_latencies().empty());
}

BOOST_AUTO_TEST_CASE(prometheus_histogram_lines) {
  latency_feed f;
  f.restart_after("root", "root.a", 500ms);
  f.restart_after("root", "root.a", 2s);
  f.restart_after("we\"ird", "we\"ird.x", 120s);
  auto lines = lines_of(to_prometheus(f.m.restart_latencies()));
  std::vector<std::string> want{
    "# HELP supervise_restart_latency_seconds Seconds from a child's failure to its next start, "
    "per supervisor.",
    "# TYPE supervise_restart_latency_seconds histogram",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="1e-05"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="5e-05"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.0001"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.0005"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.001"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.005"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.01"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.05"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.1"} 0)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.5"} 1)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="1"} 1)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="5"} 2)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="10"} 2)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="30"} 2)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="60"} 2)",
    R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="+Inf"} 2)",
    R"(supervise_restart_latency_seconds_sum{supervisor="root"} 2.5)",
    R"(supervise_restart_latency_seconds_count{supervisor="root"} 2)",
  };
  for (auto le : {"1e-05", "5e-05", "0.0001", "0.0005", "0.001", "0.005", "0.01", "0.05", "0.1",
                  "0.5", "1", "5", "10", "30", "60"})
    want.push_back(std::string{R"(supervise_restart_latency_seconds_bucket{supervisor="we\"ird",le=")"}
                   + le + "\"} 0");
  want.push_back(R"(supervise_restart_latency_seconds_bucket{supervisor="we\"ird",le="+Inf"} 1)");
  want.push_back(R"(supervise_restart_latency_seconds_sum{supervisor="we\"ird"} 120)");
  want.push_back(R"(supervise_restart_latency_seconds_count{supervisor="we\"ird"} 1)");
  BOOST_REQUIRE_EQUAL(lines.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    BOOST_CHECK_EQUAL(lines[i], want[i]);
}

BOOST_AUTO_TEST_CASE(full_text_is_counters_then_histograms) {
  latency_feed f;
  BOOST_CHECK_EQUAL(to_prometheus(f.m.restart_latencies()),
                    "# HELP supervise_restart_latency_seconds Seconds from a child's failure to "
                    "its next start, per supervisor.\n"
                    "# TYPE supervise_restart_latency_seconds histogram\n");
  f.start("root", "root.a");
  f.restart_after("root", "root.a", 1s);
  auto text = f.m.to_prometheus_text();
  BOOST_CHECK_EQUAL(text, to_prometheus(f.m.snapshot()) + to_prometheus(f.m.restart_latencies()));
  auto lines = lines_of(text);
  auto has = [&](const std::string& l) {
    return std::find(lines.begin(), lines.end(), l) != lines.end();
  };
  BOOST_CHECK(has(R"(supervise_restarts_total{dn="root.a"} 1)"));
  BOOST_CHECK(has(R"(supervise_failures_total{dn="root.a",kind="error"} 1)"));
  BOOST_CHECK(has(R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="1"} 1)"));
  BOOST_CHECK(has(R"(supervise_restart_latency_seconds_bucket{supervisor="root",le="0.5"} 0)"));
  BOOST_CHECK(has(R"(supervise_restart_latency_seconds_count{supervisor="root"} 1)"));
  // Every family's HELP and TYPE once.
  BOOST_CHECK_EQUAL(std::count_if(lines.begin(), lines.end(),
                                  [](auto& l) { return l.rfind("# TYPE ", 0) == 0; }),
                    6);
}

BOOST_AUTO_TEST_SUITE_END()
