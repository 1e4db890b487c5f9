// supervise-top — shows the supervision trees served by inspection
// endpoints (supervise/actors/inspection.hpp), live.
//
//   supervise-top [options] HOST:PORT [HOST:PORT ...]
//
// On a terminal: a full-screen view (live_screen.hpp). Piped: the tree as
// text once, then one line per event. --once: one snapshot of each
// endpoint as text, --json or --dot. Exit codes: 0 done, 1 an endpoint
// cannot be reached or went away, 2 a bad command line (--help lists the
// options).
#include <cstdio>

#include <unistd.h>

#include "inspector_system.hpp"
#include "top_modes.hpp"
#include "top_options.hpp"

int main(int argc, char** argv) {
  using namespace supervise::top;
  auto parsed = parse_top_options(argc, argv);
  if (!parsed.options) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  auto& opts = *parsed.options;
  std::string error;
  auto sys = inspector_system::make(opts, error);
  if (!sys) {
    std::fprintf(stderr, "supervise-top: %s\n", error.c_str());
    return 2;
  }
  if (opts.once)
    return run_once(sys->system(), opts);
  if (::isatty(STDOUT_FILENO) == 0)
    return run_piped(sys->system(), opts);
  return run_live(sys->system(), opts);
}
