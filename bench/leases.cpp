// bench/leases.cpp — row leases: what N idle remote children cost once they
// run. A supervising subprocess (this binary, --internal-node=leases) connects
// to a fresh node process, measures an idle window W, starts N children there,
// measures its RSS delta per child, then the same idle window W again:
//  - lib: a tree of N remote_child stubs on one node_agent, started 500 per
//    chunk (each chunk running before the next); lease 500 ms (--lease-ms):
//    the agent renews all of them with one message every lease / 4, and a
//    grant carries only the changes since the last one (none when idle). A
//    start that does not converge within 30 s (leases lapsing faster than
//    renewed) is reported, no figure;
//  - bare: N actors spawned through CAF's spawn server of a bare node, held
//    and monitored by one actor (no leases: only BASP heartbeats).
// CPU = on-CPU time of every thread of the supervising process and of the
// node process (/proc/PID/task/*/schedstat), the window with N children minus
// the window before them (the connection and its heartbeats exist in both),
// in % of one core; with CAF's default scheduler, then scheduler.policy =
// sharing. The window with N children opens once the start requests'
// timeouts have passed (connect timeout + lease after the start). Traffic =
// bytes over the process's TCP sockets (TCP_INFO).
// Memory: the same N as local event-based children of a tree, in a subprocess
// of the start row's mode (--internal-start=tree).
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_set>

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

// State changes of the remote children (a restart shows as DEAD, then
// HEALTHY), and how many are HEALTHY now.
std::atomic<size_t> g_dead{0}, g_up{0};
std::mutex g_mx;
std::unordered_set<std::string> g_healthy;

// N remote_child stubs, started in chunks of 500 (each chunk healthy before
// the next, as the siblings row): the root stays NEW, running each chunk when
// told, then signals healthy. False when they did not all run by `deadline`.
bool start_lib(caf::actor_system& sys, uint16_t port, size_t n, std::chrono::nanoseconds lease,
               clk::time_point deadline, std::unique_ptr<supervise::tree>& t) {
  supervise::actors::remote_child_options rc;
  rc.type = "counter";
  rc.nodes = {{"n1", "127.0.0.1", port}};
  rc.insecure = true;
  rc.lease = lease;
  auto child = supervise::actors::remote_child(rc);
  supervise::tree_options opts;
  opts.sink = quiet_sink;
  opts.on_state = [](const std::string& dn, supervise::node_state s) {
    if (dn == "root")
      return;
    std::lock_guard<std::mutex> g{g_mx};
    if (s == supervise::node_state::healthy) {
      g_healthy.insert(dn);
    } else {
      g_healthy.erase(dn);
      if (s == supervise::node_state::dead)
        ++g_dead;
    }
    g_up = g_healthy.size();
  };
  auto root = std::make_shared<std::promise<caf::actor>>();
  auto root_f = root->get_future();
  t = std::make_unique<supervise::tree>(
    sys,
    [child, n, root](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
      root->set_value(caf::actor{self});
      return {[child, n, &ctx](go_atom, size_t from, size_t to) {
        for (size_t i = from; i < to; ++i)
          supervise::run(ctx, fmt::format("c{}", i), child);
        if (to == n) {
          supervise::signal(ctx, supervise::signal_type::healthy);
          supervise::signal(ctx, supervise::signal_type::done);
        }
      }};
    },
    opts);
  auto root_actor = root_f.get();
  for (size_t from = 0; from < n; from += 500) {
    auto to = std::min(n, from + 500);
    caf::anon_send(root_actor, go_atom::value, from, to);
    auto left = std::chrono::duration<double>(deadline - clk::now()).count();
    if (left <= 0 || !wait_count(g_up, to, left))
      return false;
  }
  return true;
}

