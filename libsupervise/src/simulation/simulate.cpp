// simulation/simulate.cpp — options, runs, the seed sweep and its report.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "duration_text.hpp"
#include "name.hpp"
#include "option_problems.hpp"
#include "simulation/shrinking.hpp"
#include "simulation/world.hpp"
#include "supervise/errc.hpp"

namespace supervise::simulation {

namespace {

using supervise::detail::duration_text;

// This process's command line, each argument shell-quoted where needed.
std::string own_command() {
  std::ifstream in{"/proc/self/cmdline", std::ios::binary};
  std::string raw{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::string out;
  size_t from = 0;
  while (from < raw.size()) {
    auto end = raw.find('\0', from);
    if (end == std::string::npos)
      end = raw.size();
    auto arg = raw.substr(from, end - from);
    from = end + 1;
    bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                                                       "QRSTUVWXYZ0123456789_-./=:,+@%")
                                   == std::string::npos;
    if (!out.empty())
      out += ' ';
    if (plain) {
      out += arg;
    } else {
      out += '\'';
      for (char c : arg)
        out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

// "1 fault", "2 faults".
std::string count(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::string command_of(const options& opts) {
  return opts.command.empty() ? own_command() : opts.command;
}

} // namespace

const std::vector<std::string>& builtin() {
  static const std::vector<std::string> names{
    "one_incarnation", "subtree_stopped", "parent_live", "backoff_exact",
    "intensity",       "pause",           "events_agree", "stop_bound"};
  return names;
}

caf::error options::validate() const {
  supervise::detail::option_problems out;
  out.require(seeds > 0, "seeds", "0", "must be >= 1");
  out.positive("mean_gap", mean_gap);
  out.positive("slow_start", slow_start);
  out.non_negative("tail", tail);
  out.require(max_steps > 0, "max_steps", "0", "must be >= 1");
  double total = 0;
  for (auto& [kind, weight] : mix) {
    out.require(weight >= 0, "mix[" + std::string{to_string(kind)} + "]",
                supervise::detail::number_text(weight), "must be a number >= 0");
    if (weight > 0)
      total += weight;
  }
  out.require(mix.empty() || total > 0, "mix", "all weights 0", "one kind needs a weight > 0");
  for (auto& [kind, weight] : mix)
    out.require(weight <= 0 || !detail::is_node_fault(kind) || static_cast<bool>(environment),
                "mix[" + std::string{to_string(kind)} + "]", supervise::detail::number_text(weight),
                "needs options::environment (the nodes it hits)");
  for (size_t i = 0; i < targets.size(); ++i)
    out.require(!targets[i].empty(), "targets[" + std::to_string(i) + "]", "\"\"",
                "must be a DN pattern");
  for (auto& name : skip)
    out.require(std::find(builtin().begin(), builtin().end(), name) != builtin().end(),
                "skip", "\"" + name + "\"", "must name a built-in invariant");
  for (auto& [name, check] : invariants)
    out.require(static_cast<bool>(check), "invariants[" + name + "]", "empty",
                "must be a callable");
  out.require(!supervise::detail::validate_name(root_name), "root_name", "\"" + root_name + "\"",
              "must be a valid name");
  // The tree's own checks, its fields named "tree.<field>".
  supervise::detail::option_problems tree_problems;
  supervise::detail::check(tree, tree_problems);
  for (auto& p : tree_problems.list()) {
    if (p.other.empty())
      out.require(false, "tree." + p.field, p.value, p.rule);
    else
      out.require(false, "tree." + p.field, p.value, p.rule, "tree." + p.other, p.other_value);
  }
  return out.error("simulation::options");
}

std::string to_string(const violation& v) {
  return "t=" + duration_text(v.at) + " step " + std::to_string(v.step) + " " + v.invariant
         + (v.dn.empty() ? std::string{} : " " + v.dn) + ": " + v.what;
}

run_result run(const tree_factory& tree, const options& opts, uint64_t seed) {
  detail::fault_source faults{opts, seed};
  return detail::run_world(tree, opts, faults, seed, {});
}

run_result replay(const tree_factory& tree, const options& opts, const schedule& faults,
                  uint64_t seed) {
  detail::fault_source given{faults};
  return detail::run_world(tree, opts, given, seed, {});
}

schedule shrink(const tree_factory& tree, const options& opts, const run_result& failing) {
  return detail::shrink_schedule(tree, opts, failing).faults;
}

std::string report::text() const {
  if (!failure)
    return count(runs, "run") + ", " + count(faults, "fault") + ", " + count(events, "event")
           + ": all invariants held\n";
  auto& f = *failure;
  std::string out;
  if (f.setup)
    return "simulation could not run the tree: " + render(f.setup) + "\n";
  if (!f.broken)
    return "simulation: seed " + std::to_string(f.seed) + " failed\n";
  out += "found: seed " + std::to_string(f.seed) + " breaks " + to_string(*f.broken) + "\n";
  out += "  after " + count(runs, "run") + " (" + count(faults, "fault") + ", "
         + count(events, "event") + "), " + count(f.faults.size(), "fault")
         + " in the failing run\n";
  out += "shrunk to " + count(shrunk.size(), "fault") + ":\n";
  for (auto& x : shrunk)
    out += "  " + to_string(x) + "\n";
  if (shrunk_violation)
    out += "  -> " + to_string(*shrunk_violation) + "\n";
  out += "replay the seed:     " + replay_seed + "\n";
  out += "replay the schedule: " + replay_schedule + "\n";
  return out;
}

report simulate(const tree_factory& tree, const options& opts) {
  if (auto err = opts.validate())
    throw std::invalid_argument(render(err));
  auto t0 = std::chrono::steady_clock::now();
  report out;
  auto first = opts.seed;
  auto count = opts.seeds;
  std::optional<schedule> given;
  if (opts.from_environment) {
    if (auto* s = std::getenv("SUPERVISE_SIM_SEED"); s && *s) {
      first = std::strtoull(s, nullptr, 10);
      count = 1;
    }
    if (auto* s = std::getenv("SUPERVISE_SIM_SCHEDULE"); s && *s) {
      auto parsed = decode(s);
      if (!parsed)
        throw std::invalid_argument("SUPERVISE_SIM_SCHEDULE: " + render(parsed.error()));
      given = std::move(*parsed);
    }
  }
  auto account = [&](const run_result& r) {
    ++out.runs;
    out.faults += r.faults.size();
    out.events += r.events;
  };
  if (given) {
    auto r = replay(tree, opts, *given, first);
    account(r);
    if (!r)
      out.failure = std::move(r);
  } else {
    for (size_t i = 0; i < count && !out.failure; ++i) {
      detail::fault_source faults{opts, first + i};
      auto r = detail::run_world(tree, opts, faults, first + i, {false});
      account(r);
      if (r)
        continue;
      if (r.setup) {
        out.failure = std::move(r);
        continue;
      }
      // Again with its log: the same run, unless the tree keeps state from
      // one run to the next (then say so rather than shrink a ghost).
      auto logged = run(tree, opts, first + i);
      if (!logged.broken && !logged.setup)
        logged.broken = violation{"deterministic", r.broken->at, r.broken->step, r.broken->dn,
                                  "seed " + std::to_string(first + i) + " broke "
                                    + r.broken->invariant + " once, then not when run again: "
                                      "does a runnable keep state from one run to the next?"};
      out.failure = std::move(logged);
    }
  }
  if (out.failure && !out.failure->setup && out.failure->broken->invariant != "deterministic") {
    auto& f = *out.failure;
    // The variables work only where simulate() reads them: say so.
    auto command = command_of(opts)
                   + (opts.from_environment ? "" : "  # needs options::from_environment = true");
    out.replay_seed = "SUPERVISE_SIM_SEED=" + std::to_string(f.seed) + " " + command;
    detail::shrunk_run s{f.faults, f.broken};
    if (opts.shrink)
      s = detail::shrink_schedule(tree, opts, f);
    out.shrunk = s.faults;
    out.shrunk_violation = s.broken;
    out.replay_schedule = "SUPERVISE_SIM_SEED=" + std::to_string(f.seed)
                          + " SUPERVISE_SIM_SCHEDULE='" + encode(out.shrunk) + "' " + command;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

} // namespace supervise::simulation
