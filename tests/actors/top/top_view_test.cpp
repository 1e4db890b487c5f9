// What supervise-top shows, without a network: the DN filter, the
// endpoint's JSON read into node_info, restart rates from successive
// snapshots, the live rows (a countdown and an uptime that run between
// snapshots) and the --once forms (text, JSON, DOT).
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dn_filter.hpp"
#include "event_line.hpp"
#include "inspection_reply.hpp"
#include "live_model.hpp"
#include "snapshot_output.hpp"
#include "tree_rows.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::top;

namespace {

// root, root.api (a supervisor), root.api.db (waiting to restart), root.web.
const char* sample_snapshot = R"({"root": "root", "taken_unix_ms": 1765152000123, "nodes": [
  {"dn": "root", "depth": 0, "state": "HEALTHY", "restarts": 0, "incarnation": 1,
   "uptime_ns": 5000000000, "actor": 7, "location": "", "last_exit": "",
   "restart_in_ns": null, "accounting": null},
  {"dn": "root.api", "depth": 1, "state": "HEALTHY", "restarts": 0, "incarnation": 1,
   "uptime_ns": 4000000000, "actor": 8, "location": "", "last_exit": "",
   "restart_in_ns": null,
   "accounting": {"failures": 1.5, "threshold": 5, "decay_ns": 30000000000, "paused": false,
                  "max_restarts": 3, "period_ns": 5000000000, "restarts_in_period": 1}},
  {"dn": "root.api.db", "depth": 2, "state": "DEAD", "restarts": 3, "incarnation": 4,
   "uptime_ns": 0, "actor": 0, "location": "", "last_exit": "system::runtime_error",
   "restart_in_ns": 1200000000, "accounting": null},
  {"dn": "root.web", "depth": 1, "state": "HEALTHY", "restarts": 1, "incarnation": 2,
   "uptime_ns": 2000000000, "actor": 9, "location": "n2 epoch 17", "last_exit": "normal",
   "restart_in_ns": null, "accounting": null, "future_field": 1}]})";

std::vector<std::string> dns_of(const std::vector<node_info>& nodes) {
  std::vector<std::string> out;
  for (auto& n : nodes)
    out.push_back(n.dn);
  return out;
}

