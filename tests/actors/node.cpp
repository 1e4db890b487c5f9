// supervise-actors-node — a worker node for the distribution tests: a local
// tree running a node_agent on 127.0.0.1:<port> that allows the types of
// remote_types.hpp ("doubler", "effector").
// Usage: supervise-actors-node PORT insecure [ADDRESS]
//        supervise-actors-node PORT tls CERT KEY CAFILE
// (ADDRESS: where to bind instead of 127.0.0.1, e.g. inside a test's netns)
// Prints "listening <port>" once the agent listens; runs until killed.
// As a supervisor instead (plain BASP): runs one remote "effector" child
// writing to FILE on the agent at 127.0.0.1:PORT, prints "running <epoch>"
// once it runs:
//        supervise-actors-node supervise PORT FILE
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include <caf/all.hpp>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/errc.hpp"
#include "supervise/tree.hpp"
#include "remote_types.hpp"


// The supervisor mode (see the top of this file).
int supervise_one(uint16_t port, std::string file) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  supervise::actors::distribution_options dopts;
  dopts.insecure = true;
  if (auto err = supervise::actors::prepare_distribution(cfg, dopts)) {
    std::fprintf(stderr, "%s\n", supervise::render(err).c_str());
    return 1;
  }
  caf::actor_system sys{cfg};
  supervise::actors::remote_child_options o;
  o.type = "effector";
  o.args = caf::make_message(std::move(file));
  o.nodes = {{"n1", "127.0.0.1", port}};
  o.insecure = true;
  o.handle = std::make_shared<supervise::actors::remote_placement>();
  supervise::tree t{sys, supervise::actors::remote_child(o)};
  if (!o.handle->wait_starts(1, std::chrono::seconds(30))) {
    std::fprintf(stderr, "the child did not start\n");
    std::_Exit(1);
  }
  std::printf("running %llu\n", static_cast<unsigned long long>(o.handle->epoch()));
  std::fflush(stdout);
  for (;;)
    ::pause(); // until SIGTERM / SIGKILL
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string{argv[1]} == "supervise")
    return supervise_one(static_cast<uint16_t>(std::atoi(argv[2])), argv[3]);
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
  test::add_remote_types(cfg);
  if (auto err = supervise::actors::prepare_distribution(cfg, dopts)) {
    std::fprintf(stderr, "%s\n", supervise::render(err).c_str());
    return 1;
  }
  caf::actor_system sys{cfg};
  supervise::actors::node_agent_options aopts;
  aopts.allow = {"doubler", "effector"};
  aopts.port = std::atoi(argv[1]);
  if (dopts.insecure && argc == 4)
    aopts.address = argv[3];
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
