// simulation — a small service tree with a planted bug, found by
// supervise::simulation, shrunk to the fault that matters, and replayed.
//
//   root
//   └── store          runs db and cache
//       ├── db
//       └── cache      warms from the db at its start
//
// The cache notes in CAF's registry (key "cachesrc") which db actor it reads
// from. The bug: `store` starts db and cache with two run() calls, one-for-one,
// so a db restart leaves the cache reading from a dead db. With --fixed they
// are one group (run_group): when the db dies, the cache restarts with it.
// The invariant cache_reads_live_db says so after every step of every run.
//
//   simulation            finds the bug, shrinks it, prints two replay lines
//   simulation --fixed    every invariant holds
//   simulation --seeds=N  explores N seeds (200)
//
// Each replay line reruns exactly the failing case, as printed:
//   SUPERVISE_SIM_SEED=1 build/test/examples/simulation/simulation
//     runs seed 1 alone (simulate() reads both variables);
//   SUPERVISE_SIM_SEED=1 SUPERVISE_SIM_SCHEDULE='0s:return_normally:root.store.db' ...
//     runs the shrunk schedule alone.
// CTest example_simulation_replays runs both lines (simulation/check.cmake).
// Exit code 0 when the outcome is the expected one (bug found without
// --fixed, all held with it), 1 otherwise, 2 on a bad command line.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <caf/all.hpp>

#include "supervise/context.hpp"
#include "supervise/names.hpp"
#include "supervise/simulation.hpp"

using namespace supervise;
namespace sim = supervise::simulation;

namespace {

const auto source_key = caf::atom("cachesrc"); // registry key: the db the cache reads

runnable db() {
  return runnable::event_based([](caf::event_based_actor*, context& ctx) -> caf::behavior {
    signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  });
}

// Warms from the db and records which db actor it reads from, then says
// healthy. With no db running, it records none and waits for the db's next
// actor (watch_name): in a group, the cancelled cache restarts at once while
// the failed db waits out its backoff. It never follows a later db.
runnable cache() {
  return runnable::event_based([](caf::event_based_actor* self, context& ctx) -> caf::behavior {
    auto& sys = self->system();
    sys.registry().erase(source_key); // CAF 0.17's put() keeps an existing entry
    auto warm = [self, ctx](const caf::actor& db) mutable {
      self->system().registry().put(source_key, caf::actor_cast<caf::strong_actor_ptr>(db));
      signal(ctx, signal_type::healthy);
    };
    if (auto current = whereis(sys, "root.store.db"))
      warm(*current);
    else
      watch_name(sys, "root.store.db", self);
    return {
      [self, warm](name_changed_atom, const std::string& dn, const caf::actor& db) mutable {
        if (!db)
          return; // still down
        unwatch_name(self->system(), dn, self);
        warm(db);
      },
      [](int x) { return x; },
    };
  });
}

// The bug: two one-for-one children. The fix: one group of both.
runnable store(bool fixed) {
  return runnable::event_based([fixed](caf::event_based_actor*, context& ctx) -> caf::behavior {
    if (fixed) {
      run_group(ctx, {{"db", db()}, {"cache", cache()}});
    } else {
      run(ctx, "db", db());
      run(ctx, "cache", cache());
    }
    signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  });
}

runnable root(bool fixed) {
  return runnable::event_based([fixed](caf::event_based_actor*, context& ctx) -> caf::behavior {
    run(ctx, "store", store(fixed));
    signal(ctx, signal_type::healthy);
    return {[](int x) { return x; }};
  });
}

std::string id_text(caf::actor_id id) {
  return id == 0 ? "none" : "#" + std::to_string(id);
}

// Holds when the cache is not HEALTHY, or reads from the db's current actor.
std::string cache_reads_live_db(const sim::run_view& view) {
  bool cache_healthy = false;
  for (auto& n : view.snapshot())
    if (n.dn == "root.store.cache")
      cache_healthy = n.state == node_state::healthy;
  if (!cache_healthy)
    return "";
  auto& sys = view.system();
  auto source = sys.registry().get(source_key); // null: the cache recorded none
  auto current = whereis(sys, "root.store.db");  // an error: no db runs now
  caf::actor_id read = source ? source->id() : 0;
  caf::actor_id live = current ? current->id() : 0;
  if (read == live)
    return "";
  return "root.store.cache is HEALTHY and reads from db " + id_text(read)
         + ", but the db's current actor is " + id_text(live);
}

// N of "--seeds=N" (N >= 1), else 0.
size_t seeds_of(const std::string& arg) {
  if (arg.rfind("--seeds=", 0) != 0 || arg.size() == 8 || !std::isdigit(static_cast<unsigned char>(arg[8])))
    return 0;
  char* end = nullptr;
  auto n = std::strtoul(arg.c_str() + 8, &end, 10);
  return *end == '\0' ? n : 0;
}

} // namespace

int main(int argc, char** argv) {
  bool fixed = false;
  size_t seeds = 200;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--fixed") {
      fixed = true;
    } else if (seeds_of(arg) > 0) {
      seeds = seeds_of(arg);
    } else {
      std::fprintf(stderr, "%s: unexpected argument '%s' (--fixed, --seeds=N)\n", argv[0],
                   arg.c_str());
      return 2;
    }
  }
  sim::options opts;
  opts.seeds = seeds;
  opts.invariants = {{"cache_reads_live_db", cache_reads_live_db}};
  // Crashes only: a cache that ignores its stop request, or a db that quits
  // for good (do_not_restart), reads from a dead db with any wiring.
  opts.mix = sim::default_mix();
  for (auto& [kind, weight] : opts.mix)
    if (kind == sim::fault_kind::hang_on_stop || kind == sim::fault_kind::unkillable
        || kind == sim::fault_kind::do_not_restart)
      weight = 0;
  // Each run builds the tree afresh on its own actor system.
  auto report = sim::simulate([fixed](caf::actor_system&) { return root(fixed); }, opts);
  std::cout << report.text();
  bool found = report.failure && report.failure->broken
               && report.failure->broken->invariant == "cache_reads_live_db";
  bool held = static_cast<bool>(report);
  return (fixed ? held : found) ? 0 : 1;
}
