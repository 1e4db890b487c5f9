// bench/inspection.cpp — row inspection: what live inspection costs a tree.
//
// A tree hosting a supervisor of `inspect_n` children (10,000), of which
// `inspect_looping` (100) restart in a loop (each incarnation crashes at once
// after it started) until `inspect_restarts` restarts were measured: a
// restart storm. Restart latency is the time from a crash (stamped by the
// dying incarnation) to the next incarnation's start (stamped by it).
// Three sides, alternating, each on a fresh actor system with the middleman:
//  - lib:  the tree with the inspection observer attached, its endpoint
//          serving 127.0.0.1, and 3 inspectors (another actor system in this
//          process, over CAF io) each following the event stream (long polls
//          of 100 ms) and taking a snapshot every 500 ms (supervise-top's
//          default interval) or, a second line, every 100 ms;
//  - bare: the same tree without any inspection.
// The inspectors do not parse what they get (only the next event number):
// an operator's inspector runs in another process, ideally on another host.
// Also reported: the time snapshot() takes for the whole tree, asked from
// another thread (the engine is busy that long in one handler).
#include "common.hpp"

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <thread>

#include <caf/io/middleman.hpp>

#include "supervise/actors/inspection.hpp"
#include "supervise/actors/inspection_protocol.hpp"
#include "supervise/context.hpp"
#include "supervise/names.hpp"
#include "supervise/supervisor.hpp"
#include "supervise/tree.hpp"

