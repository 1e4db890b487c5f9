// supervise/context_handle.hpp — the `context` class alone: a runnable's
// handle on its node, without the tree calls that take it.
//
// Include supervise/context.hpp to use a context (run, run_group, signal,
// get_logger, sub_logger are declared there); this header exists so that code
// which only stores or passes a context needs nothing else.
//
// A `context` names one *incarnation* of one node: the run of its runnable
// that received it. Only the library makes one (a runnable receives it as its
// argument); copies are cheap and may be used from any thread. Once that
// incarnation has exited, every call through it returns errc::stale_context:
// it never reaches a later incarnation of the same DN.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <caf/error.hpp>

namespace supervise {

namespace detail {
struct incarnation;
struct context_access;
} // namespace detail

/// A runnable's handle on the incarnation it runs as (see the top of this
/// file); made by the library only.
class context {
public:
  /// The node's distinguished name, e.g. "root.net.dhcp". Any thread; still
  /// valid after the incarnation exited.
  const std::string& dn() const noexcept;

  /// True once the node must stop (its subtree, group or the tree stopped),
  /// and for good once the incarnation exited. Any thread; never blocks.
  bool stop_requested() const noexcept;

  /// Blocks up to `d`; returns early with true when a stop is requested.
  /// Meant for a blocking runnable's own thread (inside an event-based
  /// actor's handler it would block a CAF worker).
  bool wait_for_stop(std::chrono::nanoseconds d) const;

  /// Blocks until a stop is requested. Same thread rule as above.
  void wait_for_stop() const;

  /// The error a cancelled blocking runnable returns (exit_reason::user_shutdown).
  static caf::error canceled();

private:
  // Made by the engine for each incarnation it starts (detail::context_access
  // is the library's only way in and out): users receive contexts, never build
  // one, and never reach the incarnation behind it.
  friend struct detail::context_access;

  explicit context(std::shared_ptr<detail::incarnation> inc) : inc_(std::move(inc)) {}

  detail::incarnation& impl() const noexcept { return *inc_; }

  std::shared_ptr<detail::incarnation> inc_;
};

} // namespace supervise
