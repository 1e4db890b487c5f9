// demo — a small simulated service tree, run by scripts/demo.
//
//   root
//   ├── api     (a hosted OTP-style supervisor, rest_for_one: listener, handler)
//   ├── storage (group: db + cache restart together)
//   ├── flaky   (crashes at random; restarts with backoff)
//   ├── migrate (a setup job: healthy, done)
//   └── poller  (a blocking runnable on its own thread)
//
// Every line is tagged with the node's DN. After ~3 s the live tree view
// (snapshot) is printed, the tree is stopped and a summary of starts and
// restarts per node is printed. Exit code 0.
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>

#include <caf/all.hpp>

#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/names.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"

using namespace std::chrono_literals;
using namespace supervise;

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

// A service that serves until cancelled and fails with probability `p` per tick.
runnable service(double p, unsigned seed) {
  return [p, seed](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    auto log = get_logger(ctx);
    auto rng = std::make_shared<std::mt19937>(seed + static_cast<unsigned>(self->id()));
    signal(ctx, signal_type::healthy);
    log.info("serving");
    self->delayed_send(self, 100ms, tick_atom::value);
    return {[self, p, rng, log](tick_atom) {
      if (std::uniform_real_distribution<double>{0, 1}(*rng) < p) {
        log.warning("simulated crash");
        self->quit(caf::sec::runtime_error);
        return;
      }
      self->delayed_send(self, 100ms, tick_atom::value);
    }};
  };
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::mutex mtx;
  std::map<std::string, std::map<node_state, int>> seen;
  tree_options opts;
  opts.backoff.initial = 50ms;
  opts.backoff.max_interval = 400ms;
  opts.on_state = [&](const std::string& dn, node_state s) {
    std::lock_guard<std::mutex> guard{mtx};
    seen[dn][s]++;
  };
  spec api_spec;
  api_spec.strategy = strategy::rest_for_one; // handler depends on listener
  api_spec.restart_intensity = intensity{20, 1s};
  api_spec.on_state = opts.on_state;
  supervisor api{sys, "api", api_spec};
  api.add("listener", service(0.04, 4));
  api.add("handler", service(0.08, 5));
  auto root = [&api](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "api", api.as_runnable());
    run_group(ctx, {{"db", service(0.03, 1)}, {"cache", service(0.0, 2)}});
    run(ctx, "flaky", service(0.15, 3));
    run(ctx, "migrate", [](context& c) -> caf::error {
      get_logger(c).info("migrating schema ... done");
      signal(c, signal_type::healthy);
      signal(c, signal_type::done);
      return {};
    });
    run(ctx, "poller", [](context& c) -> caf::error {
      signal(c, signal_type::healthy);
      int polls = 0;
      while (!c.wait_for_stop(500ms))
        get_logger(c).info("poll #{}", ++polls);
      return context::canceled();
    });
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  };
  tree t{sys, root, opts};
  if (t.wait_for(3s)) {
    std::fprintf(stderr, "the tree ended early\n");
    return 1;
  }
  std::printf("\n%s", render_text(snapshot(sys, "root")).c_str());
  t.stop();
  auto err = t.wait();
  std::lock_guard<std::mutex> guard{mtx};
  std::printf("\n%-16s %7s %9s %6s %5s %9s\n", "node", "starts", "restarts", "dead", "done",
              "canceled");
  for (auto& [dn, states] : seen) {
    int starts = states[node_state::new_];
    std::printf("%-16s %7d %9d %6d %5d %9d\n", dn.c_str(), starts, starts > 0 ? starts - 1 : 0,
                states[node_state::dead], states[node_state::done],
                states[node_state::canceled]);
  }
  std::printf("\ntree stopped: %s\n", render(err).c_str());
  return err ? 1 : 0;
}
