// simulate() on real trees: a tree node hierarchy (Monogon), OTP and suture
// supervisors; determinism and replay; what a run refuses.
#include "supervise/simulation.hpp"

#include <boost/test/unit_test.hpp>

#include <iostream>

#include "sim_trees.hpp"
#include "supervise/errc.hpp"

using namespace supervise;
using namespace std::chrono_literals;
namespace sim = supervise::simulation;

namespace {

sim::options quick(size_t seeds, size_t faults) {
  sim::options o;
  o.seeds = seeds;
  o.faults = faults;
  o.from_environment = false;
  o.tree.stop_timeout = 2s;
  return o;
}

sim::tree_factory tree_of(runnable root) {
  return [root](caf::actor_system&) { return root; };
}

} // namespace

BOOST_AUTO_TEST_SUITE(simulation_runs)

BOOST_AUTO_TEST_CASE(a_correct_tree_holds_every_invariant_under_every_fault_kind) {
  auto report = sim::simulate(tree_of(sim_trees::service_tree()), quick(50, 200));
  BOOST_TEST_MESSAGE(report.text());
  BOOST_TEST(static_cast<bool>(report), report.text());
  BOOST_TEST(report.runs == 50u);
  BOOST_TEST(report.faults > 50u * 100u); // most draws find a live target
}

BOOST_AUTO_TEST_CASE(otp_supervisors_hold_every_invariant) {
  for (auto st : {strategy::one_for_one, strategy::one_for_all, strategy::rest_for_one}) {
    auto o = quick(30, 200);
    o.root_name = "app";
    // Children that honour their stop requests: see nested_supervisor_hazards.
    o.mix = sim::default_mix();
    for (auto& [kind, weight] : o.mix)
      if (kind == sim::fault_kind::hang_on_stop || kind == sim::fault_kind::unkillable)
        weight = 0;
    auto report = sim::simulate([st](caf::actor_system& sys) { return sim_trees::otp_app(sys, st); }, o);
    BOOST_TEST(static_cast<bool>(report), to_string(st) << ": " << report.text());
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_log_byte_for_byte) {
  auto o = quick(1, 300);
  auto a = sim::run(tree_of(sim_trees::service_tree()), o, 7);
  auto b = sim::run(tree_of(sim_trees::service_tree()), o, 7);
  auto c = sim::run(tree_of(sim_trees::service_tree()), o, 8);
  BOOST_TEST(a.log.size() > 500u);
  BOOST_TEST(a.log == b.log);
  BOOST_TEST(a.faults == b.faults);
  BOOST_TEST(a.log != c.log);
}

BOOST_AUTO_TEST_CASE(replaying_a_run_s_schedule_gives_its_log) {
  auto o = quick(1, 300);
  auto a = sim::run(tree_of(sim_trees::service_tree()), o, 11);
  auto b = sim::replay(tree_of(sim_trees::service_tree()), o, a.faults, a.seed);
  BOOST_TEST(a.log == b.log);
  auto decoded = sim::decode(sim::encode(a.faults));
  BOOST_REQUIRE(decoded);
  BOOST_TEST((*decoded == a.faults));
}

BOOST_AUTO_TEST_CASE(a_blocking_runnable_is_refused_naming_its_dn) {
  auto root = sim_trees::parent_of(
    {{"worker", runnable::blocking([](context& ctx) -> caf::error {
        ctx.wait_for_stop();
        return context::canceled();
      })}});
  auto report = sim::simulate(tree_of(root), quick(1, 10));
  BOOST_REQUIRE(!report);
  BOOST_TEST((report.failure->setup == errc::invalid_option));
  BOOST_TEST(report.text().find("root.worker is a blocking runnable") != std::string::npos,
             report.text());
}

BOOST_AUTO_TEST_SUITE_END()
