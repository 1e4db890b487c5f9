// supervise-actors-peer — a second OS process for the network tests: publishes
// an actor that doubles integers on 127.0.0.1:<argv[1]>, prints
// "listening <port>" and waits to be killed.
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: supervise-actors-peer PORT\n");
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  auto doubler = sys.spawn(  // an argument: CAF 0.17 null-tuple UB otherwise
    [](int factor) -> caf::behavior { return {[=](int x) { return factor * x; }}; }, 2);
  auto port = sys.middleman().publish(doubler, static_cast<uint16_t>(std::atoi(argv[1])),
                                      "127.0.0.1", true);
  if (!port) {
    std::fprintf(stderr, "publish failed: %s\n", sys.render(port.error()).c_str());
    std::fflush(stderr);
    std::_Exit(1);
  }
  std::printf("listening %u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  for (;;)
    ::pause(); // until SIGTERM / SIGKILL
}
