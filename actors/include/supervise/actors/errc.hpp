// supervise/actors/errc.hpp — the error category of the ready-made runnables.
//
// The runnables of supervise::actors report their failures as `caf::error`s
// of category `supervise::actors::category` ("sv_actors"), each with a text
// payload saying what happened to what (e.g. "/bin/sh (pid 42) exited with
// status 3"). They travel like any other exit reason: the engine marks the
// node DEAD and restarts it with backoff. Bad options are not errors of this
// category: the factories throw std::invalid_argument (see each header).
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

/// The ready-made runnables (library supervise::actors): command,
/// published_server, remote_connection, periodic, metrics_endpoint.
namespace supervise::actors {

/// The category atom of every supervise::actors error (≤ 10 chars).
constexpr caf::atom_value category = caf::atom("sv_actors");

/// The codes of category `sv_actors`: why a ready-made runnable failed.
enum class actors_errc : uint8_t {
  none = 0,
  /// command: the program exited by itself; the text has its exit status.
  exited,
  /// command: the program was killed by a signal; the text names it.
  killed_by_signal,
  /// command: posix_spawn (or pipe creation) failed; the text has errno's text.
  spawn_failed,
  /// published_server, metrics_endpoint: the TCP port could not be bound;
  /// text "addr:port: why".
  bind_failed,
  /// remote_connection: remote_actor failed; text "host:port: why".
  connect_failed,
  /// remote_connection: the remote actor went down; text has the down reason.
  connection_lost,
  /// remote_handle / command_control: nothing is connected or running now.
  not_running,
  /// published_server: the served actor exited; text has its exit reason.
  served_actor_down,
  /// tls_files: a TLS file is missing, unreadable or does not fit; the text
  /// names the setting, the file and OpenSSL's reason.
  tls_files,
  /// node_agent: a start it does not allow (a type not on its allow-list, a
  /// blocking actor, a spawn CAF refused); the text names the type and why.
  refused,
  /// inspection endpoint: this follower was dropped (it stopped asking for
  /// longer than the stall timeout); the text says for how long.
  inspector_dropped,
};

/// Human-readable name of `x`, e.g. "exited".
const char* to_string(actors_errc x) noexcept;

/// ADL factory: makes actors_errc convertible to and comparable with caf::error.
inline caf::error make_error(actors_errc x) {
  return {static_cast<uint8_t>(x), category};
}

/// As above with a text payload.
inline caf::error make_error(actors_errc x, std::string what) {
  return {static_cast<uint8_t>(x), category, caf::make_message(std::move(what))};
}

/// Registers this category with supervise::add_category, once: then
/// supervise::render() gives "sv_actors::exited(\"...\")" and
/// supervise::detail_of() its text. Every factory and validate() of this
/// library calls it; any thread.
void name_category();

} // namespace supervise::actors
