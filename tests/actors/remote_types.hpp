// remote_types.hpp — the actor types the distribution tests start on node
// agents (registered under these names by the test processes and by
// supervise-actors-node):
//   "doubler" (no arguments): answers x with 2x, and get_atom with its
//             (epoch, lease valid) as lease_of() gives them;
//   "effector" (a file path): every 2 ms, while its lease is valid, appends
//             "<epoch> <CLOCK_MONOTONIC ns>" to the file: the effects the
//             tests check never overlap between incarnations.
#pragma once

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/lease_token.hpp"
#include "supervise/errc.hpp"

namespace test {

inline caf::behavior doubler(caf::event_based_actor* self) {
  return {
    [](int x) { return 2 * x; },
    [self](caf::get_atom) {
      auto lease = supervise::actors::lease_of(self);
      return caf::make_message(lease ? lease->epoch() : uint64_t{0}, lease && lease->valid());
    },
  };
}

using effect_tick_atom = caf::atom_constant<caf::atom("t_effect")>;

inline caf::behavior effector(caf::event_based_actor* self, std::string path) {
  auto fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  self->attach_functor([fd] { ::close(fd); });
  self->send(self, effect_tick_atom::value);
  return {[self, fd](effect_tick_atom) {
    auto lease = supervise::actors::lease_of(self);
    if (lease && lease->valid()) {
      auto now = std::chrono::steady_clock::now().time_since_epoch();
      auto line = std::to_string(lease->epoch()) + " "
                  + std::to_string(std::chrono::nanoseconds{now}.count()) + "\n";
      if (::write(fd, line.data(), line.size()) < 0)
        std::perror("effector write");
    }
    self->delayed_send(self, std::chrono::milliseconds(2), effect_tick_atom::value);
  }};
}

/// Registers both types with `cfg`.
inline void add_remote_types(caf::actor_system_config& cfg) {
  cfg.add_actor_type("doubler", doubler);
  cfg.add_actor_type("effector", effector);
}

/// A system prepared for distribution over plain BASP (heartbeats 100 ms /
/// 500 ms), with both types.
struct plain_node_config : caf::actor_system_config {
  plain_node_config() {
    set("scheduler.max-threads", 2);
    add_remote_types(*this);
    supervise::actors::distribution_options d;
    d.insecure = true;
    if (auto err = supervise::actors::prepare_distribution(*this, d))
      throw std::runtime_error(supervise::render(err));
  }
};

} // namespace test
