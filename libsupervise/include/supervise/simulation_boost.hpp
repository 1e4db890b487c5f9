// supervise/simulation_boost.hpp — a simulation as a Boost.Test check.
//
//   BOOST_AUTO_TEST_CASE(my_tree_survives_faults) {
//     supervise::simulation::options opts;
//     opts.seeds = 200;
//     SUPERVISE_CHECK_SIMULATION(my_tree_factory, opts);
//   }
//
// Fails the test case (BOOST_ERROR, the case goes on) with the report's
// text: the violation, the shrunk timeline and the two replay lines, whose
// command runs this test case alone
// (`SUPERVISE_SIM_SEED=17 ./tests --run_test=suite/my_tree_survives_faults`).
// Header-only: libsupervise does not link Boost.Test; include this header in
// a test that does. Call it on the test's thread.
#pragma once

#include <string>

#include <boost/test/unit_test.hpp>

#include "supervise/simulation.hpp"

namespace supervise::simulation {

/// simulate() inside a Boost.Test case: an empty opts.command becomes this
/// test binary with `--run_test=<this case>`; a failure is reported with
/// BOOST_ERROR(report.text()). Returns the report. Throws what simulate()
/// throws for bad options (Boost.Test reports it as an error of the case).
inline report check_in_test_case(const tree_factory& tree, options opts) {
  if (opts.command.empty()) {
    auto& suite = boost::unit_test::framework::master_test_suite();
    std::string program = suite.argc > 0 ? suite.argv[0] : "<test binary>";
    opts.command =
      program + " --run_test=" + boost::unit_test::framework::current_test_case().full_name();
  }
  auto out = simulate(tree, opts);
  if (!out)
    BOOST_ERROR("simulation failed:\n" + out.text());
  return out;
}

} // namespace supervise::simulation

/// Runs a simulation as a check of the current Boost.Test case (see the top
/// of this file); evaluates to the report.
#define SUPERVISE_CHECK_SIMULATION(tree, opts)                                                 \
  ::supervise::simulation::check_in_test_case((tree), (opts))
