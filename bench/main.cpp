// supervise-bench — libsupervise against a bare-CAF baseline, row by row, in
// the same run. See bench/README.md for what each row measures.
//
//   supervise-bench [--only=row,row] [--smoke] [--json=path] [size flags]
//                   [CAF options, e.g. --scheduler.max-threads=2]
//
// Prints one table (lib, bare, lib/bare, target, PASS/MISS) and writes the
// same lines as JSON. Exit status: 0 when every row ran (targets are
// reported, not enforced), 1 on bad arguments, 3 when a row could not finish.
#include "common.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#if __has_include(<valgrind/callgrind.h>)
#  include <valgrind/callgrind.h>
#  define BENCH_DUMP(label) CALLGRIND_DUMP_STATS_AT(label)
#else
#  define BENCH_DUMP(label) ((void) (label))
#endif

namespace bench {

// -- helpers from common.hpp ------------------------------------------------------

size_t rss_bytes() {
  std::ifstream f{"/proc/self/statm"};
  size_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

double process_cpu_ms() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

void mark(const char* label) {
  BENCH_DUMP(label);
}

bool wait_count(const std::atomic<size_t>& counter, size_t target, double seconds) {
  auto deadline = clk::now() + std::chrono::duration_cast<clk::duration>(
                                 std::chrono::duration<double>(seconds));
  while (counter.load(std::memory_order_relaxed) < target) {
    if (clk::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

std::unique_ptr<system_box>
make_system(const options& o, const std::vector<std::pair<std::string, caf::config_value>>& presets) {
  auto box = std::make_unique<system_box>();
  for (auto& [k, v] : presets)
    box->cfg.set(k, v);
  std::vector<std::string> args{"supervise-bench"};
  args.insert(args.end(), o.caf_args.begin(), o.caf_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  if (auto err = box->cfg.parse(static_cast<int>(argv.size()), argv.data())) {
    std::fprintf(stderr, "bad CAF option: %s\n", caf::to_string(err).c_str());
    std::exit(1);
  }
  box->sys = std::make_unique<caf::actor_system>(box->cfg);
  return box;
}

namespace {

lines* g_done = nullptr; // lines of finished rows, for fail()

const std::vector<std::string> all_rows{"restart",  "siblings",  "group",    "start",
                                        "stop",     "crashloop", "blocking", "msgpath",
                                        "simulation",
#ifdef SUPERVISE_BENCH_REMOTE
                                        "remote",   "failover",  "leases",   "inspection"
#endif
};

using row_fn = lines (*)(const options&);
const std::map<std::string, row_fn> row_fns{
  {"restart", row_restart},     {"siblings", row_siblings}, {"group", row_group},
  {"start", row_start},         {"stop", row_stop},         {"crashloop", row_crashloop},
  {"blocking", row_blocking},   {"msgpath", row_msgpath},   {"simulation", row_simulation},
#ifdef SUPERVISE_BENCH_REMOTE
  {"remote", row_remote},       {"failover", row_failover}, {"leases", row_leases},
  {"inspection", row_inspection},
#endif
};

std::string fmt_val(const std::optional<double>& v) {
  if (!v)
    return "-";
  double x = *v;
  if (x >= 1000)
    return fmt::format("{:.0f}", x);
  if (x >= 100)
    return fmt::format("{:.1f}", x);
  return fmt::format("{:.2f}", x);
}

std::optional<double> ratio(const line& l) {
  if (l.lib && l.bare && *l.bare > 0)
    return *l.lib / *l.bare;
  return std::nullopt;
}

void print_table(const lines& ls, std::FILE* out) {
  std::fprintf(out, "%-10s %-22s %-7s %9s %12s %12s %8s %-30s %s\n", "row", "metric", "unit", "n",
               "libsupervise", "bare CAF", "lib/bare", "target", "result");
  for (auto& l : ls) {
    auto r = ratio(l);
    std::string res = l.pass ? (*l.pass ? "PASS" : "MISS") : "-";
    std::fprintf(out, "%-10s %-22s %-7s %9zu %12s %12s %8s %-30s %s\n", l.row.c_str(),
                 l.metric.c_str(), l.unit.c_str(), l.n, fmt_val(l.lib).c_str(),
                 fmt_val(l.bare).c_str(), r ? fmt::format("{:.2f}", *r).c_str() : "-",
                 l.target.empty() ? "-" : l.target.c_str(), res.c_str());
  }
  bool any_note = false;
  for (auto& l : ls)
    if (!l.note.empty()) {
      if (!any_note)
        std::fprintf(out, "notes:\n");
      any_note = true;
      std::fprintf(out, "  %s/%s: %s\n", l.row.c_str(), l.metric.c_str(), l.note.c_str());
    }
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string json_num(const std::optional<double>& v) {
  return v ? fmt::format("{:.6g}", *v) : "null";
}

void write_json(const std::string& path, const lines& ls, const options& o,
                const std::string& command, const std::string& date, size_t workers) {
  std::filesystem::path p{path};
  if (p.has_parent_path())
    std::filesystem::create_directories(p.parent_path());
  std::ofstream f{p};
  f << "{\n  \"tool\": \"supervise-bench\",\n  \"date\": " << json_str(date)
    << ",\n  \"command\": " << json_str(command) << ",\n  \"smoke\": "
    << (o.smoke ? "true" : "false") << ",\n  \"workers\": " << workers
    << ",\n  \"hardware_threads\": " << std::thread::hardware_concurrency()
    << ",\n  \"caf_args\": [";
  for (size_t i = 0; i < o.caf_args.size(); ++i)
    f << (i ? ", " : "") << json_str(o.caf_args[i]);
  f << "],\n  \"lines\": [\n";
  for (size_t i = 0; i < ls.size(); ++i) {
    auto& l = ls[i];
    f << "    {\"row\": " << json_str(l.row) << ", \"metric\": " << json_str(l.metric)
      << ", \"unit\": " << json_str(l.unit) << ", \"n\": " << l.n
      << ", \"libsupervise\": " << json_num(l.lib) << ", \"bare\": " << json_num(l.bare)
      << ", \"ratio\": " << json_num(ratio(l)) << ", \"target\": " << json_str(l.target)
      << ", \"pass\": " << (l.pass ? (*l.pass ? "true" : "false") : "null")
      << ", \"note\": " << json_str(l.note) << "}" << (i + 1 < ls.size() ? "," : "") << "\n";
  }
  f << "  ]\n}\n";
}

std::vector<size_t> parse_sizes(const std::string& s) {
  std::vector<size_t> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    auto item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty())
      out.push_back(std::stoul(item));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    auto comma = s.find(',', pos);
    auto item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty())
      out.push_back(item);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

void apply_smoke(options& o) {
  o.smoke = true;
  o.restarts = 300;
  o.warmup = 50;
  o.siblings = 200;
  o.group_sizes = {10, 100};
  o.group_rounds_small = 10;
  o.group_rounds_large = 5;
  o.start_sizes = {100, 1000};
  o.stop_n = 500;
  o.crash_seconds = 1;
  o.blocking_restarts = 50;
  o.blocking_warmup = 10;
  o.msgs = 50 * 1024;
  o.msg_reps = 1;
  o.remote_n = 100;
  o.kill_runs = 3;
  o.hang_runs = 2;
  o.failover_runs = 2;
  o.lease_n = 200;
  o.lease_window_s = 0.5;
  o.sim_seeds = 5;
  o.inspect_n = 500;
  o.inspect_looping = 20;
  o.inspect_restarts = 2000;
  o.inspect_rounds = 1;
  o.timeout_s = 60;
}

const char* usage =
  "usage: supervise-bench [options] [CAF options]\n"
  "  --only=ROW,...          rows: restart siblings group start stop crashloop blocking msgpath\n"
  "                          simulation, and remote failover leases inspection (when built\n"
  "                          with supervise::actors)\n"
  "  --smoke                 seconds-long run with tiny sizes (targets reported, not enforced)\n"
  "  --json=PATH             JSON output (default build/bench/bench.json)\n"
  "  --restarts=N --warmup=N timed / warm-up restarts (restart, siblings; default 10000/1000)\n"
  "  --siblings=N            idle siblings (default 10000)\n"
  "  --group-sizes=A,B       group sizes (default 10,1000)\n"
  "  --group-rounds=S,L      rounds for N<=100 / N>100 (default 200,30; +10% warm-up)\n"
  "  --start-sizes=A,B       children to start (default 1000,100000)\n"
  "  --stop-n=N              children to stop (default 10000)\n"
  "  --crash-seconds=S       crash-loop window (default 10)\n"
  "  --blocking-restarts=N   timed blocking restarts (default 10000, +500 warm-up)\n"
  "  --msgs=N --msg-reps=R   messages per rep / reps (default 1000000 / 5)\n"
  "  --remote-n=N            remote children, row remote (default 2000; smoke 100)\n"
  "  --kill-runs=N --hang-runs=N --failover-runs=N\n"
  "                          row failover: runs of kill -9 / SIGSTOP detection, safe\n"
  "                          failover (default 30 / 10 / 10; smoke 3 / 2 / 2)\n"
  "  --lease-n=N --lease-window=S --lease-ms=L\n"
  "                          row leases: idle remote children, CPU window, their lease\n"
  "                          (default 10000 / 2 s / 500 ms; smoke 200 / 0.5 s)\n"
  "  --sim-seeds=N           row simulation: seeds of 1,000 faults (default 50; smoke 5)\n"
  "  --inspect-n=N,L,R,K     row inspection: children, looping ones, restarts, rounds\n"
  "                          (default 10000,100,200000,3; smoke 500,20,2000,1)\n"
  "  --default-hook          restart/group rows: keep the default (logging) event hook;\n"
  "                          by default a no-op on_event, as the bare baseline logs nothing\n"
  "  --variant=lib|bare      measure one side only (profiling; msgpath always runs both)\n"
  "  --timeout=S             per-wait limit (default 300; smoke 60)\n"
  "  anything else starting with '-' goes to CAF, e.g. --scheduler.max-threads=2\n";

} // namespace

[[noreturn]] void fail(const std::string& what) {
  std::fflush(stdout);
  if (g_done && !g_done->empty()) {
    std::fprintf(stderr, "rows finished before the failure:\n");
    print_table(*g_done, stderr);
  }
  std::fprintf(stderr, "supervise-bench: %s\n", what.c_str());
  std::fflush(stderr);
  std::_Exit(3);
}

} // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  options o;
  o.self_exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string json_path = "build/bench/bench.json";
  std::vector<std::string> only;
  std::string internal_variant;
  size_t internal_n = 0;
  std::string internal_node; // distribution rows' subprocesses (nodes.cpp)
  std::vector<std::string> internal_args;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--smoke") == 0)
      apply_smoke(o);
  auto val = [](const char* arg, const char* key) -> const char* {
    size_t k = std::strlen(key);
    return std::strncmp(arg, key, k) == 0 ? arg + k : nullptr;
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const char* a = argv[i];
      const char* v = nullptr;
      if (std::strcmp(a, "--smoke") == 0) {
      } else if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
        std::fputs(usage, stdout);
        return 0;
      } else if ((v = val(a, "--only="))) {
        only = split(v);
      } else if ((v = val(a, "--json="))) {
        json_path = v;
      } else if ((v = val(a, "--restarts="))) {
        o.restarts = std::stoul(v);
      } else if ((v = val(a, "--warmup="))) {
        o.warmup = std::stoul(v);
      } else if ((v = val(a, "--siblings="))) {
        o.siblings = std::stoul(v);
      } else if ((v = val(a, "--group-sizes="))) {
        o.group_sizes = parse_sizes(v);
      } else if ((v = val(a, "--group-rounds="))) {
        auto r = parse_sizes(v);
        if (r.size() != 2)
          throw std::invalid_argument("--group-rounds=S,L");
        o.group_rounds_small = r[0];
        o.group_rounds_large = r[1];
      } else if ((v = val(a, "--start-sizes="))) {
        o.start_sizes = parse_sizes(v);
      } else if ((v = val(a, "--inspect-n="))) {
        auto r = parse_sizes(v);
        if (r.size() != 4 || r[1] == 0 || r[1] > r[0] || r[3] == 0)
          throw std::invalid_argument("--inspect-n=N,L,R,K (0 < L <= N, K >= 1)");
        o.inspect_n = r[0];
        o.inspect_looping = r[1];
        o.inspect_restarts = r[2];
        o.inspect_rounds = r[3];
      } else if ((v = val(a, "--stop-n="))) {
        o.stop_n = std::stoul(v);
      } else if ((v = val(a, "--crash-seconds="))) {
        o.crash_seconds = std::stod(v);
      } else if ((v = val(a, "--blocking-restarts="))) {
        o.blocking_restarts = std::stoul(v);
      } else if ((v = val(a, "--msgs="))) {
        o.msgs = std::stoul(v);
      } else if ((v = val(a, "--msg-reps="))) {
        o.msg_reps = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--remote-n="))) {
        o.remote_n = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--kill-runs="))) {
        o.kill_runs = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--hang-runs="))) {
        o.hang_runs = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--failover-runs="))) {
        o.failover_runs = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--lease-n="))) {
        o.lease_n = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--lease-ms="))) {
        o.lease_ms = std::max(100L, std::stol(v));
      } else if ((v = val(a, "--lease-window="))) {
        o.lease_window_s = std::max(0.1, std::stod(v));
      } else if ((v = val(a, "--sim-seeds="))) {
        o.sim_seeds = std::max<size_t>(1, std::stoul(v));
      } else if ((v = val(a, "--variant="))) {
        std::string w = v;
        if (w != "lib" && w != "bare" && w != "both")
          throw std::invalid_argument("--variant=lib|bare|both");
        o.run_lib = w != "bare";
        o.run_bare = w != "lib";
      } else if (std::strcmp(a, "--quiet-hook") == 0) {
        o.quiet_hook = true;
      } else if (std::strcmp(a, "--default-hook") == 0) {
        o.quiet_hook = false;
      } else if ((v = val(a, "--timeout="))) {
        o.timeout_s = std::stod(v);
      } else if ((v = val(a, "--internal-start="))) {
        internal_variant = v;
      } else if ((v = val(a, "--internal-n="))) {
        internal_n = std::stoul(v);
      } else if ((v = val(a, "--internal-node="))) {
        internal_node = v;
      } else if ((v = val(a, "--internal-arg="))) {
        internal_args.emplace_back(v);
      } else if (a[0] == '-') {
        o.caf_args.emplace_back(a);
      } else {
        // CAF 0.17 ignores every option after a positional argument.
        std::fprintf(stderr, "unexpected argument '%s'\n%s", a, usage);
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bad argument: %s\n%s", e.what(), usage);
    return 1;
  }
  if (!internal_variant.empty())
    return start_child_main(o, internal_variant, internal_n);
#ifdef SUPERVISE_BENCH_REMOTE
  if (!internal_node.empty())
    return node_main(o, internal_node, internal_args);
#endif
  if (only.empty())
    only = all_rows;
  for (auto& r : only)
    if (!row_fns.count(r)) {
      std::fprintf(stderr, "unknown row '%s'\n%s", r.c_str(), usage);
      return 1;
    }

  std::string command = "supervise-bench";
  for (int i = 1; i < argc; ++i)
    command += std::string(" ") + argv[i];
  char date[64];
  auto now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  size_t workers = make_system(o)->workers();
  std::printf("supervise-bench%s: %s, %zu CAF workers, %u hardware threads\ncommand: %s\n",
              o.smoke ? " (smoke)" : "", date, workers, std::thread::hardware_concurrency(),
              command.c_str());
  std::fflush(stdout);

  lines done;
  g_done = &done;
  // Run rows in the canonical order, whatever order --only lists them in.
  for (auto& name : all_rows) {
    if (std::find(only.begin(), only.end(), name) == only.end())
      continue;
    auto t0 = clk::now();
    std::fprintf(stderr, "row %s ...", name.c_str());
    std::fflush(stderr);
    auto ls = row_fns.at(name)(o);
    std::fprintf(stderr, " %.1f s\n",
                 std::chrono::duration<double>(clk::now() - t0).count());
    done.insert(done.end(), ls.begin(), ls.end());
  }
  // --variant: the skipped side has no figure, and targets relative to it none.
  for (auto& l : done) {
    if (!o.run_lib) {
      l.lib.reset();
      l.pass.reset();
    }
    if (!o.run_bare) {
      l.bare.reset();
      if (l.target.find("bare") != std::string::npos)
        l.pass.reset();
    }
  }
  std::printf("\n");
  print_table(done, stdout);
  write_json(json_path, done, o, command, date, workers);
  std::printf("JSON: %s\n", json_path.c_str());
  return 0;
}
