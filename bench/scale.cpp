// bench/scale.cpp — rows start (N children until all healthy; RSS per child)
// and stop (a supervisor with N children: stop request -> all gone).
//
// start runs each variant in its own subprocess (this binary with
// --internal-start=lib|tree|bare), so RSS deltas are not flattered by memory
// an earlier row freed. All variants use scheduler.max-throughput=64, as
// caf-floor's spawn_many does (the command line overrides it).
//  - libsupervise: a `supervisor` with N services added before start();
//    each service signals healthy and sends `up` to a collector.
//    Timed from the first add to the N-th `up`.
//  - libsupervise tree: a `tree` whose root calls run() N times from its
//    init, each child as above. Timed from the tree's construction to the
//    N-th `up`; judged against the supervisor path of the same run.
//  - bare CAF: one actor traps exits and spawns N linked children, 64 per
//    message (self-send to continue); each child sends `up` to the collector.
// stop:
//  - libsupervise: N services of a running supervisor (added in chunks of
//    500, each chunk healthy before the next: untimed); timed stop() -> wait().
//  - bare CAF: N linked children; one handler sends anon_send_exit
//    (user_shutdown) to all in reverse start order; timed until the N-th
//    exit message (caf-floor's stop_many).
#include "common.hpp"

#include <cstdio>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"

