// supervise-bench — restart latency of an event-based child: libsupervise vs
// a bare hand-written CAF supervisor (link + exit handler + spawn
// replacement, as in shared/bench/caf-floor), in the same run.
//
// Latency = t_up - t_fail: the child stamps t_fail and quits with an error;
// the replacement's first act (libsupervise: after signal(healthy)) stamps
// t_up by messaging the driver. Backoff is 0 so the engine path is measured.
//
// Usage: supervise-bench [--n=N] [CAF options, e.g. --scheduler.max-threads=2]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "supervise/context.hpp"
#include "supervise/tree.hpp"

using namespace std::chrono;
using clk = steady_clock;

namespace {

using up_atom = caf::atom_constant<caf::atom("b_up")>;
using die_atom = caf::atom_constant<caf::atom("b_die")>;

struct samples {
  std::vector<double> us;
  clk::time_point t_fail;
};

// Counts `up`s; after `warmup` records t_up - t_fail; tells the child to die.
caf::behavior driver(caf::event_based_actor* self, samples* s, size_t total, size_t warmup,
                     caf::actor done) {
  auto seen = std::make_shared<size_t>(0);
  return {[=](up_atom, caf::actor child) {
    auto now = clk::now();
    if (*seen > warmup)
      s->us.push_back(duration<double, std::micro>(now - s->t_fail).count());
    if (++*seen > total) {
      self->send(done, up_atom::value, child);
      return;
    }
    self->send(child, die_atom::value);
  }};
}

caf::behavior child_behavior(caf::event_based_actor* self, samples* s) {
  return {[=](die_atom) {
    s->t_fail = clk::now();
    self->quit(caf::sec::runtime_error);
  }};
}

// Bare CAF: trap exits, spawn linked, respawn on every exit.
caf::behavior bare_supervisor(caf::event_based_actor* self, samples* s, caf::actor drv) {
  auto current = std::make_shared<caf::actor>();
  auto spawn_child = [=] {
    *current = self->spawn<caf::linked>([=](caf::event_based_actor* c) {
      c->send(drv, up_atom::value, caf::actor{c});
      return child_behavior(c, s);
    });
  };
  self->set_exit_handler([=](caf::exit_msg& m) {
    if (m.source == current->address())
      spawn_child();
  });
  spawn_child();
  return {[](caf::unit_t) {}};
}

struct stats {
  double median, p99;
};

stats summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  return {at(0.5), at(0.99)};
}

stats run_bare(caf::actor_system& sys, size_t n, size_t warmup) {
  samples s;
  s.us.reserve(n);
  caf::scoped_actor self{sys};
  auto drv = sys.spawn(driver, &s, n + warmup, warmup, caf::actor{self});
  auto sup = sys.spawn(bare_supervisor, &s, drv);
  self->receive([](up_atom, caf::actor) {});
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  caf::anon_send_exit(drv, caf::exit_reason::kill);
  return summarize(s.us);
}

stats run_supervise(caf::actor_system& sys, size_t n, size_t warmup) {
  samples s;
  s.us.reserve(n);
  caf::scoped_actor self{sys};
  auto drv = sys.spawn(driver, &s, n + warmup, warmup, caf::actor{self});
  supervise::tree_options opts;
  opts.backoff.initial = nanoseconds(0);
  opts.sink = [](supervise::log_level, std::string_view, std::string_view) {};
  auto child = [&s, drv](caf::event_based_actor* c, supervise::context& ctx) {
    supervise::signal(ctx, supervise::signal_type::healthy);
    c->send(drv, up_atom::value, caf::actor{c});
    return child_behavior(c, &s);
  };
  auto root = [child](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    supervise::run(ctx, "child", child);
    return {[](caf::unit_t) {}};
  };
  supervise::tree t{sys, root, opts};
  self->receive([](up_atom, caf::actor) {});
  t.stop();
  t.wait();
  caf::anon_send_exit(drv, caf::exit_reason::kill);
  return summarize(s.us);
}

} // namespace

int main(int argc, char** argv) {
  size_t n = 20000;
  std::vector<char*> caf_args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--n=", 4) == 0)
      n = std::stoul(argv[i] + 4);
    else
      caf_args.push_back(argv[i]);
  }
  caf::actor_system_config cfg;
  if (auto err = cfg.parse(static_cast<int>(caf_args.size()), caf_args.data())) {
    std::fprintf(stderr, "bad CAF option: %s\n", caf::to_string(err).c_str());
    return 1;
  }
  caf::actor_system sys{cfg};
  size_t warmup = 1000;
  std::printf("restart latency, event-based child, %zu restarts, %zu workers\n", n,
              sys.scheduler().num_workers());
  std::printf("%-22s %12s %10s\n", "variant", "median_us", "p99_us");
  auto bare = run_bare(sys, n, warmup);
  auto sup = run_supervise(sys, n, warmup);
  std::printf("%-22s %12.2f %10.2f\n", "bare CAF (link)", bare.median, bare.p99);
  std::printf("%-22s %12.2f %10.2f\n", "libsupervise", sup.median, sup.p99);
  std::printf("%-22s %12.2f %10.2f\n", "ratio", sup.median / bare.median, sup.p99 / bare.p99);
  std::printf("JSON: {\"n\":%zu,\"bare\":{\"median_us\":%.3f,\"p99_us\":%.3f},"
              "\"supervise\":{\"median_us\":%.3f,\"p99_us\":%.3f}}\n",
              n, bare.median, bare.p99, sup.median, sup.p99);
  return 0;
}