// The message of the runtime_error `f` throws ("" if none).
template <class F>
std::string thrown(F f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

BOOST_AUTO_TEST_SUITE(top_view)

BOOST_AUTO_TEST_CASE(filter_globs_substrings_and_ancestors) {
  BOOST_TEST(dn_filter{"root.api*"}.matches("root.api"));
  BOOST_TEST(dn_filter{"root.api*"}.matches("root.api.db"));
  BOOST_TEST(!dn_filter{"root.api*"}.matches("root.web"));
  BOOST_TEST(dn_filter{"*.d?"}.matches("root.api.db"));
  BOOST_TEST(!dn_filter{"*.d?"}.matches("root.api.dbx"));
  BOOST_TEST(dn_filter{"a*b*c"}.matches("aXbYbZc"));
  BOOST_TEST(!dn_filter{"a*b*c"}.matches("aXbYbZ"));
  BOOST_TEST(dn_filter{"pi"}.matches("root.api")); // no wildcard: a substring
  BOOST_TEST(!dn_filter{"root.api"}.matches("root.web"));
  BOOST_TEST(dn_filter{}.matches("anything"));
  auto snap = read_snapshot(sample_snapshot);
  auto kept = dns_of(shown_nodes(snap, dn_filter{"*db"}));
  BOOST_TEST(kept == (std::vector<std::string>{"root", "root.api", "root.api.db"}),
             boost::test_tools::per_element());
  kept = dns_of(shown_nodes(snap, dn_filter{"web"}));
  BOOST_TEST(kept == (std::vector<std::string>{"root", "root.web"}),
             boost::test_tools::per_element());
  BOOST_TEST(shown_nodes(snap, dn_filter{"nothing"}).empty());
}

BOOST_AUTO_TEST_CASE(snapshot_json_is_read_into_node_info) {
  auto snap = read_snapshot(sample_snapshot);
  BOOST_TEST(snap.root == "root");
  BOOST_TEST(snap.taken_unix_ms == 1765152000123);
  BOOST_REQUIRE(snap.nodes.size() == 4u);
  BOOST_REQUIRE(snap.node_json.size() == 4u);
  auto& api = snap.nodes[1];
  BOOST_REQUIRE(api.accounting.has_value());
  BOOST_TEST(api.accounting->failures == 1.5);
  BOOST_TEST(api.accounting->threshold == 5.0);
  BOOST_TEST(api.accounting->max_restarts.value_or(0) == 3u);
  BOOST_TEST(api.accounting->restarts_in_period == 1u);
  auto& db = snap.nodes[2];
  BOOST_TEST((db.state == node_state::dead));
  BOOST_TEST(db.depth == 2);
  BOOST_TEST(db.restarts == 3u);
  BOOST_TEST(db.restart_in.value_or(0ns).count() == 1200000000);
  BOOST_TEST(db.last_exit == "system::runtime_error");
  BOOST_TEST(snap.nodes[3].location == "n2 epoch 17");
  BOOST_TEST(!snap.nodes[3].restart_in.has_value());
  // The node's JSON passes on fields this program does not know.
  BOOST_TEST(nlohmann::json::parse(snap.node_json[3]).at("future_field") == 1);
}

BOOST_AUTO_TEST_CASE(bad_replies_are_named) {
  BOOST_TEST(thrown([] { read_snapshot("not json"); }).find("not JSON") != std::string::npos);
  BOOST_TEST(thrown([] { read_snapshot(R"({"root": "r"})"); }).find("\"nodes\"")
             != std::string::npos);
  BOOST_TEST(thrown([] { read_snapshot(R"({"nodes": [{"dn": "r", "depth": 0, "state": "ODD"}]})"); })
               .find("\"ODD\"")
             != std::string::npos);
  BOOST_TEST(thrown([] { read_snapshot(R"({"nodes": [{"dn": 3, "depth": 0, "state": "NEW"}]})"); })
               .find("\"dn\"")
             != std::string::npos);
  BOOST_TEST(thrown([] { read_follow(R"({"events": []})"); }).find("\"next\"")
             != std::string::npos);
  BOOST_TEST(thrown([] { read_hello("[1]"); }).find("not a JSON object") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(follow_replies_and_event_lines) {
  auto r = read_follow(R"js({"events": [
    {"seq": 17, "unix_ms": 1765152000123, "kind": "child_failed", "supervisor": "root.api",
     "dn": "root.api.db", "text": "root.api: child root.api.db failed (boom)"},
    {"seq": 18, "unix_ms": 1765152000124, "kind": "state", "supervisor": "root.api",
     "dn": "root.api.db", "text": "", "state": "DEAD"}], "next": 18, "dropped": 2})js");
  BOOST_REQUIRE(r.events.size() == 2u);
  BOOST_TEST(r.next == 18u);
  BOOST_TEST(r.dropped == 2u);
  auto line = event_line(r.events[0]);
  // "HH:MM:SS.123 kind dn text" (the hour depends on the local time zone)
  BOOST_TEST(line.size() > 13u);
  BOOST_TEST(line.substr(8, 4) == ".123");
  BOOST_TEST(line.substr(12) ==
             " child_failed root.api.db root.api: child root.api.db failed (boom)");
  BOOST_TEST(event_line(r.events[1]).substr(12) == " state root.api.db DEAD");
}

BOOST_AUTO_TEST_CASE(restart_rates_come_from_successive_snapshots) {
  live_model model{{"127.0.0.1:4000"}};
  auto t0 = std::chrono::steady_clock::now();
  auto snap = read_snapshot(sample_snapshot); // db: 3 restarts
  model.snapshot_at(0, snap, t0);
  BOOST_TEST(model.view().endpoints[0].rates[2] == 0.0);
  snap.nodes[2].restarts = 5;
  model.snapshot_at(0, snap, t0 + 4s);
  BOOST_TEST(model.view().endpoints[0].rates[2] == 0.5); // 2 restarts in 4 s
  snap.nodes[2].restarts = 6;
  model.snapshot_at(0, snap, t0 + 24s); // the window starts at the 4 s sample
  BOOST_TEST(model.view().endpoints[0].rates[2] == 0.05);
  model.snapshot_at(0, snap, t0 + 40s);
  BOOST_TEST(model.view().endpoints[0].rates[2] == 0.0);
  snap.nodes[2].restarts = 0; // another process: counted afresh, never negative
  model.snapshot_at(0, snap, t0 + 41s);
  BOOST_TEST(model.view().endpoints[0].rates[2] == 0.0);
}

BOOST_AUTO_TEST_CASE(rows_count_down_and_up_between_snapshots) {
  live_model model{{"127.0.0.1:4000"}};
  auto t0 = std::chrono::steady_clock::now();
  model.connected(0, hello_reply{1, "root"});
  model.snapshot_at(0, read_snapshot(sample_snapshot), t0);
  auto rows = tree_rows(model.view(), dn_filter{}, t0 + 500ms);
  BOOST_REQUIRE(rows.size() == 5u);
  BOOST_TEST((rows[0].what == tree_row::kind::endpoint));
  BOOST_TEST(rows[0].text.find("127.0.0.1:4000") == 0u);
  BOOST_TEST(rows[2].name == "  api");
  BOOST_TEST(rows[2].detail == "failures 1.50/5  intensity 1/3 in 5.0s");
  BOOST_TEST(rows[3].name == "    db");
  BOOST_TEST((rows[3].state == node_state::dead));
  BOOST_TEST(rows[3].up == "-");
  BOOST_TEST(rows[3].detail == "restart in 700ms  last exit: system::runtime_error");
  BOOST_TEST(rows[4].up == "2.5s");
  BOOST_TEST(rows[4].detail == "at n2 epoch 17  last exit: normal");
  // The countdown stops at 0.
  rows = tree_rows(model.view(), dn_filter{}, t0 + 3s);
  BOOST_TEST(rows[3].detail.find("restart in 0ms") == 0u);
  // A filter that matches nothing says so.
  rows = tree_rows(model.view(), dn_filter{"nothing"}, t0);
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[1].text.find("no node matches 'nothing'") != std::string::npos);
  // Dropped events are counted in the header.
  follow_reply batch;
  batch.dropped = 7;
  model.events(0, batch);
  BOOST_TEST(tree_rows(model.view(), dn_filter{}, t0)[0].text.find("dropped 7 events")
             != std::string::npos);
  // Lost: the tree as last seen, its times stopped.
  model.lost(0, "127.0.0.1:4000: the endpoint went away");
  rows = tree_rows(model.view(), dn_filter{}, t0 + 3s);
  BOOST_TEST(rows[0].text == "127.0.0.1:4000  [root]  LOST: the endpoint went away "
                             "(retrying; the tree as last seen)");
  BOOST_TEST(rows[4].lost);
  BOOST_TEST(rows[4].up == "2.0s");
  BOOST_TEST(rows[3].detail.find("restart in 1.2s") == 0u);
}