// A bare supervisor: spawns N actors through the node's spawn server, holds
// and monitors them. Returned (an actor nobody references ends at once).
caf::actor start_bare(caf::actor_system& sys, const caf::node_id& node, size_t n,
                      double timeout_s) {
  auto spawned = std::make_shared<std::atomic<size_t>>(0);
  auto kids = std::make_shared<std::vector<caf::actor>>();
  auto sup = sys.spawn([&sys, node, n, spawned, kids](caf::event_based_actor* self) -> caf::behavior {
    auto mm = sys.middleman().actor_handle();
    kids->reserve(n);
    for (size_t i = 0; i < n; ++i)
      self->request(mm, caf::infinite, caf::spawn_atom::value, node, std::string{"counter"},
                    caf::make_message(), std::set<std::string>{})
        .then([self, spawned, kids](caf::strong_actor_ptr& p) {
          self->monitor(p);
          kids->push_back(caf::actor_cast<caf::actor>(std::move(p)));
          ++*spawned;
        });
    self->set_down_handler([](caf::down_msg&) {});
    return {[](int) {}};
  });
  if (!wait_count(*spawned, n, timeout_s))
    fail(fmt::format("leases: {} of {} bare remote actors started", spawned->load(), n));
  return sup;
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

using kv = std::map<std::string, double>;

// One supervising subprocess against a fresh node process, both with
// `presets` before the command line's CAF options.
kv run_child(const options& o, const std::string& variant, size_t n, double w,
             const std::vector<std::string>& presets) {
  node_process node{o, variant == "lib" ? "agent" : "bare", presets};
  std::vector<std::string> args{"--internal-node=leases", "--internal-arg=" + variant,
                                "--internal-arg=" + std::to_string(n),
                                "--internal-arg=" + std::to_string(node.port),
                                "--internal-arg=" + std::to_string(node.proc.pid()),
                                "--internal-arg=" + std::to_string(w),
                                "--internal-arg=" + std::to_string(o.lease_ms)};
  args.insert(args.end(), presets.begin(), presets.end());
  subprocess p{o, args};
  auto res = p.wait_line("RESULT ", o.timeout_s + 2 * w + 5);
  if (!res)
    fail("leases: the " + variant + " subprocess gave no result");
  return parse_kv(*res);
}

bool converged(kv& r) {
  return !r.empty() && r["converged"] == 1;
}

// % of one core: both processes, the window with N children minus the one before.
std::optional<double> cpu_pct(kv& r, double w) {
  if (!converged(r))
    return std::nullopt;
  return (r["self"] + r["node"] - r["idle_self"] - r["idle_node"]) / 1e9 / w * 100;
}

std::string cpu_detail(kv& r, double w, size_t n) {
  if (r.empty())
    return "-";
  if (!converged(r))
    return fmt::format("the start did not converge: {:.0f} of N running after {:.0f} ms, {:.0f} "
                       "restarts (DEAD: leases lapsing faster than renewed); no window",
                       r["up"], r["start_ms"], r["dead_start"]);
  auto ms = [w](double ns) { return ns / 1e6 / w; };
  auto kbs = [w](double b) { return b / 1e3 / w; };
  return fmt::format(
    "supervisor {:.1f} ms/s (before {:.1f}), node {:.1f} ms/s (before {:.1f}); TCP from the "
    "supervisor {:.1f} kB/s (before {:.2f}), {:.3f} B/s per child; to it {:.2f} kB/s "
    "(before {:.2f}); restarts during the start {:.0f}, in the window {:.0f}; start {:.0f} ms",
    ms(r["self"]), ms(r["idle_self"]), ms(r["node"]), ms(r["idle_node"]), kbs(r["out"]),
    kbs(r["idle_out"]), (r["out"] - r["idle_out"]) / w / static_cast<double>(n),
    kbs(r["in"]), kbs(r["idle_in"]), r["dead_start"], r["dead_window"], r["start_ms"]);
}

} // namespace

