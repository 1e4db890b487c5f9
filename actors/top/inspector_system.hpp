// inspector_system.hpp — the CAF actor system supervise-top talks through:
// the middleman (and, for TLS, the openssl module with this inspector's
// identity), heartbeats that notice an endpoint that went away.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "top_options.hpp"

namespace supervise::top {

/// An actor system prepared for inspecting; not copyable.
class inspector_system {
public:
  /// Null, with `error` set (naming the bad TLS file or setting), when the
  /// system cannot be prepared.
  static std::unique_ptr<inspector_system> make(const top_options& opts, std::string& error);

  caf::actor_system& system() { return *sys_; }

private:
  inspector_system() = default;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
};

} // namespace supervise::top
