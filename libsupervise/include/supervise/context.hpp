// supervise/context.hpp — a runnable's handle on its node, and the tree calls.
//
// A `context` (context_handle.hpp) names one *incarnation* of one node: the
// run of its runnable that received it. Copies are cheap and may be used from
// any thread. Once that incarnation has exited, every call through it returns
// errc::stale_context: it never reaches a later incarnation of the same DN.
// The calls below take the context of the node they act on.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "supervise/context_handle.hpp"
#include "supervise/log.hpp"
#include "supervise/runnable.hpp"

namespace supervise {

/// What signal() reports: healthy (started and working) or done (finished
/// its work; see signal()).
enum class signal_type { healthy, done };

/// Starts the children as one new group of `ctx`'s node: if one member dies,
/// all members are cancelled and restarted (one-for-all). Children start in
/// list order, asynchronously; this returns before they run. Validates all
/// first and creates nothing on error. Any thread. Errors: not_new (node
/// signalled healthy or exited), invalid_name, duplicate_name,
/// empty_runnable, stale_context.
caf::error run_group(context& ctx, child_list children);

/// `run_group` with one child: a one-for-one child.
caf::error run(context& ctx, std::string name, runnable r);

/// healthy: NEW -> HEALTHY (resets the backoff if the node then runs for
/// backoff_options::min_uptime before it exits). done: after healthy; the
/// node ends DONE when its runnable then returns normally; its children keep
/// running. Errors: signal_misuse (healthy twice, done before healthy, done
/// twice), stale_context.
caf::error signal(context& ctx, signal_type s);

/// Says where the node's work runs when not in this process (a remote
/// child says "n1 epoch 17"): snapshots show it as node_info::location
/// (names.hpp) until this incarnation exits. Any thread. Errors:
/// stale_context, not_running (the node's engine is gone).
caf::error set_location(context& ctx, std::string where);

/// As above, for a location whose text changes (a remote child adds how long
/// ago its lease was renewed): `where` is called each time a snapshot is
/// taken, on the snapshot's thread and outside the library's locks. It must
/// be cheap and must not block; a throw shows as "?". Errors: as above, and
/// invalid_option for an empty `where`.
caf::error set_location(context& ctx, std::function<std::string()> where);

/// Makes `who` the actor clients reach by the node's DN (whereis,
/// watch_name: watchers are told) instead of the node's own actor, until
/// this incarnation exits: a stand-in for an actor that runs elsewhere (a
/// remote child) lets clients talk to that actor directly. Any thread.
/// Errors: stale_context (also when the incarnation is no longer the live
/// one), not_running (the node's engine is gone), invalid_option (an invalid
/// `who`).
caf::error set_named_actor(context& ctx, caf::actor who);

/// The logger named by the node's DN. Through a stale context (its
/// incarnation exited) it is named "<dn>#<n>", n the incarnation (1 for the
/// first run): its lines never pass for the live node's. Any thread.
logger get_logger(const context& ctx);

/// A logger at "<dn>.<name>"; the name is then reserved for this incarnation
/// (run() with it fails, and the reverse). Asking twice is fine. Any thread,
/// any state. Errors: invalid_name, duplicate_name (a child has the name),
/// stale_context.
caf::expected<logger> sub_logger(context& ctx, const std::string& name);

} // namespace supervise
