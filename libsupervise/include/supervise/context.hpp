// supervise/context.hpp — a runnable's handle on its node, and the tree calls.
//
// A `context` names one *incarnation* of one node: the run of its runnable
// that received it. Copies are cheap and may be used from any thread. Once
// that incarnation has exited, every call through it returns
// errc::stale_context: it never reaches a later incarnation of the same DN.
#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "supervise/log.hpp"
#include "supervise/runnable.hpp"

namespace supervise {

namespace detail { struct incarnation; }

enum class signal_type { healthy, done };

class context {
public:
  explicit context(std::shared_ptr<detail::incarnation> inc) : inc_(std::move(inc)) {}

  /// The node's distinguished name, e.g. "root.net.dhcp".
  const std::string& dn() const noexcept;

  /// True once the node must stop (its subtree, group or the tree stopped).
  bool stop_requested() const noexcept;

  /// Blocks up to `d`; returns early with true when a stop is requested.
  bool wait_for_stop(std::chrono::nanoseconds d) const;

  /// Blocks until a stop is requested.
  void wait_for_stop() const;

  /// The error a cancelled blocking runnable returns (exit_reason::user_shutdown).
  static caf::error canceled();

  detail::incarnation& impl() const noexcept { return *inc_; }

private:
  std::shared_ptr<detail::incarnation> inc_;
};

using child_list = std::vector<std::pair<std::string, runnable>>;

/// Starts the children as one new group of `ctx`'s node: if one member dies,
/// all members are cancelled and restarted (one-for-all). Children start in
/// list order, asynchronously; this returns before they run. Validates all
/// first and creates nothing on error. Any thread. Errors: not_new (node
/// signalled healthy or exited), invalid_name, duplicate_name,
/// empty_runnable, stale_context.
caf::error run_group(context& ctx, child_list children);

/// `run_group` with one child: a one-for-one child.
caf::error run(context& ctx, std::string name, runnable r);

/// healthy: NEW -> HEALTHY (resets the backoff). done: after healthy; the
/// node ends DONE when its runnable then returns normally; its children keep
/// running. Errors: signal_misuse (healthy twice, done before healthy, done
/// twice), stale_context.
caf::error signal(context& ctx, signal_type s);

/// The logger named by the node's DN.
logger get_logger(const context& ctx);

/// A logger at "<dn>.<name>"; the name is then reserved for this incarnation
/// (run() with it fails, and the reverse). Asking twice is fine. Any thread,
/// any state. Errors: invalid_name, duplicate_name (a child has the name),
/// stale_context.
caf::expected<logger> sub_logger(context& ctx, const std::string& name);

} // namespace supervise
