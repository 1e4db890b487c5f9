// demo — a small simulated service tree, run by scripts/demo.
//
//   root
//   ├── api     (a hosted OTP-style supervisor, rest_for_one: listener, handler)
//   ├── storage (group: db + cache restart together)
//   ├── flaky   (crashes at random; restarts with backoff)
//   ├── migrate (a setup job: healthy, done)
//   └── poller  (a blocking runnable on its own thread)
//
// Every line is tagged with the node's DN; each failure says whether it
// restarts, and a group restart names its members and its cause. A live
// view of the tree (snapshot) follows the log: redrawn in place on a
// terminal, one plain frame per second when piped. After --demo.run-for (3 s)
// the tree is stopped and a summary of starts and restarts per node is
// printed. Exit code 0. Options: --help (the library's supervise.* keys
// apply, e.g. --supervise.backoff-initial=200ms).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "command_line.hpp"
#include "supervise/config.hpp"
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

// Log lines of the tree, kept until the view prints them: on a terminal the
// view is redrawn in place below the lines that arrived since the last frame.
class log_buffer {
public:
  log_sink sink() {
    return [this](log_level lvl, std::string_view dn, std::string_view msg) {
      std::lock_guard<std::mutex> guard{mtx_};
      lines_.push_back(fmt::format("{:<5} {}: {}", to_string(lvl), dn, msg));
    };
  }
  std::vector<std::string> take() {
    std::lock_guard<std::mutex> guard{mtx_};
    return std::exchange(lines_, {});
  }

private:
  std::mutex mtx_;
  std::vector<std::string> lines_;
};

// The demo's own option, next to CAF's and the library's.
struct demo_config : example::config {
  demo_config() {
    caf::config_option_adder{custom_options_, "demo"}.add<caf::timespan>(
      "run-for", "how long the tree runs before it is stopped (default 3s)");
  }
};

} // namespace

int main(int argc, char** argv) {
  demo_config cfg;
  // The demo's defaults; --supervise.* and caf-application.ini override them.
  cfg.set("supervise.backoff-initial", caf::timespan{50ms});
  cfg.set("supervise.backoff-max", caf::timespan{400ms});
  if (auto code = example::parse(cfg, argc, argv, "a small simulated service tree", "demo"))
    return *code;
  auto opts = example::checked(argv[0], tree_options_from(cfg));
  auto api_spec = example::checked(argv[0], spec_from(cfg));
  if (!opts || !api_spec)
    return 2;
  auto run_for = caf::get_or(cfg, "demo.run-for", caf::timespan{3s});
  caf::actor_system sys{cfg};
  std::mutex mtx;
  std::map<std::string, std::map<node_state, int>> seen;
  log_buffer logs;
  opts->sink = logs.sink();
  opts->on_state = [&](const std::string& dn, node_state s) {
    std::lock_guard<std::mutex> guard{mtx};
    seen[dn][s]++;
  };
  api_spec->strategy = strategy::rest_for_one; // handler depends on listener
  api_spec->restart_intensity = intensity{20, 1s};
  api_spec->on_state = opts->on_state;
  supervisor api{sys, "api", *api_spec};
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
  tree t{sys, root, *opts};
  // The live view: on a terminal the tree is redrawn in place every 250 ms
  // below the new log lines; piped, the log lines as they come and a plain
  // frame of the tree every second.
  bool tty = isatty(1) != 0;
  auto frame = tty ? 250ms : 1s;
  auto t0 = std::chrono::steady_clock::now();
  size_t shown = 0; // lines of the view drawn last (terminal)
  for (bool last = false; !last;) {
    if (t.wait_for(frame)) {
      std::fprintf(stderr, "the tree ended early\n");
      return 1;
    }
    auto elapsed = std::chrono::steady_clock::now() - t0;
    last = elapsed >= run_for;
    if (tty && shown > 0)
      std::printf("\x1b[%zuF\x1b[J", shown); // back to the view's first line, clear below
    for (auto& line : logs.take())
      std::printf("%s\n", line.c_str());
    auto view = fmt::format("--- the tree at {:.1f}s\n{}",
                            std::chrono::duration<double>(elapsed).count(),
                            render_text(snapshot(sys, "root")));
    std::printf("%s", view.c_str());
    shown = static_cast<size_t>(std::count(view.begin(), view.end(), '\n'));
    if (!tty)
      shown = 0;
    std::fflush(stdout);
  }
  t.stop();
  auto err = t.wait();
  for (auto& line : logs.take())
    std::printf("%s\n", line.c_str());
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
