// bench/leases.cpp — row leases: what N idle remote children cost once they
// run. A supervising subprocess (this binary, --internal-node=leases) connects
// to a node process, measures an idle window W, starts N children there,
// measures its RSS delta per child, then the same idle window W again:
//  - lib: a tree of N remote_child stubs on one node_agent (lease 500 ms: the
//    agent renews all of them with one message every 125 ms, the grant lists
//    every epoch);
//  - bare: N actors spawned through CAF's spawn server of a bare node and
//    monitored by one actor (no leases: only BASP heartbeats).
// CPU = on-CPU time of every thread of the supervising process and of the
// node process (/proc/PID/task/*/schedstat), window with N children minus the
// window before them (the connection and its heartbeats exist in both), in %
// of one core. Traffic = bytes over the process's TCP sockets (TCP_INFO).
// Memory: the same N children as local event-based children of a tree, in a
// subprocess of the start row's mode (--internal-start=tree).
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <dirent.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "remote_common.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/all.hpp"

namespace bench {

namespace {

struct sample {
  double self_ns = 0, node_ns = 0, in_bytes = 0, out_bytes = 0;
};

// Bytes received and acknowledged-sent over every TCP socket of this process.
std::pair<double, double> tcp_bytes() {
  double in = 0, out = 0;
  if (auto* dir = ::opendir("/proc/self/fd")) {
    while (auto* e = ::readdir(dir)) {
      int fd = std::atoi(e->d_name);
      if (fd <= 2)
        continue;
      tcp_info info{};
      socklen_t len = sizeof info;
      if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0
          && len >= offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) {
        in += static_cast<double>(info.tcpi_bytes_received);
        out += static_cast<double>(info.tcpi_bytes_acked);
      }
    }
    ::closedir(dir);
  }
  return {in, out};
}

sample take(pid_t node) {
  sample s;
  s.self_ns = cpu_ns_of(0);
  s.node_ns = cpu_ns_of(node);
  std::tie(s.in_bytes, s.out_bytes) = tcp_bytes();
  return s;
}

// The difference over an idle window of `seconds`.
sample window(pid_t node, double seconds) {
  auto a = take(node);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  auto b = take(node);
  return {b.self_ns - a.self_ns, b.node_ns - a.node_ns, b.in_bytes - a.in_bytes,
          b.out_bytes - a.out_bytes};
}

void start_lib(caf::actor_system& sys, uint16_t port, size_t n, double timeout_s,
               std::unique_ptr<supervise::tree>& t) {
  supervise::actors::remote_child_options rc;
  rc.type = "counter";
  rc.nodes = {{"n1", "127.0.0.1", port}};
  rc.insecure = true;
  auto child = supervise::actors::remote_child(rc);
  auto healthy = std::make_shared<std::atomic<size_t>>(0);
  supervise::tree_options opts;
  opts.sink = quiet_sink;
  opts.on_state = [healthy](const std::string& dn, supervise::node_state s) {
    if (s == supervise::node_state::healthy && dn != "root")
      ++*healthy;
  };
  t = std::make_unique<supervise::tree>(
    sys,
    [child, n](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
      for (size_t i = 0; i < n; ++i)
        supervise::run(ctx, fmt::format("c{}", i), child);
      supervise::signal(ctx, supervise::signal_type::healthy);
      supervise::signal(ctx, supervise::signal_type::done);
      return {};
    },
    opts);
  if (!wait_count(*healthy, n, timeout_s))
    fail(fmt::format("leases: {} of {} remote children started", healthy->load(), n));
}

void start_bare(caf::actor_system& sys, const caf::node_id& node, size_t n, double timeout_s) {
  auto spawned = std::make_shared<std::atomic<size_t>>(0);
  sys.spawn([&sys, node, n, spawned](caf::event_based_actor* self) -> caf::behavior {
    auto mm = sys.middleman().actor_handle();
    for (size_t i = 0; i < n; ++i)
      self->request(mm, caf::infinite, caf::spawn_atom::value, node, std::string{"counter"},
                    caf::make_message(), std::set<std::string>{})
        .then([self, spawned](caf::strong_actor_ptr& p) {
          self->monitor(p); // as a supervisor would
          ++*spawned;
        });
    self->set_down_handler([](caf::down_msg&) {});
    return {[](int) {}};
  });
  if (!wait_count(*spawned, n, timeout_s))
    fail(fmt::format("leases: {} of {} bare remote actors started", spawned->load(), n));
}

std::map<std::string, double> parse_kv(const std::string& s) {
  std::map<std::string, double> out;
  std::istringstream in{s};
  std::string kv;
  while (in >> kv)
    if (auto eq = kv.find('='); eq != std::string::npos)
      out[kv.substr(0, eq)] = std::stod(kv.substr(eq + 1));
  return out;
}

std::map<std::string, double> run_child(const options& o, const std::string& variant,
                                        const node_process& node, size_t n, double w) {
  subprocess p{o,
               {"--internal-node=leases", "--internal-arg=" + variant,
                "--internal-arg=" + std::to_string(n), "--internal-arg=" + std::to_string(node.port),
                "--internal-arg=" + std::to_string(node.proc.pid()),
                "--internal-arg=" + std::to_string(w)}};
  auto res = p.wait_line("RESULT ", o.timeout_s + 2 * w);
  if (!res)
    fail("leases: the " + variant + " subprocess gave no result");
  return parse_kv(*res);
}

} // namespace

