// supervise-remote-soak — node faults against remote children, and a check
// that two incarnations of one child never act at once.
//
//   supervise-remote-soak --faults=1000 --seed=1 --children=6 [--immediate]
//
// Three worker node processes (supervise-actors-node, each a `command` of a
// launcher tree that restarts it when killed) run --children "effector"
// remote children of one supervising tree (placement spread, lease 500 ms).
// Every effector appends "<epoch> <CLOCK_MONOTONIC ns>" to its own file
// every 2 ms while its lease holds. A seeded generator picks a node and a
// fault: kill -9, SIGSTOP for 0.2..1.5 s then SIGCONT, or (as root) a
// silent partition for 0.2..3 s: each node then runs in a network namespace
// of its own, linked by a veth pair (10.232.x.1/.2), and blackhole routes on
// both sides drop everything between it and the supervisor until the heal.
// After each fault
// the driver waits (bounded) until the killed node's children ended and
// every child runs again, none waiting out a lease. At the end, for
// every child, the effects of two epochs must never interleave; the count of
// such overlaps is printed (expected 0 with the default wait_for_lease; with
// --immediate, Erlang's semantics, overlaps are possible and only counted).
// Exit status 1 on an overlap in safe mode or a child that did not recover.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "supervise/actors/command.hpp"
#include "supervise/actors/distribution.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/all.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using steady = std::chrono::steady_clock;