BOOST_AUTO_TEST_CASE(short_durations) {
  BOOST_TEST(short_duration(850ms) == "850ms");
  BOOST_TEST(short_duration(12300ms) == "12.3s");
  BOOST_TEST(short_duration(303s) == "5m03s");
  BOOST_TEST(short_duration(7440s) == "2h04m");
  BOOST_TEST(short_duration(std::chrono::hours(76)) == "3d04h");
  BOOST_TEST(short_duration(-5ms) == "0ms");
}

BOOST_AUTO_TEST_CASE(once_forms) {
  std::vector<endpoint_snapshot> one{{"127.0.0.1:4000", read_snapshot(sample_snapshot)}};
  // Text: the library's render_text, filtered.
  auto text = snapshot_text(one, dn_filter{"root.web"});
  BOOST_TEST(text == render_text(shown_nodes(one[0].snap, dn_filter{"root.web"})));
  BOOST_TEST(text.find("web") != std::string::npos);
  BOOST_TEST(text.find("db") == std::string::npos);
  // JSON: one array, nodes as sent.
  auto doc = nlohmann::json::parse(snapshot_json(one, dn_filter{"*db"}));
  BOOST_REQUIRE(doc.is_array());
  BOOST_TEST(doc.at(0).at("endpoint") == "127.0.0.1:4000");
  BOOST_TEST(doc.at(0).at("nodes").size() == 3u);
  BOOST_TEST(doc.at(0).at("nodes").at(2).at("restart_in_ns") == 1200000000);
  // DOT: one endpoint without clusters, several with one each.
  auto dot = snapshot_dot(one, dn_filter{});
  BOOST_TEST(dot.find("digraph supervision {") == 0u);
  BOOST_TEST(dot.find("\"root.api\" -> \"root.api.db\";") != std::string::npos);
  BOOST_TEST(dot.find("cluster") == std::string::npos);
  auto two = one;
  two.push_back({"127.0.0.1:4001", read_snapshot(sample_snapshot)});
  dot = snapshot_dot(two, dn_filter{});
  BOOST_TEST(dot.find("subgraph \"cluster_1\"") != std::string::npos);
  BOOST_TEST(dot.find("\"127.0.0.1:4001 root\" -> \"127.0.0.1:4001 root.web\";")
             != std::string::npos);
  text = snapshot_text(two, dn_filter{});
  BOOST_TEST(text.find("== 127.0.0.1:4001 root=root\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
