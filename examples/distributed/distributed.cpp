// distributed — supervision across CAF nodes; examples/distributed/run starts
// three worker nodes and a coordinator on 127.0.0.1 and kills one node.
//
//   distributed node [--port=P]: a tree whose root is a node_agent on
//     127.0.0.1:P (0, the default: any free port) that may start "counter";
//     prints "listening <port>", runs until SIGTERM or SIGINT, stops its tree.
//   distributed coordinator --nodes=n1=HOST:PORT,... [--seconds=S]: a tree of
//     four remote children cache-a .. cache-d ("counter", placement::spread).
//     Every 250 ms: each new placement ("cache-a: n1 -> n2 (epoch E)"), the
//     tree's warnings and errors, the live tree view (render_text: "at n2
//     epoch E, lease renewed N ms ago"), each counter's total, asked through
//     its remote_placement, and each node (remote_nodes: up or down, children).
//     Redrawn in place on a terminal, plain frames when piped; S seconds (5).
// Both take CAF's options (mutual TLS: --openssl.certificate, --openssl.key,
// --openssl.cafile; one CA for the cluster) and the supervise.* keys through
// command_line.hpp (--help lists them); a bad or missing one is named, exit 2.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "../command_line.hpp"
#include "supervise/actors/distribution.hpp"
#include "supervise/actors/lease_token.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/actors/remote_nodes.hpp"
#include "supervise/config.hpp"
#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/names.hpp"
#include "supervise/tree.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;