// The supervising subprocess: args variant, n, port, node pid, window (s).
int leases_child_main(const options& o, const std::vector<std::string>& args) {
  if (args.size() != 5)
    return 1;
  bool lib = args[0] == "lib";
  size_t n = std::stoul(args[1]);
  auto port = static_cast<uint16_t>(std::stoul(args[2]));
  auto node = static_cast<pid_t>(std::stol(args[3]));
  double w = std::stod(args[4]);
  auto box = dist_system(o, nullptr, !lib);
  auto& sys = *box->sys;
  auto nid = connect_node(sys, port, false); // in both windows, with its heartbeats
  if (!nid)
    fail("leases: connect: " + caf::to_string(nid.error()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto idle = window(node, w);
  size_t rss0 = rss_bytes();
  auto t0 = clk::now();
  std::unique_ptr<supervise::tree> t;
  if (lib)
    start_lib(sys, port, n, o.timeout_s, t);
  else
    start_bare(sys, *nid, n, o.timeout_s);
  double start_ms = us_between(t0, clk::now()) / 1e3;
  size_t rss1 = rss_bytes();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto busy = window(node, w);
  std::printf("RESULT start_ms=%.3f rss=%.1f idle_self=%.0f idle_node=%.0f self=%.0f node=%.0f "
              "idle_in=%.0f idle_out=%.0f in=%.0f out=%.0f\n",
              start_ms, (static_cast<double>(rss1) - static_cast<double>(rss0)) / n,
              idle.self_ns, idle.node_ns, busy.self_ns, busy.node_ns, idle.in_bytes,
              idle.out_bytes, busy.in_bytes, busy.out_bytes);
  std::fflush(stdout);
  std::_Exit(0); // skip the teardown: not measured
}

lines row_leases(const options& o) {
  auto n = o.lease_n;
  auto w = o.lease_window_s;
  std::map<std::string, double> lib, bare;
  if (o.run_lib) {
    node_process agent{o, "agent"};
    lib = run_child(o, "lib", agent, n, w);
  }
  if (o.run_bare) {
    node_process node{o, "bare"};
    bare = run_child(o, "bare", node, n, w);
  }
  // % of one core: both processes, window with N children minus the one before.
  auto pct = [w](std::map<std::string, double>& r) -> std::optional<double> {
    if (r.empty())
      return std::nullopt;
    return (r["self"] + r["node"] - r["idle_self"] - r["idle_node"]) / 1e9 / w * 100;
  };
  auto detail = [w](std::map<std::string, double>& r) {
    if (r.empty())
      return std::string{"-"};
    auto ms = [w](double ns) { return ns / 1e6 / w; };
    return fmt::format("supervisor {:.2f} ms/s (before {:.2f}), node {:.2f} ms/s (before {:.2f}); "
                       "TCP in {:.1f} kB/s (before {:.2f}), out {:.1f} kB/s (before {:.2f})",
                       ms(r["self"]), ms(r["idle_self"]), ms(r["node"]), ms(r["idle_node"]),
                       r["in"] / 1e3 / w, r["idle_in"] / 1e3 / w, r["out"] / 1e3 / w,
                       r["idle_out"] / 1e3 / w);
  };
  lines out;
  auto lp = pct(lib);
  out.push_back(
    {"leases", "idle CPU, N children", "% core", n, lp, pct(bare), "<= 1 % of one core",
     lp ? std::optional<bool>{*lp <= 1.0} : std::nullopt,
     fmt::format("{:.1f} s windows, supervising + node process, with N children minus before "
                 "them; lib: {}; bare (N remote actors monitored, no leases): {}; by design lib "
                 "sends 4 renewals/s and 4 grants/s of 8 B per child",
                 w, detail(lib), detail(bare))});
  // Memory: the same N as local event-based tree children (start row's mode).
  std::optional<double> local;
  if (o.run_lib) {
    subprocess p{o, {"--internal-start=tree", "--internal-n=" + std::to_string(n)}};
    if (auto res = p.wait_line("RESULT ", o.timeout_s)) {
      double total = 0, per = 0;
      if (std::sscanf(res->c_str(), "%lf %lf", &total, &per) == 2)
        local = per;
    }
    if (!local)
      fail("leases: the local tree subprocess gave no result");
  }
  auto rss = [](std::map<std::string, double>& r) {
    return r.empty() ? std::nullopt : std::optional<double>{r["rss"]};
  };
  out.push_back({"leases", "RSS/child, local", "B", n, local, std::nullopt, "", {},
                 "local event-based tree children (start row's tree mode, "
                 "scheduler.max-throughput=64)"});
  auto lr = rss(lib);
  out.push_back(
    {"leases", "RSS/child, remote", "B", n, lr, rss(bare),
     local ? fmt::format("<= 2x local ({:.0f} B)", 2 * *local) : std::string{},
     lr && local ? std::optional<bool>{*lr <= 2 * *local} : std::nullopt,
     fmt::format("supervising process only, RSS delta over the start / N; lib: tree of "
                 "remote_child stubs (start {:.0f} ms); bare: the spawn server's proxies, monitored "
                 "(start {:.0f} ms)",
                 lib.empty() ? 0.0 : lib["start_ms"], bare.empty() ? 0.0 : bare["start_ms"])});
  return out;
}

} // namespace bench
