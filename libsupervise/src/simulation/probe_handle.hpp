// simulation/probe_handle.hpp (private) — the probe the engines hold: it
// forwards to a probe they must not own (a run's world), until detached.
//
// Engines keep their probe for as long as they exist, which may be a moment
// longer than the run that made them: after detach() it forwards nothing and
// answers as an engine without a probe would.
#pragma once

#include <memory>
#include <utility>

#include "engine/probe.hpp"

namespace supervise::simulation::detail {

class probe_handle final : public supervise::detail::engine_probe {
public:
  explicit probe_handle(engine_probe* to) : to_(to) {}

  /// From now on, forwards nothing.
  void detach() noexcept { to_ = nullptr; }

  caf::actor spawn(caf::event_based_actor* self, const runnable& body,
                   std::shared_ptr<supervise::detail::incarnation> inc, const spec* sp) override {
    if (!to_)
      return supervise::detail::spawn_child(self, body, std::move(inc));
    return to_->spawn(self, body, std::move(inc), sp);
  }
  void exited(caf::down_msg& msg) override {
    if (to_)
      to_->exited(msg);
  }
  bool delivers(const caf::actor& child, caf::exit_reason reason) override {
    return !to_ || to_->delivers(child, reason);
  }
  void observe(const event& ev) override {
    if (to_)
      to_->observe(ev);
  }
  void state(const std::string& dn, node_state s) override {
    if (to_)
      to_->state(dn, s);
  }
  uint64_t engine_seed() override { return to_ ? to_->engine_seed() : 1; }

private:
  engine_probe* to_;
};

} // namespace supervise::simulation::detail