namespace bench {

namespace {

struct collector_state {
  size_t seen = 0;
};

caf::behavior collector(caf::stateful_actor<collector_state>* self, size_t n, latch* all,
                        clk::time_point* t_end) {
  return {[=](up_atom) {
    if (++self->state.seen == n) {
      *t_end = clk::now();
      all->set();
    }
  }};
}

caf::behavior bare_start_child(caf::event_based_actor* self, caf::actor coll) {
  self->send(coll, up_atom::value);
  return {[](int) {}};
}

struct spawner_state {
  std::vector<caf::actor> kids;
};

caf::behavior bare_spawner(caf::stateful_actor<spawner_state>* self, caf::actor coll, size_t n) {
  self->set_exit_handler([](caf::exit_msg&) {});
  self->state.kids.reserve(n);
  return {[=](go_atom) {
    auto& kids = self->state.kids;
    size_t end = std::min(n, kids.size() + 64);
    while (kids.size() < end)
      kids.push_back(self->spawn<caf::linked>(bare_start_child, coll));
    if (kids.size() < n)
      self->send(self, go_atom::value);
  }};
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

struct start_result {
  bool ok = false;
  double total_ms = 0, rss_per_child = 0;
  std::string error;
};

start_result run_start_subprocess(const options& o, const std::string& variant, size_t n) {
  std::string cmd = fmt::format("timeout -s KILL {} {} --internal-start={} --internal-n={}",
                                static_cast<long>(o.timeout_s), shell_quote(o.self_exe), variant,
                                n);
  for (auto& a : o.caf_args)
    cmd += " " + shell_quote(a);
  start_result r;
  if ((variant != "bare" && !o.run_lib) || (variant == "bare" && !o.run_bare)) {
    r.error = variant + " skipped (--variant)";
    return r;
  }
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    r.error = "popen failed";
    return r;
  }
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) {
    size_t workers = 0;
    if (std::sscanf(buf, "RESULT %lf %lf %zu", &r.total_ms, &r.rss_per_child, &workers) == 3)
      r.ok = true;
  }
  int status = ::pclose(p);
  if (!r.ok)
    r.error = fmt::format("{} start N={}: no result (exit status {}, timeout {} s)", variant, n,
                          status, o.timeout_s);
  return r;
}

struct stop_sup_state {
  std::vector<caf::actor> kids;
  size_t exits = 0;
  clk::time_point t0;
};

caf::behavior bare_stop_sup(caf::stateful_actor<stop_sup_state>* self, latch* all,
                            double* elapsed_ms, size_t* mismatches,
                            std::atomic<size_t>* started) {
  self->set_exit_handler([=](caf::exit_msg& m) {
    if (m.reason != caf::make_error(caf::exit_reason::user_shutdown))
      ++*mismatches;
    if (++self->state.exits == self->state.kids.size()) {
      *elapsed_ms = std::chrono::duration<double, std::milli>(clk::now() - self->state.t0).count();
      all->set();
    }
  });
  return {
    [=](spawn_atom, size_t k) {
      for (size_t i = 0; i < k; ++i)
        self->state.kids.push_back(self->spawn<caf::linked>(
          [](caf::event_based_actor*, std::atomic<size_t>* c) -> caf::behavior {
            c->fetch_add(1, std::memory_order_relaxed);
            return {[](int) {}};
          },
          started));
    },
    [=](stop_atom) {
      self->state.t0 = clk::now();
      auto& kids = self->state.kids;
      for (auto i = kids.rbegin(); i != kids.rend(); ++i)
        caf::anon_send_exit(*i, caf::exit_reason::user_shutdown);
    },
  };
}

double measure_bare_stop(const options& o, size_t n, size_t& mismatches) {
  if (!o.run_bare)
    return 0;
  auto box = make_system(o);
  auto& sys = *box->sys;
  latch all;
  double elapsed = 0;
  std::atomic<size_t> started{0};
  auto sup = sys.spawn(bare_stop_sup, &all, &elapsed, &mismatches, &started);
  for (size_t done = 0; done < n;) {
    size_t k = std::min<size_t>(500, n - done);
    caf::anon_send(sup, spawn_atom::value, k);
    done += k;
    if (!wait_count(started, done, o.timeout_s))
      fail("bare stop: children did not start");
  }
  mark("bare-stop-setup");
  caf::anon_send(sup, stop_atom::value);
  if (!all.wait(o.timeout_s))
    fail("bare stop: timed out");
  mark("bare-stop-timed");
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  sys.await_all_actors_done();
  return elapsed;
}

double measure_lib_stop(const options& o, size_t n) {
  if (!o.run_lib)
    return 0;
  auto box = make_system(o);
  auto& sys = *box->sys;
  supervise::spec sp;
  sp.sink = [](supervise::log_level, std::string_view, std::string_view) {};
  // 10,000 alike children: OTP's simple_one_for_one (parallel stop under one
  // deadline); the ordered modes stop one child at a time, by design.
  sp.strategy = supervise::strategy::simple_one_for_one;
  supervise::supervisor sup{sys, "stop", sp};
  if (auto err = sup.start())
    fail("lib stop: start: " + caf::to_string(err));
  std::atomic<size_t> started{0};
  supervise::runnable idle = [&started](caf::event_based_actor*,
                                        supervise::context& ctx) -> caf::behavior {
    supervise::signal(ctx, supervise::signal_type::healthy);
    started.fetch_add(1, std::memory_order_relaxed);
    return {[](int) {}};
  };
  for (size_t done = 0; done < n;) {
    size_t k = std::min<size_t>(500, n - done);
    for (size_t i = 0; i < k; ++i)
      if (auto tok = sup.add(fmt::format("c{}", done + i), idle); !tok)
        fail("lib stop: add: " + caf::to_string(tok.error()));
    done += k;
    if (!wait_count(started, done, o.timeout_s))
      fail("lib stop: children did not start");
  }
  mark("lib-stop-setup");
  auto t0 = clk::now();
  sup.stop();
  auto res = sup.wait_for(std::chrono::duration_cast<std::chrono::nanoseconds>(
    std::chrono::duration<double>(o.timeout_s)));
  auto t1 = clk::now();
  mark("lib-stop-timed");
  if (!res)
    fail("lib stop: timed out");
  if (auto report = sup.unstopped_report(); report && !report->empty())
    fail(fmt::format("lib stop: {} children did not stop", report->size()));
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

} // namespace

int start_child_main(const options& o, const std::string& variant, size_t n) {
  auto box = make_system(o, {{"scheduler.max-throughput", caf::config_value{int64_t{64}}}});
  auto& sys = *box->sys;
  latch all;
  clk::time_point t_end;
  auto coll = sys.spawn(collector, n, &all, &t_end);
  // Let the system settle so the RSS baseline includes its threads.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  size_t rss0 = rss_bytes();
  clk::time_point t0;
  std::unique_ptr<supervise::supervisor> sup;
  std::unique_ptr<supervise::tree> tree;
  if (variant == "lib") {
    supervise::spec sp;
    sp.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    // Alike children: simple_one_for_one starts them in parallel chunks; the
    // ordered modes start one at a time, each up before the next (OTP).
    sp.strategy = supervise::strategy::simple_one_for_one;
    t0 = clk::now();
    sup = std::make_unique<supervise::supervisor>(sys, "start", sp);
    supervise::runnable child = [coll](caf::event_based_actor* self,
                                       supervise::context& ctx) -> caf::behavior {
      supervise::signal(ctx, supervise::signal_type::healthy);
      self->send(coll, up_atom::value);
      return {[](int) {}};
    };
    for (size_t i = 0; i < n; ++i)
      if (auto tok = sup->add(fmt::format("c{}", i), child); !tok)
        fail("lib start: add: " + caf::to_string(tok.error()));
    if (auto err = sup->start())
      fail("lib start: start: " + caf::to_string(err));
  } else if (variant == "tree") {
    supervise::tree_options topts;
    topts.sink = [](supervise::log_level, std::string_view, std::string_view) {};
    supervise::runnable child = [coll](caf::event_based_actor* self,
                                       supervise::context& ctx) -> caf::behavior {
      supervise::signal(ctx, supervise::signal_type::healthy);
      self->send(coll, up_atom::value);
      return {[](int) {}};
    };
    // One node starts all N: one run() call each, from its init.
    supervise::runnable root = [child, n](caf::event_based_actor*,
                                          supervise::context& ctx) -> caf::behavior {
      for (size_t i = 0; i < n; ++i)
        if (auto err = supervise::run(ctx, fmt::format("c{}", i), child))
          fail("tree start: run: " + caf::to_string(err));
      supervise::signal(ctx, supervise::signal_type::healthy);
      return {[](int) {}};
    };
    t0 = clk::now();
    tree = std::make_unique<supervise::tree>(sys, std::move(root), std::move(topts));
  } else if (variant == "bare") {
    t0 = clk::now();
    auto sp = sys.spawn(bare_spawner, coll, n);
    caf::anon_send(sp, go_atom::value);
  } else {
    std::fprintf(stderr, "unknown --internal-start variant %s\n", variant.c_str());
    return 1;
  }
  if (!all.wait(o.timeout_s)) {
    std::fprintf(stderr, "%s start N=%zu: timed out\n", variant.c_str(), n);
    std::_Exit(2);
  }
  size_t rss1 = rss_bytes();
  double total_ms = std::chrono::duration<double, std::milli>(t_end - t0).count();
  double per_child = (static_cast<double>(rss1) - static_cast<double>(rss0)) / static_cast<double>(n);
  std::printf("RESULT %.3f %.1f %zu\n", total_ms, per_child, box->workers());
  std::fflush(stdout);
  std::_Exit(0); // skip the teardown of N actors: not measured here
}

lines row_start(const options& o) {
  lines out;
  for (auto n : o.start_sizes) {
    auto bare = run_start_subprocess(o, "bare", n);
    auto lib = run_start_subprocess(o, "lib", n);
    auto tree = run_start_subprocess(o, "tree", n);
    auto val = [](const start_result& r, double start_result::*f) -> std::optional<double> {
      if (!r.ok)
        return std::nullopt;
      return r.*f;
    };
    std::string note = "scheduler.max-throughput=64 (as caf-floor spawn_many)";
    if (!bare.ok)
      note += "; " + bare.error;
    if (!lib.ok)
      note += "; " + lib.error;
    bool big = n == 100000;
    line total{"start", fmt::format("total, N={}", n), "ms", n, val(lib, &start_result::total_ms),
               val(bare, &start_result::total_ms), big ? "<= 800 ms" : "", std::nullopt, note};
    line rss{"start", fmt::format("RSS/child, N={}", n), "B", n,
             val(lib, &start_result::rss_per_child), val(bare, &start_result::rss_per_child),
             big ? "<= 2.0 KB (2000 B)" : "", std::nullopt, ""};
    if (big) {
      total.pass = lib.ok && lib.total_ms <= 800.0;
      rss.pass = lib.ok && lib.rss_per_child <= 2000.0;
    }
    out.push_back(total);
    out.push_back(rss);
    // The tree path: its figures in the lib column, measured against the
    // supervisor path (lib) of the same run.
    std::string tree_note = "one node calls run() N times";
    if (tree.ok && lib.ok)
      tree_note += fmt::format("; supervisor path (lib, simple_one_for_one) {:.1f} ms, {:.0f} B/child;"
                               " tree/lib {:.2f}x",
                               lib.total_ms, lib.rss_per_child, tree.total_ms / lib.total_ms);
    if (!tree.ok)
      tree_note += "; " + tree.error;
    line tree_total{"start", fmt::format("tree total, N={}", n), "ms", n,
                    val(tree, &start_result::total_ms), val(bare, &start_result::total_ms),
                    big ? "<= 1.2x simple_one_for_one" : "", std::nullopt, tree_note};
    line tree_rss{"start", fmt::format("tree B/child, N={}", n), "B", n,
                  val(tree, &start_result::rss_per_child), val(bare, &start_result::rss_per_child),
                  big ? "<= 2,000 B" : "", std::nullopt, ""};
    if (big) {
      tree_total.pass = tree.ok && lib.ok && tree.total_ms <= 1.2 * lib.total_ms;
      tree_rss.pass = tree.ok && tree.rss_per_child <= 2000.0;
    }
    out.push_back(tree_total);
    out.push_back(tree_rss);
  }
  return out;
}

lines row_stop(const options& o) {
  size_t mismatches = 0;
  double bare = measure_bare_stop(o, o.stop_n, mismatches);
  double lib = measure_lib_stop(o, o.stop_n);
  lines out;
  out.push_back({"stop", "total", "ms", o.stop_n, lib, bare, "<= 40 ms", lib <= 40.0,
                 fmt::format("bare mismatches {}", mismatches)});
  return out;
}

} // namespace bench