// The supervising subprocess: args variant, n, port, node pid, window (s),
// lease (ms). Prints "RESULT key=value ...".
int leases_child_main(const options& o, const std::vector<std::string>& args) {
  if (args.size() != 6)
    return 1;
  bool lib = args[0] == "lib";
  size_t n = std::stoul(args[1]);
  auto port = static_cast<uint16_t>(std::stoul(args[2]));
  auto node = static_cast<pid_t>(std::stol(args[3]));
  double w = std::stod(args[4]);
  auto lease = std::chrono::milliseconds(std::stol(args[5]));
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
  caf::actor bare_sup;
  // A start that does not converge (leases lapsing faster than they are
  // renewed) is reported, not waited for: bounded by 30 s (or --timeout).
  auto deadline = t0 + std::chrono::duration_cast<clk::duration>(
                         std::chrono::duration<double>(std::min(o.timeout_s, 30.0)));
  if (lib && !start_lib(sys, port, n, lease, deadline, t)) {
    std::printf("RESULT converged=0 up=%zu dead_start=%zu start_ms=%.3f\n", g_up.load(),
                g_dead.load(), us_between(t0, clk::now()) / 1e3);
    std::fflush(stdout);
    std::_Exit(0);
  }
  if (!lib)
    bare_sup = start_bare(sys, *nid, n, o.timeout_s);
  double start_ms = us_between(t0, clk::now()) / 1e3;
  size_t rss1 = rss_bytes();
  size_t dead0 = g_dead.load();
  // Past the start: each stub's start request carries a timeout (connect
  // timeout + lease) that CAF 0.17 cannot cancel, so N timeout messages
  // reach the stubs that long after their start. The window measures the
  // steady state after them.
  std::this_thread::sleep_for(supervise::actors::remote_child_options{}.connect_timeout + lease
                              + std::chrono::milliseconds(300));
  auto busy = window(node, w);
  std::printf("RESULT converged=1 dead_start=%zu dead_window=%zu start_ms=%.3f rss=%.1f idle_self=%.0f idle_node=%.0f self=%.0f node=%.0f "
              "idle_in=%.0f idle_out=%.0f in=%.0f out=%.0f\n",
              dead0, g_dead.load() - dead0, start_ms, (static_cast<double>(rss1) - static_cast<double>(rss0)) / n,
              idle.self_ns, idle.node_ns, busy.self_ns, busy.node_ns, idle.in_bytes,
              idle.out_bytes, busy.in_bytes, busy.out_bytes);
  std::fflush(stdout);
  std::_Exit(0); // skip the teardown: not measured
}

lines row_leases(const options& o) {
  auto n = o.lease_n;
  auto w = o.lease_window_s;
  lines out;
  kv rss_lib, rss_bare;
  for (bool sharing : {false, true}) {
    std::vector<std::string> presets;
    if (sharing)
      presets.push_back("--scheduler.policy=sharing");
    kv lib, bare;
    if (o.run_lib)
      lib = run_child(o, "lib", n, w, presets);
    if (o.run_bare)
      bare = run_child(o, "bare", n, w, presets);
    auto lp = cpu_pct(lib, w);
    std::optional<bool> pass;
    if (o.run_lib)
      pass = lp && *lp <= 1.0; // a start that did not converge misses
    out.push_back(
      {"leases", sharing ? "idle CPU, sharing" : "idle CPU", "% core", n, lp, cpu_pct(bare, w),
       "<= 1 % of one core", pass,
       fmt::format("{}lease {} ms; {:.1f} s windows; CPU of the supervising and the node process "
                   "(all threads), with N children minus before them; lib (started 500 per "
                   "chunk): {}; bare (N remote actors held and monitored, no leases): {}",
                   sharing ? "scheduler.policy=sharing preset (idle workers sleep); " : "",
                   o.lease_ms, w, cpu_detail(lib, w, n), cpu_detail(bare, w, n))});
    if (!sharing) {
      rss_lib = lib;
      rss_bare = bare;
    }
  }
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
  auto rss = [](kv& r) { return converged(r) ? std::optional<double>{r["rss"]} : std::nullopt; };
  out.push_back({"leases", "RSS/child, local", "B", n, local, std::nullopt, "", {},
                 "local event-based tree children (start row's tree mode, "
                 "scheduler.max-throughput=64)"});
  auto lr = rss(rss_lib);
  std::optional<bool> pass;
  if (o.run_lib)
    pass = lr && local && *lr <= 2 * *local;
  out.push_back(
    {"leases", "RSS/child, remote", "B", n, lr, rss(rss_bare),
     local ? fmt::format("<= 2x local ({:.0f} B)", 2 * *local) : std::string{}, pass,
     converged(rss_lib) || !o.run_lib
       ? "supervising process only (default scheduler run), RSS delta over the start / N; lib: "
         "tree of remote_child stubs; bare: one actor holding and monitoring the spawn server's "
         "proxies"
       : "no figure: the lib start did not converge (see idle CPU)"});
  return out;
}

} // namespace bench
