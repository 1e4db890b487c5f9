// bench/simulation.cpp — row simulation: seeds per second of
// supervise::simulation::simulate() on a 101-node tree.
//
// The tree: a root running 10 parents of 9 event-based leaves each (every
// node signals healthy in its init). simulate() runs `sim_seeds` seeds of
// 1,000 faults each, on this thread (CAF's test scheduler, a manual clock),
// every built-in invariant checked after every step. Two lines: the default
// mix, whose do_not_restart and unkillable faults thin the tree out (most
// later draws find no live node and only move the clock), and restarts only
// (those two and hang_on_stop at weight 0), where every fault hits a node
// that then restarts. Wall time covers the whole simulate() call; no run
// may fail (a violation ends the bench: it is a bug; its report is
// printed). There is no bare-CAF side: nothing in plain CAF simulates a tree.
#include "common.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/simulation.hpp"

namespace bench {

namespace {

namespace sim = supervise::simulation;
using supervise::runnable;

runnable leaf() {
  return runnable::event_based(
    [](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
      supervise::signal(ctx, supervise::signal_type::healthy);
      return {[](int x) { return x; }};
    });
}

// A node that runs `children` (one run() each), then says healthy.
runnable parent(std::vector<std::pair<std::string, runnable>> children) {
  return runnable::event_based(
    [children](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
      for (auto& [name, r] : children)
        supervise::run(ctx, name, r);
      supervise::signal(ctx, supervise::signal_type::healthy);
      return {[](int x) { return x; }};
    });
}

// root -> p0..p9 -> l0..l8: 101 nodes.
runnable hundred_nodes() {
  std::vector<std::pair<std::string, runnable>> parents;
  for (int p = 0; p < 10; ++p) {
    std::vector<std::pair<std::string, runnable>> leaves;
    for (int l = 0; l < 9; ++l)
      leaves.emplace_back("l" + std::to_string(l), leaf());
    parents.emplace_back("p" + std::to_string(p), parent(std::move(leaves)));
  }
  return parent(std::move(parents));
}

// One line: `o.sim_seeds` seeds with `mix` (empty: the default), timed.
line measure(const options& o, const runnable& root, const std::string& metric,
             std::vector<std::pair<sim::fault_kind, double>> mix, const std::string& what) {
  constexpr size_t faults_per_seed = 1000;
  constexpr double target = 100; // seeds/s
  sim::options opts;
  opts.seeds = o.sim_seeds;
  opts.faults = faults_per_seed;
  opts.mix = std::move(mix);
  opts.from_environment = false; // the bench's own seeds, whatever the shell says
  mark(("simulation: before " + metric).c_str());
  auto t0 = clk::now();
  auto report = sim::simulate([root](caf::actor_system&) { return root; }, opts);
  auto seconds = std::chrono::duration<double>(clk::now() - t0).count();
  mark(("simulation: " + metric).c_str());
  if (!report)
    fail("simulation: an invariant broke on the bench's tree:\n" + report.text());
  // The first seed's run again: how many draws found no live node.
  auto first = sim::run([root](caf::actor_system&) { return root; }, opts, opts.seed);
  auto idle = std::count_if(first.faults.begin(), first.faults.end(),
                            [](const sim::fault& f) { return f.target.empty(); });
  double rate = static_cast<double>(report.runs) / seconds;
  return {"simulation", metric, "1/s", report.runs, rate, std::nullopt,
          fmt::format(">= {:.0f} seeds/s", target), rate >= target,
          fmt::format("{}; root, 10 parents, 90 leaves; {} faults per seed, every built-in "
                      "invariant, one thread; {:.2f} s for {} seeds: {:.0f} faults/s, {:.0f} "
                      "events/s ({} events); seed {}: {} of {} draws found no live node",
                      what, faults_per_seed, seconds, report.runs,
                      static_cast<double>(report.faults) / seconds,
                      static_cast<double>(report.events) / seconds, report.events, opts.seed,
                      idle, first.faults.size())};
}

} // namespace

lines row_simulation(const options& o) {
  if (!o.run_lib) // --variant=bare: this row has no bare side
    return {};
  auto root = hundred_nodes();
  // Restarts only: without do_not_restart, unkillable and hang_on_stop the
  // tree stays whole, so every fault finds a live node.
  auto restarts = sim::default_mix();
  for (auto& [kind, weight] : restarts)
    if (kind == sim::fault_kind::do_not_restart || kind == sim::fault_kind::unkillable
        || kind == sim::fault_kind::hang_on_stop)
      weight = 0;
  return {measure(o, root, "seeds/s, default mix", {},
                  "default mix: do_not_restart and unkillable thin the tree out"),
          measure(o, root, "seeds/s, restarts only", std::move(restarts),
                  "no do_not_restart, unkillable, hang_on_stop: the tree stays whole")};
}

} // namespace bench
