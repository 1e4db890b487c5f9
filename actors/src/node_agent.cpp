// node_agent.cpp — a published_server whose served actor is the agent
// (agent/agent_actor.cpp), with CAF's spawn server removed first.
#include "supervise/actors/node_agent.hpp"

#include <algorithm>
#include <stdexcept>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <fmt/format.h>

#include "agent/agent_actor.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors {

caf::error validate(const node_agent_options& opts) {
  name_category();
  auto bad = [](std::string what) {
    return supervise::make_error(errc::invalid_option, "node_agent: " + std::move(what));
  };
  if (opts.port < 0 || opts.port > 65535)
    return bad(fmt::format("port {} is out of range 0..65535", opts.port));
  if (opts.address.empty())
    return bad("address is empty");
  for (size_t i = 0; i < opts.allow.size(); ++i) {
    if (opts.allow[i].empty())
      return bad(fmt::format("allow[{}] is empty", i));
    if (std::find(opts.allow.begin(), opts.allow.begin() + i, opts.allow[i])
        != opts.allow.begin() + i)
      return bad(fmt::format("allow[{}] \"{}\" is listed twice", i, opts.allow[i]));
  }
  return {};
}

runnable node_agent(node_agent_options opts) {
  name_category();
  if (auto err = validate(opts))
    throw std::invalid_argument(supervise::detail_of(err));
  auto allow = std::make_shared<const std::vector<std::string>>(opts.allow);
  published_server_options ps;
  ps.port = opts.port;
  ps.address = opts.address;
  ps.tls = !opts.insecure;
  ps.endpoint = opts.endpoint;
  return runnable::event_based([allow, ps](caf::event_based_actor* self, context& ctx) {
    // Each start serves an agent logging under this incarnation's DN.
    auto mine = ps;
    mine.make_actor = [allow, log = get_logger(ctx)](caf::actor_system& sys) {
      // CAF's spawn server would start any registered type for any peer.
      sys.registry().erase(caf::atom("SpawnServ"));
      return detail::spawn_agent(sys, allow, log);
    };
    return published_server(std::move(mine)).event_body()(self, ctx);
  });
}

} // namespace supervise::actors
