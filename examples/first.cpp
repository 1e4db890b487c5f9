// Two actors under one supervisor: when one fails, it alone is restarted.
#include <chrono>
#include <future>
#include <iostream>

#include <caf/all.hpp>
#include "supervise/all.hpp"

using namespace supervise;

// A supervised actor: counts the strings it gets, fails on "crash".
caf::behavior counter(caf::event_based_actor* self, context& ctx) {
  signal(ctx, signal_type::healthy);
  auto seen = std::make_shared<int>(0);
  return {[self, seen](const std::string& s) {
    if (s == "crash")
      self->quit(caf::sec::runtime_error); // a failure: the supervisor restarts it
    return ++*seen;
  }};
}

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::promise<void> restarted; // set when app.left is healthy for the second time
  spec sp;                      // one_for_one by default
  sp.on_state = [&, times = 0](const std::string& dn, node_state s) mutable {
    if (dn == "app.left" && s == node_state::healthy && ++times == 2)
      restarted.set_value();
  };
  supervisor app{sys, "app", sp};
  app.add("left", counter);
  app.add("right", counter);
  if (app.start(std::chrono::seconds(5))) // waits until both are up
    return 1;
  caf::anon_send(*whereis(sys, "app.left"), std::string{"crash"});
  if (restarted.get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready)
    return 1;
  std::cout << render_text(snapshot(sys, "app")); // left: restarts=1
  app.stop();
  return app.wait() ? 1 : 0;
}
