// live_mode.cpp — the live view's wiring: a reconnecting follower per
// endpoint feeding the model, the screen drawing it.
#include <cstdio>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "connection_gate.hpp"
#include "live_model.hpp"
#include "live_screen.hpp"
#include "top_modes.hpp"
#include "tree_rows.hpp"

namespace supervise::top {

int run_live(caf::actor_system& sys, const top_options& opts) {
  auto addresses = addresses_of(opts);
  auto model = std::make_shared<live_model>(addresses);
  auto gate = std::make_shared<connection_gate>(addresses.size(), model);
  follower_options fo;
  fo.interval = opts.interval;
  fo.reconnect = true; // an endpoint that restarts is shown again
  auto followers = connect_followers(sys, opts, fo, gate);
  if (followers.empty())
    return 1;
  live_screen screen{*model, dn_filter{opts.filter}, short_duration(opts.interval)};
  auto why = screen.run();
  stop_followers(followers);
  if (!why.empty()) {
    std::fprintf(stderr, "supervise-top: %s\n", why.c_str());
    return 1;
  }
  return 0;
}

} // namespace supervise::top
