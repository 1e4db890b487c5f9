// Schedules as text, DN patterns, options validation, the Boost.Test macro,
// and the same log on every build (plain, ASan, TSan).
#include "supervise/simulation_boost.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "log_digest.hpp"
#include "sim_trees.hpp"
#include "supervise/errc.hpp"

using namespace supervise;
using namespace std::chrono_literals;
namespace sim = supervise::simulation;

BOOST_AUTO_TEST_SUITE(simulation_schedules)

BOOST_AUTO_TEST_CASE(dn_patterns_match_within_and_across_labels) {
  struct row {
    const char* pattern;
    const char* dn;
    bool match;
  };
  const row rows[] = {
    {"root.api.db", "root.api.db", true}, {"root.api.db", "root.api.dbx", false},
    {"root.*.db", "root.api.db", true},   {"root.*.db", "root.a.b.db", false},
    {"root.**", "root.a.b.db", true},     {"root.**", "root", false},
    {"**", "root", true},                 {"root.*", "root.api", true},
    {"root.*", "root.api.db", false},     {"*.db", "root.db", true},
    {"root.ap*", "root.api", true},       {"root.ap*", "root.api.db", false},
  };
  for (auto& r : rows)
    BOOST_TEST(sim::matches(r.pattern, r.dn) == r.match, r.pattern << " vs " << r.dn);
}

BOOST_AUTO_TEST_CASE(a_schedule_survives_encode_and_decode_and_reads_as_a_timeline) {
  sim::schedule s{{1500ms, sim::fault_kind::fail, "root.api.db"},
                  {2s, sim::fault_kind::kill, "root.x"},
                  {2s, sim::fault_kind::slow_start, ""}};
  BOOST_TEST(sim::encode(s) == "1.5s:fail:root.api.db,2s:kill:root.x,2s:slow_start:");
  auto back = sim::decode(sim::encode(s));
  BOOST_REQUIRE(back);
  BOOST_TEST((*back == s));
  BOOST_TEST(sim::timeline(s)
             == "t=1.5s root.api.db fails: error\nt=2s root.x is killed\n"
                "t=2s slow_start: no live node matched\n");
  for (auto k : sim::all_fault_kinds())
    BOOST_TEST((sim::parse_fault_kind(sim::to_string(k)) == k));
}

BOOST_AUTO_TEST_CASE(a_bad_schedule_is_refused_naming_the_item) {
  struct row {
    const char* text;
    const char* says;
  };
  const row rows[] = {
    {"1s:fail", "schedule item \"1s:fail\": expected <time>:<kind>:<dn>"},
    {"soon:fail:root", "schedule item \"soon:fail:root\": bad time"},
    {"1s:explode:root", "schedule item \"1s:explode:root\": unknown fault kind"},
    {"2s:fail:a,1s:fail:b", "schedule item \"1s:fail:b\": earlier than the item before it"},
  };
  for (auto& r : rows) {
    auto s = sim::decode(r.text);
    BOOST_REQUIRE(!s);
    BOOST_TEST((s.error() == errc::invalid_option));
    BOOST_TEST(render(s.error()).find(r.says) != std::string::npos, render(s.error()));
  }
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_naming_every_field) {
  sim::options o;
  o.seeds = 0;
  o.mean_gap = 0s;
  o.mix = {{sim::fault_kind::fail, -1}, {sim::fault_kind::node_loss, 1}}; // no environment
  o.targets = {""};
  o.skip = {"no_such_invariant"};
  o.root_name = "a.b";
  o.tree.stop_timeout = -1s;
  auto err = o.validate();
  BOOST_REQUIRE(err);
  auto text = render(err);
  for (auto* field : {"seeds", "mean_gap", "mix[fail]", "mix[node_loss]", "targets[0]",
                      "no_such_invariant", "root_name", "tree.stop_timeout"})
    BOOST_TEST(text.find(field) != std::string::npos, field << " in " << text);
  BOOST_CHECK_THROW(sim::simulate([](caf::actor_system&) { return sim_trees::leaf(); }, o),
                    std::invalid_argument);
  BOOST_TEST(!sim::options{}.validate());
}

BOOST_AUTO_TEST_CASE(the_boost_macro_runs_a_simulation_as_a_check) {
  sim::options o;
  o.seeds = 5;
  o.faults = 50;
  o.from_environment = false;
  auto report = SUPERVISE_CHECK_SIMULATION(
    [](caf::actor_system&) { return sim_trees::service_tree(); }, o);
  BOOST_TEST(report.runs == 5u);
  BOOST_TEST(static_cast<bool>(report));
}

// The log's digest for one seed, fixed here: plain, ASan and TSan builds run
// this case, so all three give the same log. A change of the engine that
// changes what a run logs changes the digest: print it, check the new log
// reads right, and update it.
BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_log_on_every_build) {
  sim::options o;
  o.faults = 300;
  o.from_environment = false;
  auto r = sim::run([](caf::actor_system&) { return sim_trees::service_tree(); }, o, 42);
  auto digest = log_digest(r.log);
  BOOST_TEST_MESSAGE("log digest " << digest << ", " << r.log.size() << " lines");
  BOOST_TEST(r.log.size() > 1000u);
  BOOST_TEST(digest == 14290760960123098210ULL, "the log's digest is " << digest);
}

BOOST_AUTO_TEST_SUITE_END()