namespace {

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A node's own network namespace, linked to this one; removed at the end.
struct netns {
  std::string name, host_if, host_ip, node_ip;
  bool up = false;
  explicit netns(int i) {
    auto tag = std::to_string(::getpid() % 100000) + "x" + std::to_string(i);
    name = "svs" + tag;
    host_if = "svs" + tag + "h";
    auto subnet = std::to_string(20 + (::getpid() * 3 + i) % 200);
    host_ip = "10.232." + subnet + ".1";
    node_ip = "10.232." + subnet + ".2";
    up = sh("ip netns add " + name)
         && sh("ip link add " + host_if + " type veth peer name eth0 netns " + name)
         && sh("ip addr add " + host_ip + "/24 dev " + host_if) && sh("ip link set " + host_if + " up")
         && sh("ip -n " + name + " addr add " + node_ip + "/24 dev eth0")
         && sh("ip -n " + name + " link set eth0 up") && sh("ip -n " + name + " link set lo up");
  }
  ~netns() {
    sh("ip route del blackhole " + node_ip + "/32");
    sh("ip netns del " + name);
  }
  void cut() {
    sh("ip route add blackhole " + node_ip + "/32");
    sh("ip -n " + name + " route add blackhole " + host_ip + "/32");
  }
  void heal() {
    sh("ip route del blackhole " + node_ip + "/32");
    sh("ip -n " + name + " route del blackhole " + host_ip + "/32");
  }
};

struct soak_options {
  int faults = 1000;
  unsigned seed = 1;
  int children = 6;
  bool immediate = false;
};

std::unique_ptr<caf::actor_system> plain_system(caf::actor_system_config& cfg) {
  distribution_options d;
  d.insecure = true;
  if (auto err = prepare_distribution(cfg, d)) {
    std::fprintf(stderr, "%s\n", render(err).c_str());
    std::exit(2);
  }
  return std::make_unique<caf::actor_system>(cfg);
}

// Overlapping epoch pairs in one effect file.
int overlaps(const std::string& path) {
  std::map<uint64_t, std::pair<int64_t, int64_t>> span; // epoch -> first, last
  std::ifstream in{path};
  uint64_t e;
  int64_t t;
  while (in >> e >> t) {
    auto [it, fresh] = span.try_emplace(e, t, t);
    it->second.first = std::min(it->second.first, t);
    it->second.second = std::max(it->second.second, t);
  }
  int n = 0;
  for (auto a = span.begin(); a != span.end(); ++a)
    for (auto b = std::next(a); b != span.end(); ++b)
      n += a->second.second >= b->second.first ? 1 : 0;
  return n;
}

// Waits until `ok()` or the bound; polls (the states change in other processes).
template <class F>
bool wait_until(F ok, std::chrono::milliseconds bound) {
  auto until = steady::now() + bound;
  while (!ok()) {
    if (steady::now() >= until)
      return false;
    std::this_thread::sleep_for(5ms); // ok-sleep: polling other processes' effects, nothing to wait on
  }
  return true;
}

int run(const soak_options& o) {
  char dir_template[] = "/tmp/supervise-remote-soak-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  caf::actor_system_config launcher_cfg, sup_cfg;
  auto launcher_sys = plain_system(launcher_cfg);
  auto sup_sys = plain_system(sup_cfg);
  tree_options quiet;
  quiet.sink = [](log_level, std::string_view, std::string_view) {};
  quiet.backoff.initial = 20ms;
  quiet.backoff.max_interval = 200ms;
  // The node processes.
  std::vector<std::shared_ptr<command_control>> ctl;
  std::vector<node_address> nodes;
  std::vector<command_options> cmds;
  std::vector<std::unique_ptr<netns>> spaces;
  bool partitions = true;
  for (int i = 0; i < 3; ++i) {
    spaces.push_back(std::make_unique<netns>(i));
    partitions = partitions && spaces.back()->up;
  }
  if (!partitions) {
    spaces.clear();
    std::printf("remote-soak: no network namespaces here (needs root and ip): no partitions\n");
  }
  for (int i = 0; i < 3; ++i) {
    ctl.push_back(std::make_shared<command_control>());
    auto port = 20000 + static_cast<int>((::getpid() * 7 + i * 101) % 20000);
    auto host = partitions ? spaces[i]->node_ip : std::string{"127.0.0.1"};
    nodes.push_back({"n" + std::to_string(i + 1), host, port});
    command_options c;
    c.argv = {SUPERVISE_ACTORS_NODE, std::to_string(port), "insecure", host};
    if (partitions)
      c.argv.insert(c.argv.begin(), {"ip", "netns", "exec", spaces[i]->name});
    c.ready_line = "listening";
    c.grace = 1s;
    c.control = ctl.back();
    cmds.push_back(c);
  }
  tree launcher{*launcher_sys, [&cmds](caf::event_based_actor*, context& ctx) -> caf::behavior {
    for (size_t i = 0; i < cmds.size(); ++i)
      supervise::run(ctx, "n" + std::to_string(i + 1), command(cmds[i]));
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  }, quiet};
  if (!wait_until([&] { return std::all_of(ctl.begin(), ctl.end(), [](auto& c) { return c->pid() != 0; }); }, 20s)) {
    std::fprintf(stderr, "remote-soak: the nodes did not start\n");
    return 1;
  }
  // The remote children.
  std::vector<std::shared_ptr<remote_placement>> hs;
  std::vector<remote_child_options> specs;
  for (int i = 0; i < o.children; ++i) {
    remote_child_options rc;
    rc.type = "effector";
    rc.args = caf::make_message(dir + "/c" + std::to_string(i));
    rc.nodes = nodes;
    rc.policy = placement::spread;
    rc.insecure = true;
    rc.quarantine = 1s;
    rc.when_lost = o.immediate ? on_node_lost::immediate : on_node_lost::wait_for_lease;
    rc.handle = std::make_shared<remote_placement>();
    hs.push_back(rc.handle);
    specs.push_back(rc);
  }
  tree sup{*sup_sys, [&specs](caf::event_based_actor*, context& ctx) -> caf::behavior {
    for (size_t i = 0; i < specs.size(); ++i)
      supervise::run(ctx, "c" + std::to_string(i), remote_child(specs[i]));
    signal(ctx, signal_type::healthy);
    signal(ctx, signal_type::done);
    return {};
  }, quiet};
  // Stable: every child runs and none waits out a lost node's lease.
  auto stable = [&] {
    auto nodes_now = snapshot(*sup_sys, "root");
    return std::all_of(hs.begin(), hs.end(), [](auto& h) { return static_cast<bool>(h->actor()); })
           && std::all_of(nodes_now.begin(), nodes_now.end(), [](const node_info& x) {
                return x.depth == 0
                       || (x.state == node_state::healthy && x.location.find("lost") == std::string::npos);
              });
  };
  auto all_running = stable;
  if (!wait_until(all_running, 30s)) {
    std::fprintf(stderr, "remote-soak: the children did not start\n");
    return 1;
  }
  std::mt19937 rng{o.seed};
  int kills = 0, pauses = 0, cuts = 0, stuck = 0; // stuck: not stable within the bound
  std::vector<double> recovery_ms;
  auto start = steady::now();
  for (int f = 0; f < o.faults; ++f) {
    auto j = static_cast<size_t>(rng() % 3);
    auto t0 = steady::now();
    std::vector<uint64_t> moved; // epochs on the faulted node: they must end
    for (auto& h : hs)
      if (auto now = h->current(); now.node == nodes[j].name)
        moved.push_back(now.epoch);
    auto gone = [&] {
      return std::none_of(hs.begin(), hs.end(), [&](auto& h) {
        return std::find(moved.begin(), moved.end(), h->epoch()) != moved.end();
      });
    };
    // After a pause or a partition: stable, and no longer within the window
    // in which the connection timeout (500 ms + a heartbeat) could still
    // notice it (a short fault may pass unnoticed).
    auto settled = [&] { return steady::now() >= t0 + 700ms && stable(); };
    bool ok;
    auto kind = rng() % (partitions ? 3 : 2);
    if (kind == 2) {
      ++cuts;
      auto d = std::chrono::milliseconds(200 + rng() % 2800);
      spaces[j]->cut();
      std::this_thread::sleep_for(d); // ok-sleep: the partition's own length is the fault
      spaces[j]->heal();
      ok = wait_until(settled, 15s);
    } else if (kind == 0) {
      ++kills;
      ctl[j]->signal(SIGKILL); // noticed at once (the socket closes)
      ok = wait_until([&] { return gone() && stable(); }, 15s);
    } else {
      ++pauses;
      auto d = std::chrono::milliseconds(200 + rng() % 1300);
      ctl[j]->signal(SIGSTOP);
      std::this_thread::sleep_for(d); // ok-sleep: the pause's own length is the fault
      ctl[j]->signal(SIGCONT);
      ok = wait_until(settled, 15s);
    }
    stuck += ok ? 0 : 1;
    recovery_ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
    wait_until([&] { return ctl[j]->pid() != 0; }, 15s); // a killed node is back
  }
  auto elapsed = std::chrono::duration<double>(steady::now() - start).count();
  sup.stop();
  sup.wait();
  launcher.stop();
  launcher.wait();
  int total = 0;
  for (int i = 0; i < o.children; ++i)
    total += overlaps(dir + "/c" + std::to_string(i));
  uint64_t incarnations = 0;
  for (auto& h : hs)
    incarnations += h->starts();
  std::sort(recovery_ms.begin(), recovery_ms.end());
  auto pct = [&](double q) {
    return recovery_ms.empty() ? 0.0 : recovery_ms[std::min(recovery_ms.size() - 1,
                                                            static_cast<size_t>(q * recovery_ms.size()))];
  };
  std::printf("remote-soak: %d faults (%d kill -9, %d SIGSTOP, %d partitions) in %.0f s, %d children, %s mode: "
              "%llu incarnations, %d overlapping epoch pairs, %d not recovered; "
              "fault -> stable again p50 %.0f ms, p99 %.0f ms\n",
              o.faults, kills, pauses, cuts, elapsed, o.children, o.immediate ? "immediate" : "safe",
              static_cast<unsigned long long>(incarnations), total, stuck, pct(0.5), pct(0.99));
  std::filesystem::remove_all(dir);
  return (!o.immediate && total > 0) || stuck > 0 ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  soak_options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* key) -> const char* {
      return a.rfind(key, 0) == 0 ? argv[i] + std::strlen(key) : nullptr;
    };
    if (auto v = val("--faults="))
      o.faults = std::atoi(v);
    else if (auto v = val("--seed="))
      o.seed = static_cast<unsigned>(std::atoi(v));
    else if (auto v = val("--children="))
      o.children = std::atoi(v);
    else if (a == "--immediate")
      o.immediate = true;
    else {
      std::fprintf(stderr, "usage: supervise-remote-soak [--faults=N] [--seed=S] [--children=K] [--immediate]\n");
      return 2;
    }
  }
  if (o.faults < 0 || o.children < 1) {
    std::fprintf(stderr, "remote-soak: --faults must be >= 0 and --children >= 1\n");
    return 2;
  }
  return run(o);
}
