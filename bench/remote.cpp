// bench/remote.cpp — row remote: starting and stopping N remote children on
// a node agent of a second actor system in this process (plain BASP over
// 127.0.0.1). Baseline: CAF's own pipelined remote spawn (the middleman's
// spawn_atom through the worker's spawn server) from one actor: no lease,
// no epoch, no placement. Lib: a tree whose root runs N remote_child nodes;
// timed from the tree's construction until all N are healthy, then its stop.
#include <set>

#include <caf/io/all.hpp>
#include <fmt/format.h>

#include "common.hpp"
#include "supervise/actors/distribution.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/all.hpp"

namespace bench {

namespace {

caf::behavior counter_actor(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

// A system prepared for plain distribution, with the "counter" type.
std::unique_ptr<caf::actor_system> node_system(caf::actor_system_config& cfg) {
  cfg.add_actor_type("counter", counter_actor);
  supervise::actors::distribution_options d;
  d.insecure = true;
  if (auto err = supervise::actors::prepare_distribution(cfg, d))
    fail("remote: " + supervise::render(err));
  return std::make_unique<caf::actor_system>(cfg);
}

const supervise::log_sink quiet = [](supervise::log_level, std::string_view, std::string_view) {};

// ms until N remote children run, and ms to stop them.
std::pair<double, double> lib_round(caf::actor_system& sys, uint16_t port, size_t n,
                                    double timeout_s) {
  supervise::actors::remote_child_options rc;
  rc.type = "counter";
  rc.nodes = {{"n1", "127.0.0.1", port}};
  rc.insecure = true;
  auto child = supervise::actors::remote_child(rc);
  std::atomic<size_t> healthy{0};
  latch all_up;
  supervise::tree_options opts;
  opts.sink = quiet;
  opts.on_state = [&](const std::string& dn, supervise::node_state s) {
    if (s == supervise::node_state::healthy && dn != "root" && ++healthy == n)
      all_up.set();
  };
  auto t0 = clk::now();
  supervise::tree t{sys,
                    [&](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
                      for (size_t i = 0; i < n; ++i)
                        supervise::run(ctx, fmt::format("c{}", i), child);
                      supervise::signal(ctx, supervise::signal_type::healthy);
                      supervise::signal(ctx, supervise::signal_type::done);
                      return {};
                    },
                    opts};
  if (!all_up.wait(timeout_s))
    fail(fmt::format("lib remote: {} of {} children started", healthy.load(), n));
  auto t1 = clk::now();
  t.stop();
  t.wait();
  auto t2 = clk::now();
  return {us_between(t0, t1) / 1e3, us_between(t1, t2) / 1e3};
}

// ms until CAF's spawn server started N actors, requested all at once.
// Then stops them and waits for their downs (over BASP: a system destroyed
// with their exits still queued would wait for them forever).
double bare_round(caf::actor_system& sys, uint16_t port, size_t n, double timeout_s) {
  auto nid = sys.middleman().connect("127.0.0.1", port); // warm connection, as lib's
  if (!nid)
    fail("bare remote: connect: " + sys.render(nid.error()));
  latch started, stopped;
  auto t0 = clk::now();
  auto driver = sys.spawn([&, node = *nid](caf::event_based_actor* self) -> caf::behavior {
    auto mm = sys.middleman().actor_handle();
    auto spawned = std::make_shared<std::vector<caf::actor>>();
    for (size_t i = 0; i < n; ++i)
      self->request(mm, caf::infinite, caf::spawn_atom::value, node, std::string{"counter"},
                    caf::make_message(), std::set<std::string>{})
        .then([&, spawned](caf::strong_actor_ptr& p) {
          spawned->push_back(caf::actor_cast<caf::actor>(std::move(p)));
          if (spawned->size() == n)
            started.set();
        });
    auto downs = std::make_shared<size_t>(0);
    self->set_down_handler([&, downs](caf::down_msg&) {
      if (++*downs == n)
        stopped.set();
    });
    return {[self, spawned](stop_atom) {
      for (auto& a : *spawned) {
        self->monitor(a);
        self->send_exit(a, caf::exit_reason::user_shutdown);
      }
    }};
  });
  if (!started.wait(timeout_s))
    fail("bare remote: spawns did not finish");
  auto ms = us_between(t0, clk::now()) / 1e3;
  caf::anon_send(driver, stop_atom::value);
  if (!stopped.wait(timeout_s))
    fail("bare remote: spawned actors did not stop");
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
  return ms;
}

} // namespace

lines row_remote(const options& o) {
  auto n = o.remote_n;
  // The lib's worker: a node agent (which removes the spawn server).
  caf::actor_system_config worker_cfg;
  auto worker = node_system(worker_cfg);
  supervise::actors::node_agent_options a;
  a.allow = {"counter"};
  a.insecure = true;
  a.endpoint = std::make_shared<supervise::actors::published_endpoint>();
  supervise::tree_options wopts;
  wopts.sink = quiet;
  supervise::tree agent{*worker, supervise::actors::node_agent(a), wopts};
  auto port = a.endpoint->wait_listening(std::chrono::seconds(30));
  // The baseline's worker: a bare node whose spawn server is open.
  caf::actor_system_config bare_cfg;
  auto bare_worker = node_system(bare_cfg);
  auto published = bare_worker->spawn(counter_actor);
  auto bare_port = bare_worker->middleman().publish(published, 0, "127.0.0.1");
  if (port == 0 || !bare_port)
    fail("remote: the workers do not listen");
  caf::actor_system_config sup_cfg;
  auto sup = node_system(sup_cfg);
  std::vector<double> lib_start, lib_stop, bare_start;
  for (int round = 0; round < 3; ++round) { // alternating
    auto [start_ms, stop_ms] = lib_round(*sup, port, n, o.timeout_s);
    lib_start.push_back(start_ms);
    lib_stop.push_back(stop_ms);
    bare_start.push_back(bare_round(*sup, *bare_port, n, o.timeout_s));
  }
  agent.stop();
  agent.wait();
  caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
  auto ls = summarize(lib_start).median;
  auto bs = summarize(bare_start).median;
  auto rate = [n](double ms) { return static_cast<double>(n) / ms * 1e3; };
  lines out;
  out.push_back({"remote", "start rate", "1/s", n, rate(ls), rate(bs), ">= 10000/s plain",
                 rate(ls) >= 10000,
                 fmt::format("median of 3 alternating rounds: lib {:.1f} ms (placement, epoch "
                             "confirmed by a lease grant), bare {:.1f} ms (CAF's spawn server)",
                             ls, bs)});
  out.push_back({"remote", "stop all", "ms", n, summarize(lib_stop).median, std::nullopt, "", {},
                 "each child asked to exit, its down awaited over BASP"});
  return out;
}

} // namespace bench
