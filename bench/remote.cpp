// bench/remote.cpp — row remote: starting and stopping N remote children on
// a node agent of a second actor system in this process over 127.0.0.1, with
// plain BASP and then with mutual TLS. Baseline: CAF's own pipelined remote
// spawn (the middleman's spawn_atom through the worker's spawn server) from
// one actor: no lease, no epoch, no placement. Lib: a tree whose root runs N
// remote_child nodes; timed from the tree's construction until all N are
// healthy, then its stop.
#include <set>

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <fmt/format.h>

#include "remote_common.hpp"
#include "supervise/actors/distribution.hpp"
#include "supervise/actors/node_agent.hpp"
#include "supervise/actors/remote_child.hpp"
#include "supervise/all.hpp"

namespace bench {

namespace {

// ms until N remote children run, and ms to stop them.
std::pair<double, double> lib_round(caf::actor_system& sys, uint16_t port, size_t n,
                                    double timeout_s, bool tls) {
  supervise::actors::remote_child_options rc;
  rc.type = "counter";
  rc.nodes = {{"n1", "127.0.0.1", port}};
  rc.insecure = !tls;
  auto child = supervise::actors::remote_child(rc);
  std::atomic<size_t> healthy{0};
  latch all_up;
  supervise::tree_options opts;
  opts.sink = quiet_sink;
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
double bare_round(caf::actor_system& sys, uint16_t port, size_t n, double timeout_s, bool tls) {
  auto nid = connect_node(sys, port, tls); // warm connection, as lib's
  if (!nid)
    fail("bare remote: connect: " + caf::to_string(nid.error()));
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

struct figures {
  double lib_start, bare_start, lib_stop; // medians, ms
};

figures measure(const options& o, const tls_identity* tls) {
  auto n = o.remote_n;
  // The lib's worker: a node agent (which removes the spawn server).
  auto worker = dist_system(o, tls);
  supervise::actors::node_agent_options a;
  a.allow = {"counter"};
  a.insecure = tls == nullptr;
  a.endpoint = std::make_shared<supervise::actors::published_endpoint>();
  supervise::tree_options wopts;
  wopts.sink = quiet_sink;
  supervise::tree agent{*worker->sys, supervise::actors::node_agent(a), wopts};
  auto port = a.endpoint->wait_listening(std::chrono::seconds(30));
  // The baseline's worker: a bare node whose spawn server is open.
  auto bare_worker = dist_system(o, tls, true);
  auto published = bare_worker->sys->spawn(counter_actor);
  auto bare_port = tls ? caf::openssl::publish(published, 0, "127.0.0.1")
                       : bare_worker->sys->middleman().publish(published, 0, "127.0.0.1");
  if (port == 0 || !bare_port)
    fail("remote: the workers do not listen");
  auto sup = dist_system(o, tls);
  std::vector<double> lib_start, lib_stop, bare_start;
  for (int round = 0; round < 3; ++round) { // alternating
    auto [start_ms, stop_ms] = lib_round(*sup->sys, port, n, o.timeout_s, tls != nullptr);
    lib_start.push_back(start_ms);
    lib_stop.push_back(stop_ms);
    bare_start.push_back(bare_round(*sup->sys, *bare_port, n, o.timeout_s, tls != nullptr));
  }
  agent.stop();
  agent.wait();
  caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
  return {summarize(lib_start).median, summarize(bare_start).median,
          summarize(lib_stop).median};
}

} // namespace

lines row_remote(const options& o) {
  auto n = o.remote_n;
  auto rate = [n](double ms) { return static_cast<double>(n) / ms * 1e3; };
  lines out;
  auto plain = measure(o, nullptr);
  out.push_back({"remote", "start rate", "1/s", n, rate(plain.lib_start), rate(plain.bare_start),
                 ">= 10000/s plain", rate(plain.lib_start) >= 10000,
                 fmt::format("median of 3 alternating rounds: lib {:.1f} ms (placement, epoch "
                             "confirmed by a lease grant), bare {:.1f} ms (CAF's spawn server)",
                             plain.lib_start, plain.bare_start)});
  out.push_back({"remote", "stop all", "ms", n, plain.lib_stop, std::nullopt, "", {},
                 "each child asked to exit, its down awaited over BASP"});
  std::string error;
  auto id = tls_identity::make(error);
  if (!id)
    fail("remote: TLS identity: " + error);
  auto tls = measure(o, &*id);
  out.push_back({"remote", "start rate, TLS", "1/s", n, rate(tls.lib_start), rate(tls.bare_start),
                 ">= 8000/s TLS", rate(tls.lib_start) >= 8000,
                 fmt::format("mutual TLS (throwaway CA, EC P-256 node certificate, the same for "
                             "every system); median of 3 alternating rounds: lib {:.1f} ms, bare "
                             "{:.1f} ms (CAF's spawn server over caf::openssl); lib's first round "
                             "includes its connect and handshake, bare connects before its clock",
                             tls.lib_start, tls.bare_start)});
  out.push_back({"remote", "stop all, TLS", "ms", n, tls.lib_stop, std::nullopt, "", {}, ""});
  return out;
}

} // namespace bench
