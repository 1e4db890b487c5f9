// node_processes.hpp — worker node processes (supervise-actors-node) for
// the distribution tests, each a `command` child of a launcher tree, so a
// test can kill or pause one through its command_control.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors_support.hpp"
#include "supervise/actors/command.hpp"

namespace test {

/// `argv` as a command that is healthy once the node listens.
inline supervise::actors::command_options
node_process(std::vector<std::string> argv,
             std::shared_ptr<supervise::actors::command_control> ctl = nullptr) {
  supervise::actors::command_options c;
  c.argv = std::move(argv);
  c.ready_line = "listening";
  c.grace = 2s;
  c.control = std::move(ctl);
  return c;
}

/// Runs n1 and n2 under a launcher tree on `sys` (root.n1, root.n2) and
/// waits until both listen.
inline void launch_nodes(std::optional<supervise::tree>& launcher, caf::actor_system& sys,
                         recording& r, supervise::actors::command_options n1,
                         supervise::actors::command_options n2) {
  using namespace supervise;
  launcher.emplace(sys, [n1, n2](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "n1", actors::command(n1));
    run(ctx, "n2", actors::command(n2));
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  }, r.options());
  BOOST_REQUIRE(r.rec.wait("root.n1", node_state::healthy, 1, 20s));
  BOOST_REQUIRE(r.rec.wait("root.n2", node_state::healthy, 1, 20s));
}

} // namespace test
