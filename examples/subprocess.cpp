// subprocess — a flaky shell command supervised with backoff.
//
//   root
//   ├── flaky  (sh: prints a few lines, fails 3 times in 4; restarted with backoff)
//   └── clock  (periodic: a line every 500 ms)
//
// The command's stdout lines appear under its DN ("root.flaky"), its stderr
// as warnings; every exit is a failure and the tree restarts it after its
// backoff. After ~3 s the tree is stopped: the running command gets SIGTERM
// (SIGKILL after 1 s) and ends CANCELED. Prints a summary; exit code 0.
// Options: --help (the library's supervise.* keys apply).
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include <caf/all.hpp>

#include "command_line.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/periodic.hpp"
#include "supervise/context.hpp"
#include "supervise/tree.hpp"

using namespace std::chrono_literals;
using namespace supervise;

int main(int argc, char** argv) {
  example::config cfg;
  // The example's defaults; the command line and caf-application.ini override them.
  cfg.set("supervise.backoff-initial", caf::timespan{100ms});
  cfg.set("supervise.backoff-max", caf::timespan{800ms});
  if (auto code = example::parse(cfg, argc, argv, "a flaky shell command supervised with backoff"))
    return *code;
  auto opts = example::checked(argv[0], tree_options_from(cfg));
  if (!opts)
    return 2;
  caf::actor_system sys{cfg};

  actors::command_options flaky;
  flaky.argv = {"/bin/sh", "-c",
                "echo \"start (pid $$)\"; i=0; while [ $i -lt 3 ]; do i=$((i+1)); "
                "echo \"working $i\"; sleep 0.1; done; "
                "if [ $(( $(od -An -N1 -tu1 /dev/urandom) % 4 )) -ne 0 ]; then "
                "echo 'simulated crash' >&2; exit 3; fi; exec sleep 1000"};
  flaky.grace = 1s;
  auto control = std::make_shared<actors::command_control>();
  flaky.control = control;

  std::mutex mtx;
  std::map<std::string, std::map<node_state, int>> seen;
  opts->on_state = [&](const std::string& dn, node_state s) {
    std::lock_guard<std::mutex> guard{mtx};
    seen[dn][s]++;
  };

  int ticks = 0;
  tree t{sys,
         [&](caf::event_based_actor*, context& ctx) -> caf::behavior {
           run(ctx, "flaky", actors::command(flaky));
           run(ctx, "clock", actors::every(500ms, [&ticks](context& c) -> caf::error {
                 get_logger(c).info("tick {}", ++ticks);
                 return {};
               }));
           signal(ctx, signal_type::healthy);
           signal(ctx, signal_type::done);
           return {};
         },
         *opts};
  std::this_thread::sleep_for(3s); // ok-sleep: the demo runs for a while
  t.stop();
  auto err = t.wait();
  std::lock_guard<std::mutex> guard{mtx};
  std::printf("\nsummary: %llu program starts\n",
              static_cast<unsigned long long>(control->starts()));
  for (auto& [dn, states] : seen)
    std::printf("  %-12s started %d, dead %d, canceled %d\n", dn.c_str(),
                states[node_state::new_], states[node_state::dead],
                states[node_state::canceled]);
  return err ? 1 : 0;
}
