// The consumer: a supervisor with one service, waits until it is healthy,
// stops, exits 0. Built with CMake (find_package) and with pkg-config.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <caf/all.hpp>

#include "supervise/all.hpp" // every public header compiles as installed
#include "supervise/context.hpp"
#include "supervise/format.hpp"
#include "supervise/supervisor.hpp"

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::mutex mtx;
  std::condition_variable cv;
  bool healthy = false;
  supervise::spec sp;
  sp.on_state = [&](const std::string& dn, supervise::node_state s) {
    if (dn == "app.hello" && s == supervise::node_state::healthy) {
      std::lock_guard<std::mutex> guard{mtx};
      healthy = true;
      cv.notify_all();
    }
  };
  supervise::supervisor app{sys, "app", sp};
  auto token = app.add("hello", [](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    supervise::signal(ctx, supervise::signal_type::healthy);
    return {[](int x) { return x; }};
  });
  if (!token || app.start())
    return 1;
  {
    std::unique_lock<std::mutex> guard{mtx};
    if (!cv.wait_for(guard, std::chrono::seconds(10), [&] { return healthy; })) {
      std::fprintf(stderr, "consumer: app.hello never became healthy\n");
      return 1;
    }
  }
  app.stop();
  auto err = app.wait();
  std::printf("consumer: service %s was healthy; supervisor stopped: %s\n",
              fmt::format("{}", *token).c_str(), fmt::format("{}", err).c_str());
  return err ? 1 : 0;
}
