// supervise/actors/command.hpp — an OS program as a supervised child.
//
// `command(opts)` returns a blocking runnable (one thread per running
// program) that starts the program with posix_spawn in its own process group,
// logs its stdout (INFO) and stderr (WARN) line by line under the node's DN,
// and ends as follows:
//   - the program exits by itself (any status, 0 included) or is killed by a
//     signal: a failure (actors_errc::exited / killed_by_signal, the text has
//     the status or the signal name) — the node is DEAD and restarts with the
//     tree's backoff;
//   - the node is asked to stop: SIGTERM to the process group, SIGKILL to the
//     group after `grace`; the runnable returns context::canceled(), so the
//     node ends CANCELED (Monogon's RunCommand ends DEAD there; fixed).
// Stop guarantee: when the runnable returns (or unwinds by an exception) the
// program has been reaped and SIGKILL has been sent to its whole process
// group, so neither a zombie nor a member of the group is left behind. Limit:
// a descendant that leaves the group (setsid/setpgid, e.g. a daemonising
// program) escapes; so does everything if the supervising process itself is
// killed with SIGKILL (no runnable code runs then).
// Reaping uses waitpid on the program's own pid only: other children of the
// process are never touched.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sys/types.h>

#include <caf/error.hpp>

#include "supervise/runnable.hpp"

namespace supervise::actors {

/// A handle on the program a `command` runnable is running right now; shared
/// between the caller and the runnable (put it in command_options::control).
/// Thread-safe; every member may be called from any thread at any time.
class command_control {
public:
  /// Sends `sig` to the running program (to its whole process group when
  /// `whole_group`). Errors: actors_errc::not_running when no program runs
  /// (not started yet, between restarts, after the stop); errc::invalid_option
  /// for a bad signal number. Never signals a reaped pid: the runnable
  /// forgets the pid, under the same lock, before it reaps.
  caf::error signal(int sig, bool whole_group = false);

  /// The pid of the running program, 0 when none runs.
  pid_t pid() const;

  /// How many times a program was started (successful spawns), all
  /// incarnations together.
  uint64_t starts() const;

  // Used by the runnable.
  /// Records `pid` as the running program and counts a start.
  void attach(pid_t pid);
  /// Forgets the pid (before the program is reaped): signal() then fails.
  void detach();

private:
  mutable std::mutex mtx_;
  pid_t pid_ = 0;
  uint64_t starts_ = 0;
};

/// What command() runs and how; validate() checks it.
struct command_options {
  /// The program and its arguments; argv[0] is a path or a name looked up in
  /// the supervising process's PATH (posix_spawnp). Must not be empty, and
  /// argv[0] must not be empty.
  std::vector<std::string> argv;
  /// Environment: the supervising process's `environ` at each start (or
  /// nothing when `clear_env`), minus `unset_env`, plus `env` (which wins).
  /// Keys must be non-empty and contain no '='.
  std::map<std::string, std::string> env;
  /// Variables removed from the inherited environment.
  std::vector<std::string> unset_env;
  /// Inherit nothing: the environment is `env` alone.
  bool clear_env = false;
  /// Working directory of the program; empty = the supervising process's.
  /// A directory that does not exist is a spawn failure (restarted).
  std::string working_dir;
  /// Time between SIGTERM and SIGKILL on a stop request. Must be > 0. Keep
  /// it (plus `drain`) below the tree's stop_timeout, or tree::wait() may
  /// return first and list the node in tree::unstopped() (the program is
  /// still killed and reaped by the runnable's thread afterwards).
  std::chrono::nanoseconds grace = std::chrono::seconds(5);
  /// Empty: the node signals healthy as soon as the program is started.
  /// Otherwise healthy once a line of stdout or stderr contains this text.
  std::string ready_line;
  /// Longer output lines are cut to this many bytes and logged with
  /// " [line cut at N bytes]"; the rest of the line is dropped. Must be > 0.
  size_t max_line = 4096;
  /// Optional: filled with the running program's pid (signal forwarding).
  std::shared_ptr<command_control> control;
  /// How long the runnable keeps reading the pipes after the program exited
  /// and its group was killed (a descendant outside the group may hold them
  /// open). Must be >= 0.
  std::chrono::nanoseconds drain = std::chrono::milliseconds(200);
};

/// Checks `opts`: empty argv, empty argv[0], grace <= 0, max_line == 0,
/// drain < 0, or an invalid env key give errc::invalid_option (supervise
/// category) with a text naming the bad value; none otherwise.
caf::error validate(const command_options& opts);

/// The runnable (blocking: its own thread). Throws std::invalid_argument with
/// validate()'s text when `opts` are bad: the error shows at construction,
/// not as a restart loop. The runnable may be run by many nodes and
/// incarnations; a shared `control` then names the latest program started.
runnable command(command_options opts);

} // namespace supervise::actors
