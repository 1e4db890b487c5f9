// bench/misc.cpp — rows crashloop (CPU of a crash-looping child) and msgpath
// (message throughput to a supervised vs an unsupervised child).
//
// crashloop: one child that crashes right after it starts, for
// crash_seconds; CPU = getrusage(RUSAGE_SELF) user+sys over that window, so
// it includes CAF's own idle worker polling (the bare figure shows that part).
// Measured twice: with the command line's scheduler (default: work stealing,
// whose idle workers poll: 130-160 ms per 10 s on this machine, with or
// without supervision), and with scheduler.policy=sharing preset (idle
// workers sleep on a condition variable), where what remains is the cost of
// the crash loop itself.
//  - libsupervise: a `supervisor` with the DEFAULT spec (threshold 5, decay
//    30 s, backoff 15 s), except spec.sink discards lines (the default hook
//    would log each failure to stderr).
//  - bare CAF: a hand-written supervisor with the same policy in its simplest
//    form: restart at once for 5 failures, then wait 15 s (delayed_send).
// msgpath: a sender actor streams `msgs` ints to a counting child in batches
// of 1024 with at most 8 batches in flight (the child acks each batch).
//  - libsupervise: the child is a service of a `supervisor`; the sender uses
//    the child's own handle (supervision adds no hop).
//  - bare CAF: the same child spawned unsupervised.
// Repetitions alternate lib and bare on one actor system; median per variant.
#include "common.hpp"

#include <thread>

#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/supervisor.hpp"

namespace bench {

namespace {

// -- crashloop -------------------------------------------------------------------

caf::behavior crasher(caf::event_based_actor* self, std::atomic<size_t>* starts) {
  starts->fetch_add(1, std::memory_order_relaxed);
  self->send(self, die_atom::value);
  return {[=](die_atom) { self->quit(crashed()); }};
}

struct loop_sup_state {
  caf::actor child;
  size_t failures = 0;
};

caf::behavior bare_loop_sup(caf::stateful_actor<loop_sup_state>* self,
                            std::atomic<size_t>* starts) {
  self->set_exit_handler([=](caf::exit_msg& m) {
    if (m.source != self->state.child.address())
      return;
    if (++self->state.failures > 5)
      self->delayed_send(self, std::chrono::seconds(15), go_atom::value);
    else
      self->state.child = self->spawn<caf::linked>(crasher, starts);
  });
  return {[=](go_atom) {
    self->state.failures = 0;
    self->state.child = self->spawn<caf::linked>(crasher, starts);
  }};
}

struct cpu_result {
  double cpu_ms = 0;
  size_t starts = 0;
};

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// The CAF options of one measurement: the command line's, or with the
// sharing scheduler preset.
std::unique_ptr<system_box> crash_system(const options& o, bool sharing) {
  if (!sharing)
    return make_system(o);
  return make_system(o, {{"scheduler.policy", caf::config_value{caf::atom("sharing")}}});
}

cpu_result crash_bare(const options& o, bool sharing) {
  if (!o.run_bare)
    return {};
  auto box = crash_system(o, sharing);
  auto& sys = *box->sys;
  std::atomic<size_t> starts{0};
  sleep_s(0.05);
  double cpu0 = process_cpu_ms();
  auto sup = sys.spawn(bare_loop_sup, &starts);
  caf::anon_send(sup, go_atom::value);
  sleep_s(o.crash_seconds);
  double cpu1 = process_cpu_ms();
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  sys.await_all_actors_done();
  return {cpu1 - cpu0, starts.load()};
}

cpu_result crash_lib(const options& o, bool sharing) {
  if (!o.run_lib)
    return {};
  auto box = crash_system(o, sharing);
  auto& sys = *box->sys;
  std::atomic<size_t> starts{0};
  sleep_s(0.05);
  double cpu0 = process_cpu_ms();
  double cpu1 = 0;
  {
    supervise::spec sp; // default, but lines go nowhere instead of stderr
    sp.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    supervise::supervisor sup{sys, "loop", sp};
    sup.add("crasher", [&starts](caf::event_based_actor* self, supervise::context&) {
      return crasher(self, &starts);
    });
    if (auto err = sup.start())
      fail("lib crashloop: start: " + caf::to_string(err));
    sleep_s(o.crash_seconds);
    cpu1 = process_cpu_ms();
    sup.stop();
    sup.wait();
  }
  sys.await_all_actors_done();
  return {cpu1 - cpu0, starts.load()};
}

// -- msgpath ---------------------------------------------------------------------

constexpr size_t batch = 1024;
constexpr size_t window = 8;

caf::behavior counting_child(caf::event_based_actor* self) {
  return {[=](int x) {
    if ((static_cast<size_t>(x) % batch) == batch - 1)
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), ack_atom::value);
  }};
}

