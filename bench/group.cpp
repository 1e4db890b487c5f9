// bench/group.cpp — row group: one-for-all restart of N members.
//
// Each member, when it starts, sends `up` (libsupervise: after
// signal(healthy)) to a driver. Once all N members of a generation are up,
// the driver records t_up - t_fail and tells one member (round-robin) to die:
// it stamps t_fail and quits with `crashed`. Latency = that failure until
// the N-th `up` of the next generation.
//  - libsupervise: a `tree` whose root calls run_group(ctx, N members);
//    backoff.initial = 0, so the engine path is measured, not the backoff.
//  - bare CAF: one actor traps exits, spawns N linked members; on the crash it
//    stops the other N-1 with anon_send_exit(user_shutdown) in reverse start
//    order (caf-floor's default), waits for all their exits, spawns N anew.
#include "common.hpp"

#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/tree.hpp"

namespace bench {

namespace {

struct group_state {
  size_t n = 0;
  clk::time_point t_fail;
  bool armed = false;
  size_t count = 0, warmup = 0, total = 0, round = 0;
  std::vector<double> us;
  std::vector<caf::actor> gen;
  latch done;
  // Process CPU and wall time over the timed rounds: CPU per round, and how
  // many cores were busy (a group restart is CPU-bound when that nears 2).
  double cpu0 = 0, cpu1 = 0;
  clk::time_point wall0, wall1;
};

// CPU per timed round in ms, and the cores it kept busy on average.
std::pair<double, double> cpu_per_round(const group_state& s) {
  size_t rounds = s.total - s.warmup;
  double wall_ms = std::chrono::duration<double, std::milli>(s.wall1 - s.wall0).count();
  return {(s.cpu1 - s.cpu0) / rounds, wall_ms > 0 ? (s.cpu1 - s.cpu0) / wall_ms : 0.0};
}

caf::behavior group_driver(caf::event_based_actor* self, group_state* s) {
  return {[=](up_atom, caf::actor member) {
    s->gen.push_back(std::move(member));
    if (s->gen.size() < s->n)
      return;
    auto now = clk::now();
    if (s->armed) {
      s->armed = false;
      if (s->count >= s->warmup)
        s->us.push_back(us_between(s->t_fail, now));
      if (++s->count == s->total) {
        s->cpu1 = process_cpu_ms();
        s->wall1 = clk::now();
        s->gen.clear();
        s->done.set();
        return;
      }
    }
    if (s->count == s->warmup) { // the first timed round starts now
      s->cpu0 = process_cpu_ms();
      s->wall0 = clk::now();
    }
    auto victim = s->gen[s->round++ % s->n];
    s->gen.clear();
    self->send(victim, die_atom::value);
  }};
}

caf::behavior member_behavior(caf::event_based_actor* self, group_state* s) {
  return {[=](die_atom) {
    s->t_fail = clk::now();
    s->armed = true;
    self->quit(crashed());
  }};
}

caf::behavior bare_member(caf::event_based_actor* self, group_state* s, caf::actor drv) {
  self->send(drv, up_atom::value, caf::actor{self});
  return member_behavior(self, s);
}

struct bare_group_sup_state {
  std::vector<caf::actor> kids;
  size_t pending = 0;
  bool restarting = false;
};

caf::behavior bare_group_sup(caf::stateful_actor<bare_group_sup_state>* self, group_state* s,
                             caf::actor drv, size_t* mismatches) {
  auto spawn_all = [=] {
    auto& kids = self->state.kids;
    kids.clear();
    for (size_t i = 0; i < s->n; ++i)
      kids.push_back(self->spawn<caf::linked>(bare_member, s, drv));
  };
  self->set_exit_handler([=](caf::exit_msg& m) {
    auto& st = self->state;
    if (!st.restarting) {
      if (m.reason != crashed())
        ++*mismatches;
      st.restarting = true;
      st.pending = s->n - 1;
      for (auto i = st.kids.rbegin(); i != st.kids.rend(); ++i)
        if (i->address() != m.source)
          caf::anon_send_exit(*i, caf::exit_reason::user_shutdown);
    } else {
      if (m.reason != caf::make_error(caf::exit_reason::user_shutdown))
        ++*mismatches;
      --st.pending;
    }
    if (st.pending == 0) {
      st.restarting = false;
      spawn_all();
    }
  });
  spawn_all();
  return {[](int) {}};
}

void init_state(group_state& s, size_t n, size_t rounds, size_t warmup) {
  s.n = n;
  s.warmup = warmup;
  s.total = rounds + warmup;
  s.us.reserve(rounds);
  s.gen.reserve(n);
}

struct group_result {
  stats lat;
  std::pair<double, double> cpu; // ms per round, cores busy
};

group_result measure_bare(const options& o, size_t n, size_t rounds, size_t warmup,
                          size_t& mismatches) {
  if (!o.run_bare)
    return {};
  auto box = make_system(o);
  auto& sys = *box->sys;
  group_state s;
  init_state(s, n, rounds, warmup);
  auto drv = sys.spawn(group_driver, &s);
  mark("bare-group-setup");
  auto sup = sys.spawn(bare_group_sup, &s, drv, &mismatches);
  bool ok = s.done.wait(o.timeout_s);
  mark("bare-group-timed");
  if (!ok)
    fail(fmt::format("bare group {}: timed out", n));
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  caf::anon_send_exit(drv, caf::exit_reason::kill);
  sys.await_all_actors_done();
  return {summarize(s.us), cpu_per_round(s)};
}

group_result measure_lib(const options& o, size_t n, size_t rounds, size_t warmup) {
  if (!o.run_lib)
    return {};
  auto box = make_system(o);
  auto& sys = *box->sys;
  group_state s;
  init_state(s, n, rounds, warmup);
  auto drv = sys.spawn(group_driver, &s);
  {
    supervise::tree_options opts;
    opts.backoff.initial = std::chrono::nanoseconds(0);
    opts.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    if (o.quiet_hook)
      opts.on_event = [](const supervise::event&) {};
    supervise::runnable member = [&s, drv](caf::event_based_actor* self,
                                           supervise::context& ctx) {
      supervise::signal(ctx, supervise::signal_type::healthy);
      self->send(drv, up_atom::value, caf::actor{self});
      return member_behavior(self, &s);
    };
    supervise::child_list members;
    members.reserve(n);
    for (size_t i = 0; i < n; ++i)
      members.emplace_back(fmt::format("m{}", i), member);
    auto root = [members](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
      if (auto err = supervise::run_group(ctx, members))
        fail("lib group: run_group: " + caf::to_string(err));
      supervise::signal(ctx, supervise::signal_type::healthy);
      return {[](int) {}};
    };
    mark("lib-group-setup");
    supervise::tree t{sys, root, opts};
    bool ok = s.done.wait(o.timeout_s);
    mark("lib-group-timed");
    if (!ok)
      fail(fmt::format("lib group {}: timed out", n));
    t.stop();
    t.wait();
  }
  caf::anon_send_exit(drv, caf::exit_reason::kill);
  sys.await_all_actors_done();
  return {summarize(s.us), cpu_per_round(s)};
}

} // namespace

lines row_group(const options& o) {
  lines out;
  for (auto n : o.group_sizes) {
    if (n < 2)
      fail("group sizes must be >= 2");
    size_t rounds = n <= 100 ? o.group_rounds_small : o.group_rounds_large;
    size_t warmup = std::max<size_t>(1, rounds / 10);
    size_t mismatches = 0;
    auto bare_run = measure_bare(o, n, rounds, warmup, mismatches);
    auto lib_run = measure_lib(o, n, rounds, warmup);
    auto& bare = bare_run.lat;
    auto& lib = lib_run.lat;
    bool big = n > 100;
    double k = big ? 1e-3 : 1.0; // ms for large groups
    std::string unit = big ? "ms" : "us";
    std::optional<bool> pass;
    std::string target;
    if (n == 1000) {
      target = "<= 5 ms";
      pass = lib.median <= 5000.0;
    }
    out.push_back({"group", fmt::format("median, N={}", n), unit, rounds, lib.median * k,
                   bare.median * k, target, pass,
                   fmt::format("{} rounds + {} warm-up; process CPU per round: lib {:.2f} ms "
                               "({:.2f} cores busy), bare {:.2f} ms ({:.2f} cores busy); bare "
                               "mismatches {}",
                               rounds, warmup, lib_run.cpu.first,
                               lib_run.cpu.second, bare_run.cpu.first,
                               bare_run.cpu.second, mismatches)});
    out.push_back({"group", fmt::format("p99, N={}", n), unit, rounds, lib.p99 * k,
                   bare.p99 * k, "", std::nullopt, ""});
  }
  return out;
}

} // namespace bench
