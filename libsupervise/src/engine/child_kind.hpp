// engine/child_kind.hpp — what differs between the two kinds of children an
// engine runs: a tree node follows Monogon's rules, a supervisor's service
// OTP's and suture's. The rooms ask kind_of(n) instead of branching on the
// node's registration.
#pragma once

#include "detail/restart_policy.hpp"
#include "engine/node.hpp"
#include "supervise/child_spec.hpp"

namespace supervise::detail::core {

struct engine;

class child_kind {
public:
  virtual ~child_kind() = default;
  /// The rules decide() applies to n's exit.
  virtual child_rules rules(const engine& e, const node& n) const = 0;
  /// n restarts after a failure (or a cancellation): n's context goes, and
  /// with it, if `group`, its run_group (a tree node) or its strategy's
  /// siblings (a service).
  virtual void take_down(engine& e, node& n, bool group) const = 0;
  /// n was reset to NEW: start it now, after its backoff (a tree node), or
  /// through the start queue, held back while a pause lasts (a service).
  virtual void restart(engine& e, node& n) const = 0;
  /// How n is stopped: its shutdown spec, or the engine's stop timeout.
  virtual shutdown_spec shutdown(const engine& e, const node& n) const = 0;
};

/// The kind of `n`: a service when it has a registration, else a tree node.
const child_kind& kind_of(const node& n) noexcept;

} // namespace supervise::detail::core
