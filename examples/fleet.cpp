// fleet — a small service fleet with injected failures, a live tree view and
// Prometheus metrics at the end.
//
//   root                       (tree root)
//   ├── edge                   (a supervisor hosted by the tree)
//   │   ├── gateway, auth, ratelimit
//   └── data                   (another supervisor)
//       ├── db, cache, indexer
//
// Every service ticks every 50 ms and, with a per-service probability, fails:
// an error exit, a thrown exception, or a return without done. The random
// sequence has a fixed seed, 7 (another: --supervise.seed=N; --help lists
// every option, a stray argument is refused). The view is
// built from a `metrics` snapshot (DN, state, restarts, failures, time in
// state), indented by DN depth. On a terminal it refreshes in place (ANSI
// escapes); otherwise one plain frame per second. After ~3 s the tree stops,
// the final view and the Prometheus text are printed, and the exit code is 0.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "command_line.hpp"
#include "supervise/config.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/format.hpp"
#include "supervise/metrics.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"

using namespace std::chrono_literals;
using namespace supervise;

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

// A service failing with probability `p` per tick. The generator lives
// across incarnations, so a run is reproducible for a given seed.
runnable service(double p, std::shared_ptr<std::mt19937> rng) {
  return [p, rng](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    signal(ctx, signal_type::healthy);
    self->delayed_send(self, 50ms, tick_atom::value);
    return {[self, p, rng](tick_atom) {
      std::uniform_real_distribution<double> u{0, 1};
      if (u(*rng) < p) {
        auto kind = u(*rng);
        if (kind < 0.6) {
          self->quit(caf::sec::runtime_error); // an error exit
        } else if (kind < 0.85) {
          throw std::runtime_error("injected exception"); // errc::runnable_threw
        } else {
          self->quit(); // a normal return without done: also a failure
        }
        return;
      }
      self->delayed_send(self, 50ms, tick_atom::value);
    }};
  };
}

std::vector<std::string> split(const std::string& dn) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= dn.size(); ++i)
    if (i == dn.size() || dn[i] == '.') {
      out.push_back(dn.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

// The tree view: one line per DN, parents before children, indented by depth.
std::vector<std::string> render(metrics_snapshot snap, double elapsed) {
  std::sort(snap.begin(), snap.end(),
            [](const node_metrics& a, const node_metrics& b) { return split(a.dn) < split(b.dn); });
  std::vector<std::string> lines;
  lines.push_back(fmt::format("fleet  t={:.1f}s", elapsed));
  lines.push_back(fmt::format("{:<24} {:<9} {:>8} {:>8} {:>9}", "NODE", "STATE", "RESTARTS",
                              "FAILURES", "IN STATE"));
  for (auto& n : snap) {
    auto parts = split(n.dn);
    auto name = std::string(2 * (parts.size() - 1), ' ') + parts.back();
    lines.push_back(fmt::format("{:<24} {:<9} {:>8} {:>8} {:>8.1f}s", name,
                                n.state_known ? to_string(n.state) : "?", n.restarts,
                                n.failures_total(),
                                std::chrono::duration<double>(n.time_in_state).count()));
  }
  return lines;
}

} // namespace

int main(int argc, char** argv) {
  example::config cfg;
  // The fleet's defaults; the command line and caf-application.ini override them.
  cfg.set("scheduler.max-threads", 2);
  cfg.set("supervise.seed", 7);
  if (auto code = example::parse(cfg, argc, argv, "a service fleet with injected failures"))
    return *code;
  auto base = example::checked(argv[0], spec_from(cfg));
  if (!base)
    return 2;
  auto seed = static_cast<unsigned>(base->seed);
  bool tty = isatty(1) != 0;
  caf::actor_system sys{cfg};
  metrics m;
  auto quiet = [](log_level, std::string_view, std::string_view) {};

  // Supervisors: short pauses so the demo shows backoff within 3 s.
  spec sp = *base;
  sp.failure_decay = 1s;
  sp.failure_threshold = 3;
  sp.failure_backoff = 300ms;
  sp.stop_timeout = 1s;
  sp.seed = seed;
  sp.on_state = m.on_state_hook(); // per supervisor; events come via the tree's hook
  supervisor edge{sys, "edge", sp};
  supervisor data{sys, "data", sp};
  auto rng = [seed](unsigned salt) { return std::make_shared<std::mt19937>(seed * 7919 + salt); };
  edge.add("gateway", service(0.02, rng(1)));
  edge.add("auth", service(0.05, rng(2)));
  edge.add("ratelimit", service(0.0, rng(3)));
  data.add("db", service(0.01, rng(4)));
  data.add("cache", service(0.15, rng(5))); // flaky: shows the backoff
  data.add("indexer", service(0.03, rng(6)));

  tree_options opts;
  opts.backoff.initial = 50ms;
  opts.backoff.max_interval = 400ms;
  opts.seed = seed;
  opts.sink = quiet; // the view replaces the log; failures are counted
  opts.on_state = m.on_state_hook();
  opts.on_event = m.event_hook();
  tree t{sys,
         [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "edge", edge.as_runnable());
           run(ctx, "data", data.as_runnable());
           signal(ctx, signal_type::healthy);
           return {[](tick_atom) {}};
         },
         opts};

  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  size_t shown = 0; // lines of the previous frame (TTY mode)
  auto frame_every = tty ? 100ms : 1s;
  while (true) {
    if (t.wait_for(frame_every)) {
      std::fprintf(stderr, "the tree ended early\n");
      return 1;
    }
    auto lines = render(m.snapshot(), elapsed());
    if (tty) {
      if (shown > 0)
        std::printf("\x1b[%zuF\x1b[J", shown); // back to the frame's first line, clear
      shown = lines.size();
    }
    for (auto& l : lines)
      std::printf("%s\n", l.c_str());
    if (!tty)
      std::printf("\n");
    std::fflush(stdout);
    if (elapsed() >= 3.0)
      break;
  }
  t.stop();
  auto err = t.wait();
  std::printf("\nafter stop:\n");
  for (auto& l : render(m.snapshot(), elapsed()))
    std::printf("%s\n", l.c_str());
  std::printf("\n%s", to_prometheus(m.snapshot()).c_str());
  std::printf("\ntree stopped: %s\n", fmt::format("{}", err).c_str());
  return err ? 1 : 0;
}
