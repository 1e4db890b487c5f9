// The actors consumer: a tree whose one child is a ready-made periodic
// runnable; waits for three calls, stops, exits 0. Built with CMake
// (find_package, target supervise::actors) and with pkg-config
// (supervise-actors, which brings the core).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <caf/all.hpp>

#include "supervise/actors/periodic.hpp"
#include "supervise/all.hpp"

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::mutex mtx;
  std::condition_variable cv;
  int calls = 0;
  auto tick = supervise::actors::every(std::chrono::milliseconds(5), [&](supervise::context&) {
    std::lock_guard<std::mutex> guard{mtx};
    ++calls;
    cv.notify_all();
    return caf::error{};
  });
  auto root = [tick](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    supervise::run(ctx, "tick", tick);
    supervise::signal(ctx, supervise::signal_type::healthy);
    return {[](int x) { return x; }};
  };
  supervise::tree t{sys, root};
  {
    std::unique_lock<std::mutex> guard{mtx};
    if (!cv.wait_for(guard, std::chrono::seconds(10), [&] { return calls >= 3; })) {
      std::fprintf(stderr, "actors consumer: the periodic child was not called 3 times\n");
      return 1;
    }
  }
  t.stop();
  auto err = t.wait();
  std::printf("actors consumer (libsupervise %s): 3 periodic calls; tree stopped: %s\n",
              supervise::version_string, err ? "with an error" : "cleanly");
  return err ? 1 : 0;
}
