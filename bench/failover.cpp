// bench/failover.cpp — row failover: how fast the supervising side learns
// that a node process is gone, and how fast a child moves to the next node.
// Each run starts a fresh node process (this binary, --internal-node=agent or
// bare: plain BASP, heartbeat 100 ms / connection timeout 500 ms on every
// side), places one child there, waits a random 0-100 ms (so a run samples
// every heartbeat phase), then signals the node:
//  - kill -9 / SIGSTOP detection, lib: remote_child with
//    on_node_lost::immediate; kill() -> the tree's on_state sees the stub DEAD.
//    Bare: a proxy of the node's published actor, monitored; kill() -> its
//    down_msg. Lib and bare runs alternate, each on its own actor system.
//  - safe failover, lib only: remote_child with the defaults (wait_for_lease,
//    lease 500 ms, stop_grace 50 ms), candidates n1 (fresh, killed) and n2 (one
//    node for all runs); kill -9 of n1 -> the stub HEALTHY again, on n2.
#include <csignal>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "remote_common.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/all.hpp"

namespace bench {

namespace {

using supervise::node_state;
namespace sa = supervise::actors;

// The times node "root.c" entered each state.
class state_log {
public:
  void on(const std::string& dn, node_state s) {
    if (dn != "root.c")
      return;
    auto now = clk::now();
    std::lock_guard<std::mutex> g{mx_};
    seen_.emplace_back(s, now);
    cv_.notify_all();
  }
  // When "root.c" entered `s` for the k-th time (1-based); nullopt on timeout.
  std::optional<clk::time_point> wait(node_state s, size_t k, double seconds) {
    std::unique_lock<std::mutex> g{mx_};
    std::optional<clk::time_point> out;
    cv_.wait_for(g, std::chrono::duration<double>(seconds), [&] {
      size_t i = 0;
      for (auto& [st, t] : seen_)
        if (st == s && ++i == k) {
          out = t;
          return true;
        }
      return false;
    });
    return out;
  }

private:
  std::mutex mx_;
  std::condition_variable cv_;
  std::vector<std::pair<node_state, clk::time_point>> seen_;
};

// A tree whose root runs one remote child "c".
std::unique_ptr<supervise::tree> tree_of(caf::actor_system& sys, sa::remote_child_options rc,
                                         state_log& log, std::chrono::nanoseconds backoff) {
  supervise::tree_options opts;
  opts.sink = quiet_sink;
  opts.backoff.initial = backoff;
  opts.backoff.max_interval = std::max<std::chrono::nanoseconds>(backoff, std::chrono::seconds(60));
  opts.on_state = [&log](const std::string& dn, node_state s) { log.on(dn, s); };
  auto child = sa::remote_child(std::move(rc));
  return std::make_unique<supervise::tree>(
    sys,
    [child](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
      supervise::run(ctx, "c", child);
      supervise::signal(ctx, supervise::signal_type::healthy);
      supervise::signal(ctx, supervise::signal_type::done);
      return {};
    },
    opts);
}

double ms_between(clk::time_point a, clk::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::mt19937 rng{12345};

void random_phase() {
  std::uniform_int_distribution<int> us(0, 100000);
  std::this_thread::sleep_for(std::chrono::microseconds(us(rng)));
}

// kill() -> the stub DEAD (on_node_lost::immediate).
double lib_detect(const options& o, caf::actor_system& sys, int sig) {
  node_process node{o, "agent"};
  sa::remote_child_options rc;
  rc.type = "counter";
  rc.nodes = {{"n1", "127.0.0.1", node.port}};
  rc.insecure = true;
  rc.when_lost = sa::on_node_lost::immediate;
  state_log log;
  auto t = tree_of(sys, rc, log, std::chrono::seconds(60)); // no restart in the run
  if (!log.wait(node_state::healthy, 1, o.timeout_s))
    fail("failover: the remote child did not start");
  random_phase();
  auto t0 = clk::now();
  node.proc.signal(sig);
  auto dead = log.wait(node_state::dead, 1, o.timeout_s);
  if (!dead)
    fail("failover: the stub did not see its node lost");
  node.proc.finish();
  t->stop();
  t->wait();
  return ms_between(t0, *dead);
}

// kill() -> the down_msg of a proxy of an actor in the node.
double bare_detect(const options& o, caf::actor_system& sys, int sig) {
  node_process node{o, "bare"};
  auto proxy = sys.middleman().remote_actor("127.0.0.1", node.port);
  for (int retry = 0; retry < 2 && !proxy && cut_by_sweep(proxy.error()); ++retry)
    proxy = sys.middleman().remote_actor("127.0.0.1", node.port);
  if (!proxy)
    fail("failover: bare connect: " + caf::to_string(proxy.error()));
  latch watching, down;
  clk::time_point t_down;
  // Held until the end: an actor nobody references ends at once (CAF).
  auto mon = sys.spawn([&, p = *proxy](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(p);
    self->set_down_handler([&, self](caf::down_msg&) {
      t_down = clk::now();
      down.set();
      self->quit();
    });
    watching.set();
    return {[](int) {}};
  });
  if (!watching.wait(o.timeout_s))
    fail("failover: bare monitor did not start");
  random_phase();
  auto t0 = clk::now();
  node.proc.signal(sig);
  if (!down.wait(o.timeout_s))
    fail("failover: bare proxy never went down");
  node.proc.finish();
  caf::anon_send_exit(mon, caf::exit_reason::user_shutdown);
  return ms_between(t0, t_down);
}

struct failover_times {
  double lost_ms, up_ms;
};

// kill -9 of n1 -> the stub HEALTHY on n2 (wait_for_lease, the defaults).
failover_times safe_failover(const options& o, caf::actor_system& sys, uint16_t port2) {
  node_process n1{o, "agent"};
  sa::remote_child_options rc;
  rc.type = "counter";
  rc.nodes = {{"n1", "127.0.0.1", n1.port}, {"n2", "127.0.0.1", port2}};
  rc.insecure = true;
  rc.handle = std::make_shared<sa::remote_placement>();
  state_log log;
  auto t = tree_of(sys, rc, log, std::chrono::nanoseconds{0}); // restart at once
  if (!log.wait(node_state::healthy, 1, o.timeout_s))
    fail("failover: the remote child did not start");
  if (rc.handle->node() != "n1")
    fail("failover: the child runs on " + rc.handle->node() + ", not n1");
  random_phase();
  auto t0 = clk::now();
  n1.proc.signal(SIGKILL);
  auto dead = log.wait(node_state::dead, 1, o.timeout_s);
  auto up = log.wait(node_state::healthy, 2, o.timeout_s);
  if (!dead || !up)
    fail("failover: the child did not move to n2");
  if (rc.handle->node() != "n2")
    fail("failover: the child moved to " + rc.handle->node() + ", not n2");
  t->stop();
  t->wait();
  return {ms_between(t0, *dead), ms_between(t0, *up)};
}

std::string ms_list(const std::vector<double>& v) {
  std::string s;
  for (auto x : v)
    s += fmt::format("{}{:.1f}", s.empty() ? "" : " ", x);
  return s;
}

} // namespace

lines row_failover(const options& o) {
  auto lib_box = dist_system(o);
  auto bare_box = dist_system(o, nullptr, true);
  auto& lib_sys = *lib_box->sys;
  auto& bare_sys = *bare_box->sys;
  lines out;
  auto detection = [&](int sig, size_t runs, const char* what, const char* metric_p50,
                       const char* metric_p99, double t50, double t99) {
    std::vector<double> lib, bare;
    for (size_t i = 0; i < runs; ++i) {
      if (o.run_lib)
        lib.push_back(lib_detect(o, lib_sys, sig));
      if (o.run_bare)
        bare.push_back(bare_detect(o, bare_sys, sig));
    }
    auto l = summarize(lib), b = summarize(bare);
    auto note = fmt::format("{} -> stub DEAD (on_node_lost::immediate), bare: -> proxy down_msg; "
                            "{} runs alternating, each a fresh node process; lib max {:.1f}, bare "
                            "max {:.1f} ms",
                            what, runs, lib.empty() ? 0.0 : *std::max_element(lib.begin(), lib.end()),
                            bare.empty() ? 0.0 : *std::max_element(bare.begin(), bare.end()));
    if (t50 > 0)
      out.push_back({"failover", metric_p50, "ms", runs, l.median, b.median,
                     fmt::format("<= {:.0f} ms", t50), l.median <= t50, note});
    else
      out.push_back({"failover", metric_p50, "ms", runs, l.median, b.median, "", {}, note});
    out.push_back({"failover", metric_p99, "ms", runs, l.p99, b.p99,
                   fmt::format("<= {:.0f} ms", t99), l.p99 <= t99, ""});
  };
  detection(SIGKILL, o.kill_runs, "kill -9", "kill -9 detect p50", "kill -9 detect p99", 5, 20);
  detection(SIGSTOP, o.hang_runs, "SIGSTOP (hung node, heartbeat timeout 500 ms)",
            "SIGSTOP detect p50", "SIGSTOP detect p99", 0, 600);
  if (o.run_lib) {
    node_process n2{o, "agent"};
    std::vector<double> lost, up;
    for (size_t i = 0; i < o.failover_runs; ++i) {
      auto r = safe_failover(o, lib_sys, n2.port);
      lost.push_back(r.lost_ms);
      up.push_back(r.up_ms);
    }
    auto s = summarize(up);
    auto note = fmt::format("wait_for_lease, lease 500 ms, stop_grace 50 ms, candidates n1 n2; "
                            "kill -9 n1 -> HEALTHY on n2 (ms): {}; of which kill -> stub DEAD "
                            "(lease lapsed), median {:.1f} ms",
                            ms_list(up), summarize(lost).median);
    out.push_back({"failover", "safe failover p50", "ms", o.failover_runs, s.median, std::nullopt,
                   "", {}, note});
    out.push_back({"failover", "safe failover p99", "ms", o.failover_runs, s.p99, std::nullopt,
                   "<= lease + 100 ms (600 ms)", s.p99 <= 600, ""});
  }
  return out;
}

} // namespace bench
