// desk/lease_desk.hpp — the supervisor side of remote children: one actor
// per actor system that every remote_child stub of that system shares.
//
// It places children (detail/placement.hpp's choice over the candidates it
// knows: connected or not, quarantined, their load, the spread groups on
// them), connects to node agents asynchronously with a bound (CAF 0.17's own
// remote_actor would block forever on a hung peer), quarantines nodes that
// failed, and is the grantor of every lease: it answers an agent's renewal
// with the epochs it holds current there, and tells a stub whose node was
// lost from when a new incarnation may safely start elsewhere.
#pragma once

#include <cstddef>
#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace supervise::actors::detail {

class simulated_network;

/// The desk of one actor system and how many stubs use it.
struct desk_slot {
  caf::actor desk;
  size_t users = 0;
};

/// One stub's use of its system's desk. The desk is spawned by the first use
/// and quits when the last use ends: it must not outlive the system's
/// middleman (CAF keeps an actor that was sent to another node registered
/// until it terminates). Any thread.
class desk_use {
public:
  explicit desk_use(caf::actor_system& sys);
  ~desk_use();
  desk_use(const desk_use&) = delete;
  desk_use& operator=(const desk_use&) = delete;

  const caf::actor& desk() const noexcept { return desk_; }

private:
  caf::actor_system& sys_;
  std::shared_ptr<simulated_network> net_; // of a simulation, or nullptr
  caf::actor desk_;
};

} // namespace supervise::actors::detail
