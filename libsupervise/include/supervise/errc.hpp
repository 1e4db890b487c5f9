// supervise/errc.hpp — the error category of libsupervise.
//
// Every outcome the engine understands travels as a `caf::error` of category
// `supervise::category` ("supervise", within CAF 0.17's 10-char atom limit):
// as an actor's exit reason (`self->quit(errc::do_not_restart)`), as the return
// value of a blocking runnable, or as the error of an API call misused.
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>

namespace supervise {

/// The category atom of every libsupervise error.
constexpr caf::atom_value category = caf::atom("supervise");

/// The codes of category `supervise`: exit reasons the engine acts on, and
/// the errors of calls that cannot be honoured.
enum class errc : uint8_t {
  none = 0,
  /// Exit reason: this node stops for good; siblings and parent untouched.
  do_not_restart,
  /// Exit reason: the whole tree stops; `tree::wait()` returns this error.
  terminate_tree,
  /// Exit reason given to a runnable that threw; context holds `what()`.
  runnable_threw,
  /// Exit reason: a runnable returned normally without signalling done.
  returned_without_done,
  /// API misuse: a child name is not 1..64 chars of [A-Za-z0-9_-].
  invalid_name,
  /// API misuse: the name is already a child of this node.
  duplicate_name,
  /// API misuse: `run`/`run_group` after the node signalled healthy.
  not_new,
  /// API misuse: healthy twice, done before healthy, done twice.
  signal_misuse,
  /// API misuse: the context belongs to an incarnation that has exited.
  stale_context,
  /// API misuse: an empty runnable (no target).
  empty_runnable,
  /// API misuse: an option value out of range (names the option).
  invalid_option,
  /// supervisor: a service token issued by another supervisor (or the zero
  /// token).
  wrong_supervisor,
  /// supervisor: a token this supervisor never issued, or already removed.
  unknown_token,
  /// supervisor: the call needs a running supervisor; it was never started.
  not_started,
  /// supervisor: the supervisor has stopped (or is stopping).
  not_running,
  /// supervisor: start() on a supervisor that runs (standalone or hosted);
  /// start_child with the id of a child that runs (OTP's already_started).
  already_started,
  /// supervisor: remove_and_wait's own timeout passed first.
  timeout,
  /// A blocking call made from inside an event hook (or on the engine's own
  /// thread), where waiting could never end.
  would_deadlock,
  /// supervisor: unstopped_report() before the supervisor has stopped.
  still_running,
  /// supervisor: stop()/wait() on a supervisor that runs inside a parent;
  /// its parent owns its life (remove it there).
  not_standalone,
  /// Exit reason: a clean stop with a reason (OTP's {shutdown, Term}); a
  /// supervisor that gives up (restart intensity) or shuts itself down
  /// (auto_shutdown) ends with it. Clean for transient children.
  shutdown,
  /// A child failed while starting (threw or exited before it was up);
  /// names the child and its reason. Also a supervisor's exit reason when
  /// its initial start failed.
  start_failed,
  /// supervisor: no child has this id.
  unknown_child,
  /// supervisor: the child runs (restart_child/delete_child need it stopped).
  child_running,
  /// supervisor: start_child with the id of a kept child that does not run
  /// (OTP's already_present: restart_child or delete_child it).
  already_present,
  /// supervisor: restart_child or delete_child under
  /// strategy::simple_one_for_one, which keeps no spec of a stopped child
  /// (OTP's {error, simple_one_for_one}): start_child a new one.
  simple_one_for_one,
  /// Exit reason of a remote child (supervise::actors::remote_child): the
  /// connection to its node was lost (the node died, hung or was cut off:
  /// CAF cannot tell which) and its lease has surely lapsed there; names the
  /// node.
  node_lost,
  /// Exit reason of a remote child: no candidate node could be reached (all
  /// quarantined, refused or timed out); names each node and why.
  no_node_available,
  /// Exit reason given by a node agent to a child whose lease lapsed (its
  /// supervisor side stopped renewing it): the child stops itself.
  lease_expired,
  /// A node agent refused a start or renewal of an incarnation older than one
  /// it has seen for the same key; names the key and both epochs.
  stale_epoch,
};

/// Human readable name of `x`, e.g. "do_not_restart".
const char* to_string(errc x) noexcept;

/// ADL factory: makes `errc` convertible to and comparable with caf::error.
inline caf::error make_error(errc x) {
  return {static_cast<uint8_t>(x), category};
}

/// As above with a context payload (a string naming the bad value).
inline caf::error make_error(errc x, std::string what) {
  return {static_cast<uint8_t>(x), category, caf::make_message(std::move(what))};
}

/// True when `err` is our `x`; compares code and category without building
/// a caf::error (which allocates in CAF 0.17): cheap on the restart path.
inline bool is(const caf::error& err, errc x) noexcept {
  return err && err.code() == static_cast<uint8_t>(x) && err.category() == category;
}

/// True when `err` is CAF's exit reason `x` (not for exit_reason::normal,
/// which is the empty error: test `!err`).
inline bool is(const caf::error& err, caf::exit_reason x) noexcept {
  return err && err.code() == static_cast<uint8_t>(x) && err.category() == caf::atom("exit");
}

/// Lets render() and detail_of() treat another library's error category like
/// ours: render() gives "prefix::name(\"detail\")" with `name(code)`. Any
/// thread; call once per category (supervise::actors registers "sv_actors").
void add_category(caf::atom_value cat, const char* prefix, const char* (*name)(uint8_t code));

/// Renders any error with the text it carries: "supervise::invalid_name(\"a.b\")",
/// "supervise::invalid_name(\"\")" (an empty name, still shown),
/// "system::runtime_error(\"disk full\")", "exit::kill". Any thread.
std::string render(const caf::error& err);

/// The text payload of one of our errors (or of an added category's), or ""
/// when there is none.
std::string detail_of(const caf::error& err);

} // namespace supervise