struct sender_state {
  size_t sent = 0, acked = 0;
};

caf::behavior sender(caf::stateful_actor<sender_state>* self, caf::actor target, size_t n,
                     latch* done, clk::time_point* t_end) {
  auto send_batch = [=] {
    for (size_t i = 0; i < batch; ++i)
      self->send(target, static_cast<int>(self->state.sent++ % 1000000007u));
  };
  return {
    [=](go_atom) {
      for (size_t b = 0; b < window && self->state.sent < n; ++b)
        send_batch();
    },
    [=](ack_atom) {
      if (++self->state.acked * batch == n) {
        *t_end = clk::now();
        done->set();
        self->quit();
        return;
      }
      if (self->state.sent < n)
        send_batch();
    },
  };
}

double stream_ms(caf::actor_system& sys, const caf::actor& target, size_t n, double timeout) {
  latch done;
  clk::time_point t_end;
  auto t0 = clk::now();
  auto s = sys.spawn(sender, target, n, &done, &t_end);
  caf::anon_send(s, go_atom::value);
  if (!done.wait(timeout))
    fail("msgpath: timed out");
  return std::chrono::duration<double, std::milli>(t_end - t0).count();
}

} // namespace

lines row_crashloop(const options& o) {
  lines out;
  for (bool sharing : {false, true}) {
    auto bare = crash_bare(o, sharing);
    auto lib = crash_lib(o, sharing);
    out.push_back({"crashloop",
                   fmt::format("CPU over {} s{}", o.crash_seconds, sharing ? ", sharing" : ""),
                   "ms", lib.starts, lib.cpu_ms, bare.cpu_ms, "<= 3 ms", lib.cpu_ms <= 3.0,
                   fmt::format("starts in the window: lib {}, bare {}; process CPU{}; lib sink "
                               "discards",
                               lib.starts, bare.starts,
                               sharing ? ", scheduler.policy=sharing preset (idle workers sleep)"
                                       : ", includes CAF's idle worker polling")});
  }
  return out;
}

lines row_msgpath(const options& o) {
  size_t n = std::max(batch, o.msgs / batch * batch);
  auto box = make_system(o);
  auto& sys = *box->sys;
  std::vector<double> lib_ms, bare_ms;
  {
    supervise::spec sp;
    sp.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    supervise::supervisor sup{sys, "msg", sp};
    std::mutex mx;
    caf::actor supervised;
    latch up;
    sup.add("counter", [&](caf::event_based_actor* self, supervise::context& ctx) {
      supervise::signal(ctx, supervise::signal_type::healthy);
      {
        std::lock_guard<std::mutex> g{mx};
        supervised = caf::actor{self};
      }
      up.set();
      return counting_child(self);
    });
    if (auto err = sup.start())
      fail("lib msgpath: start: " + caf::to_string(err));
    if (!up.wait(o.timeout_s))
      fail("lib msgpath: child did not start");
    caf::actor target;
    {
      std::lock_guard<std::mutex> g{mx};
      target = supervised;
    }
    auto bare = sys.spawn(counting_child);
    // One untimed warm-up each, then alternate.
    stream_ms(sys, target, std::min<size_t>(n, 64 * batch), o.timeout_s);
    stream_ms(sys, bare, std::min<size_t>(n, 64 * batch), o.timeout_s);
    for (size_t r = 0; r < o.msg_reps; ++r) {
      lib_ms.push_back(stream_ms(sys, target, n, o.timeout_s));
      bare_ms.push_back(stream_ms(sys, bare, n, o.timeout_s));
    }
    caf::anon_send_exit(bare, caf::exit_reason::kill);
    target = nullptr;
    sup.stop();
    sup.wait();
  }
  sys.await_all_actors_done();
  auto lib = summarize(lib_ms);
  auto bare = summarize(bare_ms);
  double lib_tp = static_cast<double>(n) / lib.median / 1e3; // Mmsg/s
  double bare_tp = static_cast<double>(n) / bare.median / 1e3;
  lines out;
  out.push_back({"msgpath", "throughput", "Mmsg/s", n, lib_tp, bare_tp, ">= 0.95x bare",
                 lib_tp >= 0.95 * bare_tp,
                 fmt::format("median of {} alternating reps; ms per rep lib {:.1f} bare {:.1f}",
                             o.msg_reps, lib.median, bare.median)});
  return out;
}

} // namespace bench
