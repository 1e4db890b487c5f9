// pooled_blocking_actor.hpp (private) — a CAF blocking actor whose thread
// comes from thread_pool instead of a new std::thread.
//
// To CAF and to everyone holding its handle it is an ordinary blocking actor:
// same mailbox, `kill` equally ignored, registered with the actor system and
// counted as a detached thread, so `actor_system` shutdown waits for it as
// for any blocking actor. Only `launch` differs: the body runs on a pooled
// thread, so restarting a blocking runnable does not start a thread.
#pragma once

#include <functional>
#include <utility>

#include <caf/actor_config.hpp>
#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/logger.hpp>

#include "thread_pool.hpp"

namespace supervise::detail {

class pooled_blocking_actor final : public caf::blocking_actor {
public:
  using body_fn = std::function<void(caf::blocking_actor*)>;

  pooled_blocking_actor(caf::actor_config& cfg, body_fn body)
    : caf::blocking_actor(cfg), body_(std::move(body)) {}

  const char* name() const override { return "sv.blocking"; }

  // Called by spawn, on the spawning thread: the body starts on a pooled one.
  void launch(caf::execution_unit*, bool, bool hide) override {
    if (!hide)
      register_at_system();
    home_system().inc_detached_threads();
    thread_pool::instance().submit([ptr = caf::strong_actor_ptr{ctrl()}]() mutable {
      static_cast<pooled_blocking_actor*>(ptr->get())->run(std::move(ptr));
    });
  }

  void act() override { body_(this); }

private:
  // On the pooled thread: the life of a CAF blocking actor, start to cleanup.
  void run(caf::strong_actor_ptr self_ref) {
    auto& sys = home_system();
    caf::logger::set_current_actor_system(&sys);
    sys.thread_started();
    initialize();
    caf::error reason;
    try {
      act();
      reason = fail_state_;
    } catch (...) {
      reason = caf::exit_reason::unhandled_exception; // as CAF's own blocking actors
    }
    try {
      on_exit();
    } catch (...) {
      // as CAF: an exception from on_exit is ignored
    }
    body_ = nullptr; // what the body captured goes with the run, not the actor
    // Parked before the exit is announced: the restart it may cause reuses
    // this thread.
    thread_pool::instance().park_soon();
    cleanup(std::move(reason), context());
    sys.thread_terminates();
    // The last reference may delete this actor: drop it while the system is
    // surely alive, i.e. before the system learns this thread is done.
    self_ref.reset();
    caf::logger::set_current_actor_system(nullptr);
    sys.dec_detached_threads();
  }

  body_fn body_;
};

} // namespace supervise::detail
