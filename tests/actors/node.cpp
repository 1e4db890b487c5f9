// supervise-actors-node — a worker node for the distribution tests: a local
// tree running a node_agent on 127.0.0.1:<port> that allows two types:
//   "doubler" (no arguments): answers x with 2x, and get_atom with its
//             (epoch, lease valid) from lease_of();
//   "effector" (a file path): every 2 ms, while its lease is valid, appends
//             "<epoch> <CLOCK_MONOTONIC ns>" to the file — the effects the
//             tests check never overlap between incarnations.
// Usage: supervise-actors-node PORT insecure
//        supervise-actors-node PORT tls CERT KEY CAFILE
// Prints "listening <port>" once the agent listens; runs until killed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/lease_token.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/errc.hpp"
#include "supervise/tree.hpp"

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

caf::behavior doubler(caf::event_based_actor* self) {
  return {
    [](int x) { return 2 * x; },
    [self](caf::get_atom) {
      auto lease = supervise::actors::lease_of(self);
      return caf::make_message(lease ? lease->epoch() : uint64_t{0}, lease && lease->valid());
    },
  };
}

caf::behavior effector(caf::event_based_actor* self, std::string path) {
  auto fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  self->attach_functor([fd] { ::close(fd); });
  self->send(self, tick_atom::value);
  return {[self, fd](tick_atom) {
    auto lease = supervise::actors::lease_of(self);
    if (lease && lease->valid()) {
      auto now = std::chrono::steady_clock::now().time_since_epoch();
      auto line = std::to_string(lease->epoch()) + " "
                  + std::to_string(std::chrono::nanoseconds{now}.count()) + "\n";
      if (::write(fd, line.data(), line.size()) < 0)
        std::perror("effector write");
    }
    self->delayed_send(self, std::chrono::milliseconds(2), tick_atom::value);
  }};
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::string{argv[2]} == "tls" && argc != 6)) {
    std::fprintf(stderr, "usage: supervise-actors-node PORT insecure|tls CERT KEY CAFILE\n");
    return 2;
  }
  caf::actor_system_config cfg;
  supervise::actors::distribution_options dopts;
  dopts.insecure = std::string{argv[2]} != "tls";
  if (!dopts.insecure) {
    cfg.set("openssl.certificate", argv[3]);
    cfg.set("openssl.key", argv[4]);
    cfg.set("openssl.cafile", argv[5]);
  }
  cfg.set("scheduler.max-threads", 2);
  cfg.add_actor_type("doubler", doubler);
  cfg.add_actor_type("effector", effector);
  if (auto err = supervise::actors::prepare_distribution(cfg, dopts)) {
    std::fprintf(stderr, "%s\n", supervise::render(err).c_str());
    return 1;
  }
  caf::actor_system sys{cfg};
  supervise::actors::node_agent_options aopts;
  aopts.allow = {"doubler", "effector"};
  aopts.port = std::atoi(argv[1]);
  aopts.insecure = dopts.insecure;
  aopts.endpoint = std::make_shared<supervise::actors::published_endpoint>();
  supervise::tree_options topts;
  topts.sink = [](supervise::log_level, std::string_view dn, std::string_view msg) {
    std::fprintf(stderr, "[node %d] %.*s: %.*s\n", static_cast<int>(::getpid()),
                 static_cast<int>(dn.size()), dn.data(), static_cast<int>(msg.size()), msg.data());
  };
  supervise::tree t{sys, supervise::actors::node_agent(aopts), topts};
  auto port = aopts.endpoint->wait_listening(std::chrono::seconds(30));
  if (port == 0) {
    std::fprintf(stderr, "the agent did not listen\n");
    std::_Exit(1);
  }
  std::printf("listening %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  for (;;)
    ::pause(); // until SIGTERM / SIGKILL
}
