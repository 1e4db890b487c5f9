// bench/common.hpp — shared pieces of supervise-bench: options, result lines,
// statistics, the per-variant actor system, and small helpers.
//
// Every row measures libsupervise (public API only) and a bare-CAF baseline
// written here by hand, each on a fresh actor_system built from the same CAF
// options, and reports lib, bare, lib/bare, the row's target and PASS/MISS.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>

namespace bench {

using clk = std::chrono::steady_clock;

// -- options -------------------------------------------------------------------

struct options {
  bool smoke = false;
  size_t restarts = 10000;          // timed restarts, rows restart and siblings
  size_t warmup = 1000;             // untimed restarts before them
  size_t siblings = 10000;          // idle siblings, row siblings
  std::vector<size_t> group_sizes{10, 1000};
  size_t group_rounds_small = 200;  // rounds for N <= 100 (+10 % warm-up)
  size_t group_rounds_large = 30;   // rounds for N > 100 (+10 % warm-up)
  std::vector<size_t> start_sizes{1000, 100000};
  size_t stop_n = 10000;
  double crash_seconds = 10;
  size_t blocking_restarts = 10000;
  size_t blocking_warmup = 500;
  size_t msgs = 1000000;            // messages per repetition, row msgpath
  size_t msg_reps = 5;
  size_t remote_n = 2000;           // remote children, row remote
  size_t kill_runs = 30;            // row failover: kill -9 detections per side
  size_t hang_runs = 10;            // row failover: SIGSTOP detections per side
  size_t failover_runs = 10;        // row failover: safe failovers (lib only)
  size_t lease_n = 10000;           // row leases: idle remote children
  double lease_window_s = 2;        // row leases: CPU window
  long lease_ms = 500;              // row leases: remote_child_options::lease
  size_t sim_seeds = 50;            // row simulation: seeds of 1,000 faults each
  size_t inspect_n = 10000;         // row inspection: children of the inspected tree
  size_t inspect_looping = 100;     // row inspection: of them, restarting in a loop
  size_t inspect_restarts = 200000; // row inspection: restarts measured per side and round
  size_t inspect_rounds = 3;        // row inspection: alternating pairs
  bool run_lib = true, run_bare = true; // --variant=lib|bare (profiling)
  bool quiet_hook = true;           // restart/group rows: a no-op on_event (no event text),
                                    // as the bare baseline logs nothing; --default-hook: off
  double timeout_s = 300;           // per wait; a row that exceeds it reports an error
  std::vector<std::string> caf_args; // handed to actor_system_config::parse
  std::string self_exe;             // for the subprocesses (start row, node processes)
};

// -- results -------------------------------------------------------------------

/// One table line: one metric of one row.
struct line {
  std::string row;     // e.g. "restart"
  std::string metric;  // e.g. "median"
  std::string unit;    // "us", "ms", "B", "Mmsg/s"
  size_t n = 0;        // size (restarts, children, ...)
  std::optional<double> lib;
  std::optional<double> bare;
  std::string target;  // human-readable, "" = none
  std::optional<bool> pass;
  std::string note;    // extra figures, e.g. floor-method median
};

using lines = std::vector<line>;

// -- statistics ----------------------------------------------------------------

struct stats {
  double median = 0, p99 = 0, p90 = 0;
  size_t count = 0;
};

/// Nearest-rank percentiles.
inline stats summarize(std::vector<double> v) {
  stats s;
  s.count = v.size();
  if (v.empty())
    return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  s.median = at(0.5);
  s.p90 = at(0.9);
  s.p99 = at(0.99);
  return s;
}

inline double us_between(clk::time_point a, clk::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

/// Resident set size in bytes (/proc/self/statm, second field).
size_t rss_bytes();

/// User + system CPU time of the whole process, in ms (getrusage).
double process_cpu_ms();

// -- actor systems ---------------------------------------------------------------

/// A fresh actor system from the command line's CAF options; `presets` are
/// set before parsing, so the command line overrides them.
struct system_box {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  size_t workers() const { return sys->scheduler().num_workers(); }
};

std::unique_ptr<system_box>
make_system(const options& o, const std::vector<std::pair<std::string, caf::config_value>>& presets = {});

// -- messaging -----------------------------------------------------------------

using up_atom = caf::atom_constant<caf::atom("b_up")>;
using die_atom = caf::atom_constant<caf::atom("b_die")>;
using go_atom = caf::atom_constant<caf::atom("b_go")>;
using ack_atom = caf::atom_constant<caf::atom("b_ack")>;
using done_atom = caf::atom_constant<caf::atom("b_done")>;
using spawn_atom = caf::atom_constant<caf::atom("b_spawn")>;
using stop_atom = caf::atom_constant<caf::atom("b_stop")>;

/// The crash reason of every benchmark child (a custom error category, as
/// the floor uses): not normal, not user_shutdown, not kill.
inline caf::error crashed() { return caf::error{static_cast<uint8_t>(1), caf::atom("bench")}; }

/// A one-shot flag a thread can wait on with a timeout.
class latch {
public:
  void set() {
    std::lock_guard<std::mutex> g{mx_};
    done_ = true;
    cv_.notify_all();
  }
  /// False on timeout.
  bool wait(double seconds) {
    std::unique_lock<std::mutex> g{mx_};
    return cv_.wait_for(g, std::chrono::duration<double>(seconds), [this] { return done_; });
  }

private:
  std::mutex mx_;
  std::condition_variable cv_;
  bool done_ = false;
};

/// Under valgrind --tool=callgrind: dumps the counters collected since the
/// previous mark as a part labelled `label` (CALLGRIND_DUMP_STATS_AT), so a
/// profile separates set-up from the timed section. A no-op otherwise.
void mark(const char* label);

/// Waits until `counter` reaches `target` (polling every 200 µs); false on timeout.
bool wait_count(const std::atomic<size_t>& counter, size_t target, double seconds);

/// A row that cannot finish (timeout, failed call): prints the lines measured
/// so far and `what`, then exits with status 3 at once (actors may still use
/// the row's state, so the process cannot unwind safely).
[[noreturn]] void fail(const std::string& what);

// -- rows ------------------------------------------------------------------------

lines row_restart(const options& o);
lines row_siblings(const options& o);
lines row_blocking(const options& o);
lines row_group(const options& o);
lines row_start(const options& o);
lines row_stop(const options& o);
lines row_crashloop(const options& o);
lines row_msgpath(const options& o);
lines row_simulation(const options& o);
lines row_inspection(const options& o); // needs supervise::actors (CAF io)
#ifdef SUPERVISE_BENCH_REMOTE
lines row_remote(const options& o);
lines row_failover(const options& o);
lines row_leases(const options& o);
/// The distribution rows' hidden subprocess modes (nodes.cpp).
int node_main(const options& o, const std::string& mode, const std::vector<std::string>& args);
#endif

/// The start row's measurement in this process (run in a subprocess by
/// row_start): prints "RESULT <total_ms> <rss_bytes_per_child> <workers>".
int start_child_main(const options& o, const std::string& variant, size_t n);

} // namespace bench