namespace {

// "counter": answers an int with the running total of this incarnation (a
// restart elsewhere starts again from 0). lease_of() gives its epoch; once
// its lease lapsed the coordinator may run the next incarnation elsewhere,
// so it stops answering.
caf::behavior counter(caf::event_based_actor* self) {
  auto lease = lease_of(self);
  std::fprintf(stderr, "counter: epoch %llu starts\n",
               static_cast<unsigned long long>(lease ? lease->epoch() : 0));
  auto total = std::make_shared<int>(0);
  return {[total, lease](int x) -> caf::result<int> {
    if (lease && !lease->valid())
      return make_error(errc::lease_expired, "this incarnation's lease lapsed");
    return *total += x;
  }};
}

int node_main(int argc, char** argv) {
  struct node_config : example::config {
    int port = 0;
    node_config() {
      caf::config_option_adder{custom_options_, "global"}.add(port, "port",
                                                               "the agent's TCP port (0: any free one)");
    }
  } cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.add_actor_type("counter", counter);
  if (auto code = example::parse(cfg, argc, argv, "a worker node: an agent allowing \"counter\"", "global"))
    return *code;
  auto topts = example::checked(argv[0], tree_options_from(cfg));
  if (!topts)
    return 2;
  node_agent_options agent;
  agent.allow = {"counter"};
  agent.port = cfg.port;
  agent.endpoint = std::make_shared<published_endpoint>();
  if (auto err = validate(agent)) {
    std::fprintf(stderr, "%s: --port=%d: %s\n", argv[0], cfg.port, detail_of(err).c_str());
    return 2;
  }
  if (auto err = prepare_distribution(cfg)) { // names a missing or bad openssl.* file
    std::fprintf(stderr, "%s: %s\n", argv[0], detail_of(err).c_str());
    return 2;
  }
  // SIGTERM and SIGINT: blocked in every thread (CAF's inherit the mask),
  // taken by sigwait() below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  caf::actor_system sys{cfg};
  tree t{sys, node_agent(agent), *topts};
  auto port = agent.endpoint->wait_listening(10s);
  if (port == 0) {
    std::fprintf(stderr, "%s: the agent does not listen after 10 s\n", argv[0]);
    return 1;
  }
  std::printf("listening %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "%s: stopping the tree\n", strsignal(sig));
  t.stop();
  return t.wait() ? 1 : 0;
}

// --nodes: "n1=127.0.0.1:4001,n2=..." as node addresses; nullopt after a
// message naming the bad entry (validate() checks the values and the count).
std::optional<std::vector<node_address>> parse_nodes(const char* prog, const std::string& text) {
  std::vector<node_address> nodes;
  std::istringstream in{text};
  for (std::string item; std::getline(in, item, ',');) {
    char name[65], host[256];
    int port = 0, used = 0;
    if (std::sscanf(item.c_str(), "%64[^=]=%255[^:]:%d%n", name, host, &port, &used) != 3
        || used != static_cast<int>(item.size())) {
      std::fprintf(stderr, "%s: --nodes: '%s' is not NAME=HOST:PORT\n", prog, item.c_str());
      return std::nullopt;
    }
    nodes.push_back({name, host, port});
  }
  return nodes; // none: validate() says "nodes is empty"
}

// One remote child, and the incarnation the view saw last.
struct cache {
  std::string name;
  remote_child_options opts;
  std::string node;
  uint64_t epoch = 0;

  // "cache-a: n1 -> n2 (epoch E)" when another incarnation runs than at the last look.
  std::optional<std::string> moved() {
    auto e = opts.handle->epoch();
    auto n = opts.handle->node(); // "" between incarnations
    if (n.empty() || e == epoch || e != opts.handle->epoch())
      return std::nullopt;
    auto line = node.empty() ? fmt::format("{}: placed on {} (epoch {})", name, n, e)
                             : fmt::format("{}: {} -> {} (epoch {})", name, node, n, e);
    node = n;
    epoch = e;
    return line;
  }
};

// A client's call: straight to the current incarnation (no hop through the stub).
std::string call(caf::scoped_actor& client, const remote_placement& where) {
  auto child = where.actor();
  if (!child)
    return "-"; // between incarnations
  std::string total;
  client->request(*child, 100ms, 1)
    .receive([&](int x) { total = std::to_string(x); },
             [&](caf::error&) { total = "x"; }); // its node is gone, or its lease lapsed
  return total;
}

int coordinator_main(int argc, char** argv) {
  struct coordinator_config : example::config {
    std::string nodes;
    int seconds = 5;
    coordinator_config() {
      caf::config_option_adder{custom_options_, "global"}
        .add(nodes, "nodes", "the worker nodes: NAME=HOST:PORT,... (required)")
        .add(seconds, "seconds", "how long the tree runs before it is stopped (default 5)");
    }
  } cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.set("supervise.backoff-initial", caf::timespan{100ms}); // restart a lost child soon
  if (auto code = example::parse(cfg, argc, argv, "supervises four counters on worker nodes", "global"))
    return *code;
  auto topts = example::checked(argv[0], tree_options_from(cfg));
  auto nodes = parse_nodes(argv[0], cfg.nodes);
  if (!topts || !nodes)
    return 2;
  if (cfg.seconds <= 0) {
    std::fprintf(stderr, "%s: --seconds=%d: must be > 0\n", argv[0], cfg.seconds);
    return 2;
  }
  std::vector<cache> caches;
  for (auto name : {"cache-a", "cache-b", "cache-c", "cache-d"}) {
    remote_child_options o;
    o.type = "counter";
    o.nodes = *nodes;
    o.policy = placement::spread; // siblings avoid sharing a node
    o.handle = std::make_shared<remote_placement>();
    caches.push_back({name, o, {}, 0});
  }
  if (auto err = validate(caches.front().opts)) { // a bad port, a name listed twice
    std::fprintf(stderr, "%s: --nodes: %s\n", argv[0], detail_of(err).c_str());
    return 2;
  }
  if (auto err = prepare_distribution(cfg)) {
    std::fprintf(stderr, "%s: %s\n", argv[0], detail_of(err).c_str());
    return 2;
  }
  caf::actor_system sys{cfg};
  std::mutex mtx;
  std::vector<std::string> news; // the tree's warnings and errors, until the next frame
  topts->sink = min_level_sink(log_level::warning, [&](log_level lvl, std::string_view dn,
                                                       std::string_view msg) {
    std::lock_guard<std::mutex> guard{mtx};
    news.push_back(fmt::format("{:<5} {}: {}", to_string(lvl), dn, msg));
  });
  tree t{sys,
         [&caches](caf::event_based_actor*, context& ctx) -> caf::behavior {
           for (auto& c : caches)
             run(ctx, c.name, remote_child(c.opts));
           signal(ctx, signal_type::healthy);
           signal(ctx, signal_type::done); // the root only starts its children
           return {};
         },
         *topts};
  caf::scoped_actor client{sys};
  // On a terminal the cursor waits at the view's top between frames: a line
  // another process prints there (the run script's) stays above the view.
  bool tty = isatty(1) != 0;
  auto t0 = std::chrono::steady_clock::now();
  for (bool last = false; !last;) {
    if (t.wait_for(250ms)) {
      std::fprintf(stderr, "the tree ended early\n");
      return 1;
    }
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    last = elapsed >= cfg.seconds;
    std::string totals;
    for (auto& c : caches)
      totals += fmt::format("  {}={}", c.name, call(client, *c.opts.handle));
    std::string nodes; // remote_nodes.hpp: each node as this process sees it
    for (auto& n : remote_nodes(sys))
      nodes += n.connected ? fmt::format("  {} up, {} children, lease renewed {} ms ago", n.name,
                                         n.children, n.lease_age ? *n.lease_age / 1ms : -1)
                           : fmt::format("  {} down (skipped for {:.1f} s)", n.name,
                                         std::chrono::duration<double>(n.quarantined_for).count());
    auto view = fmt::format("--- t={:.2f}s\n{}totals:{}\nnodes:{}\n", elapsed,
                            render_text(snapshot(sys, "root")), totals, nodes);
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& c : caches)
      if (auto line = c.moved())
        news.push_back(*line);
    std::printf("%s", tty ? "\x1b[J" : ""); // clear the last view
    for (auto& line : news)
      std::printf("%s\n", line.c_str());
    news.clear();
    std::printf("%s", view.c_str());
    if (tty && !last) // back to the view's first line
      std::printf("\x1b[%tdF", std::count(view.begin(), view.end(), '\n'));
    std::fflush(stdout);
  }
  t.stop();
  auto err = t.wait();
  std::lock_guard<std::mutex> guard{mtx};
  for (auto& line : news)
    std::printf("%s\n", line.c_str());
  std::printf("tree stopped: %s\n", render(err).c_str());
  return err ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  std::string role = argc > 1 ? argv[1] : "";
  if (role != "node" && role != "coordinator") {
    std::fprintf(stderr, "usage: %s node|coordinator [options] (--help after the role lists them)\n",
                 argv[0]);
    return 2;
  }
  // The role's options follow it: parse them as those of a program "distributed node".
  std::string prog = std::string{argv[0]} + " " + role;
  argv[1] = prog.data();
  return role == "node" ? node_main(argc - 1, argv + 1) : coordinator_main(argc - 1, argv + 1);
}