namespace bench {

namespace {

namespace sa = supervise::actors;

using tick_atom = caf::atom_constant<caf::atom("b_tick")>;

struct storm {
  size_t target = 0;
  std::atomic<size_t> measured{0};
  std::vector<clk::time_point> t_fail; // per looping child, by its incarnation before
  std::vector<std::vector<double>> lat_us; // per looping child
  latch done;
};

supervise::runnable looping_child(storm* s, size_t i) {
  return [s, i](caf::event_based_actor* self, supervise::context& ctx) -> caf::behavior {
    auto now = clk::now();
    supervise::signal(ctx, supervise::signal_type::healthy);
    if (s->t_fail[i] != clk::time_point{}) {
      s->lat_us[i].push_back(us_between(s->t_fail[i], now));
      if (s->measured.fetch_add(1) + 1 == s->target)
        s->done.set();
    }
    if (s->measured.load() < s->target)
      self->send(self, die_atom::value);
    return {[self, s, i](die_atom) {
      s->t_fail[i] = clk::now();
      self->quit(crashed());
    }};
  };
}

supervise::runnable idle_child() {
  return [](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
    supervise::signal(ctx, supervise::signal_type::healthy);
    return {[](die_atom) {}};
  };
}

// Snapshots every 100 ms, and follows the event stream with 100 ms polls.
caf::behavior inspector(caf::event_based_actor* self, caf::actor server,
                        std::shared_ptr<std::atomic<size_t>> bytes, caf::timespan period) {
  auto after = std::make_shared<uint64_t>(0);
  auto follow = std::make_shared<std::function<void()>>();
  *follow = [self, server, bytes, after, follow] {
    self->request(server, caf::infinite, sa::inspect_follow_atom::value, *after, uint32_t{100})
      .then(
        [bytes, after, follow](const std::string& text) {
          *bytes += text.size();
          auto at = text.rfind("\"next\":");
          if (at != std::string::npos)
            *after = std::stoull(text.substr(at + 7));
          (*follow)();
        },
        [](const caf::error&) {});
  };
  (*follow)();
  self->send(self, tick_atom::value);
  return {[self, server, bytes, period](tick_atom) {
    self->request(server, caf::infinite, sa::inspect_snapshot_atom::value)
      .then([bytes](const std::string& text) { *bytes += text.size(); },
            [](const caf::error&) {});
    self->delayed_send(self, period, tick_atom::value);
  }};
}

std::unique_ptr<caf::actor_system> net_system(caf::actor_system_config& cfg, const options& o) {
  cfg.load<caf::io::middleman>();
  std::vector<std::string> args{"supervise-bench"};
  args.insert(args.end(), o.caf_args.begin(), o.caf_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  if (auto err = cfg.parse(static_cast<int>(argv.size()), argv.data())) {
    std::fprintf(stderr, "bad CAF option: %s\n", caf::to_string(err).c_str());
    std::exit(1);
  }
  return std::make_unique<caf::actor_system>(cfg);
}

struct side_result {
  stats lat;
  double snapshot_ms = 0;  // median time of one snapshot() of the whole tree
  size_t inspector_bytes = 0;
  bool ok = false;
};

// `period`: 0 for the uninspected side; else the inspectors' snapshot period.
side_result run_side(const options& o, caf::timespan period) {
  bool inspected = period.count() > 0;
  side_result out;
  caf::actor_system_config cfg;
  auto sys = net_system(cfg, o);
  storm s;
  s.target = o.inspect_restarts;
  s.t_fail.resize(o.inspect_looping);
  s.lat_us.resize(o.inspect_looping);
  supervise::spec sp;
  sp.failure_threshold = std::numeric_limits<double>::infinity();
  sp.on_event = [](const supervise::event&) {}; // no log lines: the storm fails all the time
  supervise::supervisor pool{*sys, "pool", sp};
  for (size_t i = 0; i < o.inspect_n; ++i)
    pool.add("c" + std::to_string(i), i < o.inspect_looping ? looping_child(&s, i) : idle_child());
  auto ep = std::make_shared<sa::published_endpoint>();
  sa::inspection_options io;
  io.endpoint = ep;
  auto insp = sa::make_inspection(io);
  supervise::tree_options topts;
  topts.on_event = [](const supervise::event&) {};
  if (inspected)
    topts.observers = {insp};
  auto nested = pool.as_runnable();
  auto endpoint = insp->endpoint();
  // The storm starts with the tree; the inspectors connect as soon as the
  // endpoint listens (a few ms), long before it ends.
  supervise::tree t{*sys,
                    [=](caf::event_based_actor*, supervise::context& ctx) -> caf::behavior {
                      if (inspected)
                        run(ctx, "inspect", endpoint);
                      run(ctx, "pool", nested);
                      supervise::signal(ctx, supervise::signal_type::healthy);
                      return {[](die_atom) {}};
                    },
                    topts};
  caf::actor_system_config client_cfg;
  std::unique_ptr<caf::actor_system> client;
  auto bytes = std::make_shared<std::atomic<size_t>>(0);
  std::vector<caf::actor> inspectors;
  if (inspected) {
    auto port = ep->wait_listening(std::chrono::seconds(30));
    client = net_system(client_cfg, o);
    auto server = client->middleman().remote_actor("127.0.0.1", port);
    if (!server) {
      std::fprintf(stderr, "inspection: connect failed: %s\n", caf::to_string(server.error()).c_str());
      return out;
    }
    for (int i = 0; i < 3; ++i)
      inspectors.push_back(client->spawn(inspector, *server, bytes, period));
  }
  out.ok = s.done.wait(o.timeout_s);
  // The cost of one snapshot of the whole tree, taken from this thread.
  std::vector<double> snap_ms;
  for (int i = 0; i < 10 && out.ok; ++i) {
    auto t0 = clk::now();
    auto nodes = supervise::snapshot(*sys, "root");
    snap_ms.push_back(us_between(t0, clk::now()) / 1000.0);
    if (nodes.size() < o.inspect_n)
      out.ok = false;
  }
  out.snapshot_ms = summarize(snap_ms).median;
  out.inspector_bytes = bytes->load();
  for (auto& a : inspectors) // gone before the tree stops (they never end by themselves)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  inspectors.clear();
  client.reset();
  t.stop();
  t.wait();
  std::vector<double> all;
  for (auto& v : s.lat_us)
    all.insert(all.end(), v.begin(), v.end());
  out.lat = summarize(std::move(all));
  return out;
}

} // namespace

lines row_inspection(const options& o) {
  using std::chrono::milliseconds;
  // Alternating: bare, lib (500 ms), lib (100 ms), bare, ...; each side's
  // figure is the median of its rounds.
  std::vector<side_result> bare, slow, fast;
  for (size_t round = 0; round < o.inspect_rounds; ++round) {
    if (o.run_bare)
      bare.push_back(run_side(o, caf::timespan{0}));
    if (o.run_lib) {
      slow.push_back(run_side(o, milliseconds(500)));
      fast.push_back(run_side(o, milliseconds(100)));
    }
  }
  auto pick = [](const std::vector<side_result>& xs, auto field) -> std::optional<double> {
    std::vector<double> v;
    for (auto& x : xs) {
      if (!x.ok)
        return std::nullopt;
      v.push_back(field(x));
    }
    if (v.empty())
      return std::nullopt;
    return summarize(v).median;
  };
  auto median = [](const side_result& x) { return x.lat.median; };
  auto p99 = [](const side_result& x) { return x.lat.p99; };
  auto kib = [](const side_result& x) { return static_cast<double>(x.inspector_bytes) / 1024.0; };
  auto ratio_pass = [](std::optional<double> l, std::optional<double> b) -> std::optional<bool> {
    if (!l || !b || *b <= 0)
      return std::nullopt;
    return *l / *b <= 1.05;
  };
  auto rounds = [&](const std::vector<side_result>& lib) {
    std::string out;
    for (size_t i = 0; i < std::min(lib.size(), bare.size()); ++i)
      out += fmt::format("{}{:.0f}/{:.0f}", i ? ", " : "", lib[i].lat.median, bare[i].lat.median);
    return out;
  };
  auto bm = pick(bare, median), bp = pick(bare, p99);
  lines out;
  for (auto* side : {&slow, &fast}) {
    auto every = side == &slow ? "500 ms" : "100 ms";
    auto lm = pick(*side, median), lp = pick(*side, p99), kb = pick(*side, kib);
    out.push_back({"inspection", fmt::format("restart median, 3 inspectors, snapshot/{}", every),
                   "us", o.inspect_n, lm, bm, "<= 1.05x without", ratio_pass(lm, bm),
                   fmt::format("lib: inspected, bare: not inspected; {} of {} children in a "
                               "crash loop; inspectors got {:.0f} KiB a round; rounds lib/bare "
                               "median: {}",
                               o.inspect_looping, o.inspect_n, kb ? *kb : 0.0, rounds(*side))});
    out.push_back({"inspection", fmt::format("restart p99, 3 inspectors, snapshot/{}", every), "us",
                   o.inspect_n, lp, bp, "<= 1.05x without", ratio_pass(lp, bp), ""});
  }
  auto snap = pick(bare, [](const side_result& x) { return x.snapshot_ms; });
  out.push_back({"inspection", "snapshot() of the whole tree", "ms", o.inspect_n, snap,
                 std::nullopt, "<= 10 ms (10 % of a 100 ms period)",
                 snap ? std::optional<bool>{*snap <= 10} : std::nullopt,
                 "asked from another thread of the uninspected tree after its storm"});
  return out;
}

} // namespace bench
