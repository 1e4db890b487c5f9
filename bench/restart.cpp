// bench/restart.cpp — restart latency rows: restart, siblings, blocking.
//
// Protocol (as caf-floor's restart_link, with t_up stamped in the child):
//  1. A child starts. libsupervise: signal(healthy), then stamp t_up; bare: stamp
//     t_up on start. It sends `up` to a driver actor.
//  2. The driver records t_up - t_fail (when the previous incarnation stamped
//     t_fail) and answers `die`.
//  3. The child stamps t_fail and quits with the custom error `crashed`.
//  4. The supervisor (libsupervise: a `supervisor` with one service; bare: a
//     hand-written actor that traps exits, spawns linked and respawns) starts
//     the replacement: back to 1.
// The driver also stamps when `up` arrives: that is the floor's own t_up
// ("floor-method"), reported in the notes for comparison with caf-floor.
#include "common.hpp"

#include <limits>

#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/supervisor.hpp"

namespace bench {

namespace {

struct lat_state {
  clk::time_point t_fail, t_up;
  bool armed = false; // t_fail was stamped by the previous incarnation
  size_t count = 0;   // armed ups seen
  size_t warmup = 0, total = 0;
  std::vector<double> up_us, seen_us;
  latch done;
  // The blocking child's "mailbox": the driver sets `die`.
  std::mutex mx;
  std::condition_variable cv;
  bool die = false;
};

struct restart_result {
  stats up, seen;
  size_t mismatches = 0;
  size_t workers = 0;
};

caf::behavior driver(caf::event_based_actor* self, lat_state* s, bool blocking) {
  return {[=](up_atom, caf::actor child) {
    auto now = clk::now();
    if (s->armed) {
      s->armed = false;
      if (s->count >= s->warmup) {
        s->up_us.push_back(us_between(s->t_fail, s->t_up));
        s->seen_us.push_back(us_between(s->t_fail, now));
      }
      if (++s->count == s->total) {
        s->done.set();
        return;
      }
    }
    if (blocking) {
      std::lock_guard<std::mutex> g{s->mx};
      s->die = true;
      s->cv.notify_one();
    } else {
      self->send(child, die_atom::value);
    }
  }};
}

caf::behavior die_behavior(caf::event_based_actor* self, lat_state* s) {
  return {[=](die_atom) {
    s->t_fail = clk::now();
    s->armed = true;
    self->quit(crashed());
  }};
}

// -- bare CAF ----------------------------------------------------------------------

caf::behavior bare_child(caf::event_based_actor* self, lat_state* s, caf::actor drv) {
  s->t_up = clk::now();
  self->send(drv, up_atom::value, caf::actor{self});
  return die_behavior(self, s);
}

caf::behavior idle_child(caf::event_based_actor* self, std::atomic<size_t>* started) {
  started->fetch_add(1, std::memory_order_relaxed);
  (void) self;
  return {[](int) {}};
}

struct bare_sup_state {
  caf::actor probe;
  std::vector<caf::actor> idle; // strong handles: idle children must not go 'unreachable'
  size_t mismatches = 0;
};

// Hand-written supervisor: traps exits, spawns the probe linked (detached on
// request: the floor's thread-per-actor variant), respawns it on every exit.
// `spawn_atom` adds k idle linked children first (row siblings).
caf::behavior bare_supervisor(caf::stateful_actor<bare_sup_state>* self, lat_state* s,
                              caf::actor drv, bool detached, size_t* mismatches,
                              std::atomic<size_t>* started) {
  auto spawn_probe = [=] {
    if (detached)
      self->state.probe = self->spawn<caf::linked + caf::detached>(bare_child, s, drv);
    else
      self->state.probe = self->spawn<caf::linked>(bare_child, s, drv);
  };
  self->set_exit_handler([=](caf::exit_msg& m) {
    if (m.source == self->state.probe.address() && m.reason == crashed()) {
      spawn_probe();
    } else {
      ++*mismatches;
      if (m.source == self->state.probe.address())
        spawn_probe();
    }
  });
  return {
    [=](spawn_atom, size_t k) {
      for (size_t i = 0; i < k; ++i)
        self->state.idle.push_back(self->spawn<caf::linked>(idle_child, started));
    },
    [=](go_atom) { spawn_probe(); },
  };
}

restart_result finish(lat_state& s, size_t mismatches, size_t workers) {
  restart_result r;
  r.up = summarize(s.up_us);
  r.seen = summarize(s.seen_us);
  r.mismatches = mismatches;
  r.workers = workers;
  return r;
}

restart_result measure_bare(const options& o, size_t n, size_t warmup, size_t siblings,
                            bool detached) {
  if (!o.run_bare)
    return {};
  auto box = make_system(o);
  auto& sys = *box->sys;
  lat_state s;
  s.warmup = warmup;
  s.total = warmup + n;
  s.up_us.reserve(n);
  s.seen_us.reserve(n);
  size_t mismatches = 0;
  auto drv = sys.spawn(driver, &s, false);
  std::atomic<size_t> started{0};
  auto sup = sys.spawn(bare_supervisor, &s, drv, detached, &mismatches, &started);
  for (size_t done = 0; done < siblings;) {
    size_t k = std::min<size_t>(500, siblings - done);
    caf::anon_send(sup, spawn_atom::value, k);
    done += k;
    if (!wait_count(started, done, o.timeout_s))
      fail("bare: idle siblings did not start");
  }
  mark(siblings ? "bare-siblings-setup" : "bare-restart-setup");
  caf::anon_send(sup, go_atom::value);
  bool ok = s.done.wait(o.timeout_s);
  mark(siblings ? "bare-siblings-timed" : "bare-restart-timed");
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  caf::anon_send_exit(drv, caf::exit_reason::kill);
  if (!ok)
    fail("bare: restarts timed out");
  sys.await_all_actors_done(); // the actors use s and mismatches
  return finish(s, mismatches, box->workers());
}

// -- libsupervise ------------------------------------------------------------------

supervise::spec restart_spec(const options& o) {
  supervise::spec sp;
  // The row measures the restart path, not the backoff policy: never pause.
  sp.failure_threshold = std::numeric_limits<double>::infinity();
  sp.sink = [](supervise::log_level, std::string_view, std::string_view) {};
  if (o.quiet_hook)
    sp.on_event = [](const supervise::event&) {};
  return sp;
}

restart_result measure_lib(const options& o, size_t n, size_t warmup, size_t siblings,
                           bool blocking) {
  if (!o.run_lib)
    return {};
  auto box = make_system(o);
  auto& sys = *box->sys;
  lat_state s;
  s.warmup = warmup;
  s.total = warmup + n;
  s.up_us.reserve(n);
  s.seen_us.reserve(n);
  auto drv = sys.spawn(driver, &s, blocking);
  {
    supervise::supervisor sup{sys, "bench", restart_spec(o)};
    if (auto err = sup.start())
      fail("lib: start: " + caf::to_string(err));
    std::atomic<size_t> started{0};
    for (size_t done = 0; done < siblings;) {
      size_t k = std::min<size_t>(500, siblings - done);
      for (size_t i = 0; i < k; ++i) {
        auto idle = [&started](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
          supervise::signal(ctx, supervise::signal_type::healthy);
          started.fetch_add(1, std::memory_order_relaxed);
          return {[](int) {}};
        };
        if (auto tok = sup.add(fmt::format("idle{}", done + i), idle); !tok)
          fail("lib: add: " + caf::to_string(tok.error()));
      }
      done += k;
      if (!wait_count(started, done, o.timeout_s))
        fail("lib: idle siblings did not start");
    }
    mark(siblings ? "lib-siblings-setup" : "lib-restart-setup");
    caf::expected<supervise::service_token> tok{caf::error{}};
    if (blocking) {
      tok = sup.add("probe", [&s, drv](supervise::context& ctx) -> caf::error {
        supervise::signal(ctx, supervise::signal_type::healthy);
        s.t_up = clk::now();
        caf::anon_send(drv, up_atom::value, caf::actor{});
        std::unique_lock<std::mutex> g{s.mx};
        while (!s.die) {
          if (ctx.stop_requested())
            return supervise::context::canceled();
          s.cv.wait_for(g, std::chrono::milliseconds(10));
        }
        s.die = false;
        s.t_fail = clk::now();
        s.armed = true;
        return crashed();
      });
    } else {
      tok = sup.add("probe",
                    [&s, drv](caf::event_based_actor* self, supervise::context& ctx) {
                      supervise::signal(ctx, supervise::signal_type::healthy);
                      s.t_up = clk::now();
                      self->send(drv, up_atom::value, caf::actor{self});
                      return die_behavior(self, &s);
                    });
    }
    if (!tok)
      fail("lib: add probe: " + caf::to_string(tok.error()));
    bool ok = s.done.wait(o.timeout_s);
    mark(siblings ? "lib-siblings-timed" : "lib-restart-timed");
    sup.stop();
    sup.wait();
    if (!ok) {
      caf::anon_send_exit(drv, caf::exit_reason::kill);
      fail("lib: restarts timed out");
    }
  }
  caf::anon_send_exit(drv, caf::exit_reason::kill);
  sys.await_all_actors_done();
  return finish(s, 0, box->workers());
}

std::string floor_note(const restart_result& lib, const restart_result& bare) {
  return fmt::format("floor-method (t_up when `up` reaches the driver): lib {:.2f}/{:.1f}, "
                     "bare {:.2f}/{:.1f} us median/p99; p90 lib {:.2f} bare {:.2f}; "
                     "bare mismatches {}",
                     lib.seen.median, lib.seen.p99, bare.seen.median, bare.seen.p99, lib.up.p90,
                     bare.up.p90, bare.mismatches);
}

} // namespace

lines row_restart(const options& o) {
  auto bare = measure_bare(o, o.restarts, o.warmup, 0, false);
  auto lib = measure_lib(o, o.restarts, o.warmup, 0, false);
  auto note = floor_note(lib, bare);
  lines out;
  line med{"restart", "median", "us", o.restarts, lib.up.median, bare.up.median,
           "<= 1.3x bare", lib.up.median <= 1.3 * bare.up.median, note};
  line p99{"restart", "p99", "us", o.restarts, lib.up.p99, bare.up.p99, "<= 1.5x bare",
           lib.up.p99 <= 1.5 * bare.up.p99, ""};
  out.push_back(med);
  out.push_back(p99);
  return out;
}

lines row_siblings(const options& o) {
  auto lib0 = measure_lib(o, o.restarts, o.warmup, 0, false);
  auto bare = measure_bare(o, o.restarts, o.warmup, o.siblings, false);
  auto lib = measure_lib(o, o.restarts, o.warmup, o.siblings, false);
  lines out;
  out.push_back({"siblings", "median, 0 siblings", "us", o.restarts, lib0.up.median,
                 std::nullopt, "", std::nullopt,
                 fmt::format("lib p99 with 0 siblings {:.1f} us", lib0.up.p99)});
  out.push_back({"siblings", fmt::format("median, {} siblings", o.siblings), "us", o.restarts,
                 lib.up.median, bare.up.median,
                 fmt::format("<= 1.2x 0-sibling lib ({:.2f})", 1.2 * lib0.up.median),
                 lib.up.median <= 1.2 * lib0.up.median, floor_note(lib, bare)});
  out.push_back({"siblings", fmt::format("p99, {} siblings", o.siblings), "us", o.restarts,
                 lib.up.p99, bare.up.p99, "", std::nullopt, ""});
  return out;
}

lines row_blocking(const options& o) {
  auto bare = measure_bare(o, o.blocking_restarts, o.blocking_warmup, 0, true);
  auto lib = measure_lib(o, o.blocking_restarts, o.blocking_warmup, 0, true);
  lines out;
  out.push_back({"blocking", "median", "us", o.blocking_restarts, lib.up.median,
                 bare.up.median, "<= 100 us", lib.up.median <= 100.0,
                 "bare = event-based child spawned linked+detached (caf-floor restart_detached); " +
                   floor_note(lib, bare)});
  out.push_back({"blocking", "p99", "us", o.blocking_restarts, lib.up.p99, bare.up.p99, "",
                 std::nullopt, ""});
  return out;
}

} // namespace bench
