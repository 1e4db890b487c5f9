// event_runnable_actor.hpp (private) — the CAF actor of an event-based
// runnable: an event_based_actor that owns the runnable's context.
//
// The context is a member, so it lives exactly as long as the actor (its
// handlers may hold a reference to it, and attached functors, which CAF runs
// after the behaviour is gone, still see it). Spawning a class costs one
// allocation less per (re)start than spawning a function with bound
// arguments plus an attachable that keeps a heap context alive.
#pragma once

#include <exception>
#include <memory>
#include <utility>

#include <caf/actor_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "context_access.hpp"
#include "incarnation.hpp"
#include "supervise/context_handle.hpp"
#include "supervise/errc.hpp"
#include "supervise/runnable.hpp"

namespace supervise::detail {

/// The error an exception escaping a runnable becomes (errc::runnable_threw).
inline caf::error exception_to_error(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return make_error(errc::runnable_threw, e.what());
  } catch (...) {
    return make_error(errc::runnable_threw, "non-standard exception");
  }
}

/// Child side of child_spec::ready `started`: the incarnation finished
/// starting. The engine hears of it only when it asked (incarnation::progress):
/// a restart nobody waits for costs no message. High priority, like the
/// monitor's down message, so the two arrive in the order they were sent.
inline void report_up(incarnation& inc) {
  if (inc.child_up())
    caf::anon_send<caf::message_priority::high>(inc.engine(), up_atom::value, inc.node_id,
                                                inc.number);
}

/// Set by a simulation's wrapper while it runs an init it delays (a slow
/// start): that incarnation reports up itself, later (report_up()).
inline thread_local bool init_defers_up = false;

class event_runnable_actor final : public caf::event_based_actor {
public:
  /// `inc->reports`: the runnable is `started`-ready (report_up() after its
  /// init); `inc->env->propagate_exceptions`: exceptions are not caught.
  event_runnable_actor(caf::actor_config& cfg, const runnable& body,
                       std::shared_ptr<incarnation> inc)
    : caf::event_based_actor(cfg), body_(body), ctx_(context_access::make(std::move(inc))) {
    if (propagating())
      set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error {
        std::rethrow_exception(ep);
      });
    else
      set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& ep) {
        return exception_to_error(ep);
      });
  }

  const char* name() const override { return "sv.runnable"; }

  // On a CAF worker, when the actor first runs: the runnable's init.
  caf::behavior make_behavior() override {
    // Run once, on a copy of its own (runnable::event_body), and dropped, as
    // CAF drops a function actor's init function: what the body captured must
    // not outlive its init (a hosted supervisor's body holds the supervisor,
    // which holds this actor: a cycle).
    auto fn = body_.event_body();
    body_ = runnable{};
    caf::behavior result;
    if (propagating()) {
      result = fn(this, ctx_);
    } else {
      try {
        result = fn(this, ctx_);
      } catch (...) {
        quit(exception_to_error(std::current_exception()));
        return {};
      }
    }
    // Up, unless it quit during its initialisation (a start failure). CAF
    // 0.17's quit() marks a scheduled actor shutting down (it terminates
    // when make_behavior returns), not terminated: test both.
    bool deferred = std::exchange(init_defers_up, false);
    if (inc().reports && !quitting() && !deferred)
      report_up(inc());
    return result;
  }

  // After CAF's own cleanup (the behaviour and the attachables are gone): the
  // exit goes to the engine (incarnation::report_exit), in place of a monitor.
  bool cleanup(caf::error&& fail_state, caf::execution_unit* host) override {
    if (!caf::event_based_actor::cleanup(std::move(fail_state), host))
      return false; // cleaned up before
    inc().report_exit(address(), fail_state_);
    return true;
  }

private:
  incarnation& inc() const noexcept { return context_access::impl(ctx_); }
  bool quitting() const noexcept {
    return getf(caf::abstract_actor::is_terminated_flag
                | caf::abstract_actor::is_shutting_down_flag);
  }
  bool propagating() const noexcept { return inc().env->propagate_exceptions; }

  // 32 B over a plain event_based_actor (what a function-based actor holds
  // instead: its init function).
  runnable body_; // shared, 16 B: copied out by make_behavior()
  supervise::context ctx_; // qualified: CAF actors have a context() member
};

} // namespace supervise::detail
