// supervise/runnable.hpp — what a node runs: a blocking or an event-based body.
//
// Two shapes, both first-class:
//  - blocking:    caf::error(context&)  — Go style, on its own thread. Return
//                 when ctx.stop_requested(); returning ctx.canceled() (or any
//                 error once stopped) ends CANCELED; returning a normal error
//                 after signal(done) ends DONE; anything else is a failure.
//                 It is a CAF blocking actor (kill is not honoured), but its
//                 thread is pooled: a blocking runnable that ended leaves its
//                 thread parked for a second (named "sv.blocking"), and the
//                 next one (typically its restart) runs there instead of
//                 starting a thread.
//  - event-based: caf::behavior(caf::event_based_actor*, context&) — a CAF
//                 actor; it stops through its exit reason (a stop request is
//                 an exit_msg with user_shutdown, sent with high priority).
//                 The context reference stays valid for the actor's life.
// The same runnable value is invoked again on every restart of its node.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

namespace supervise {

class context;

/// What a node runs: a blocking or an event-based callable, or nothing
/// (see the top of this file). Copies share the callable.
class runnable {
public:
  /// The blocking shape: runs on a pooled thread; what it returns is the
  /// incarnation's exit reason.
  using blocking_fn = std::function<caf::error(context&)>;
  /// The event-based shape: returns the behaviour of the node's actor.
  using event_fn = std::function<caf::behavior(caf::event_based_actor*, context&)>;

  runnable() = default;

  /// Deduces the shape from the callable's signature.
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, runnable>>>
  runnable(F f) {
    if constexpr (std::is_invocable_r_v<caf::behavior, F&, caf::event_based_actor*, context&>)
      set(shape{{}, event_fn{std::move(f)}});
    else {
      static_assert(std::is_invocable_r_v<caf::error, F&, context&>,
                    "a runnable is caf::error(context&) or "
                    "caf::behavior(caf::event_based_actor*, context&)");
      set(shape{blocking_fn{std::move(f)}, {}});
    }
  }

  /// A blocking runnable from `f`, without deducing the shape (an empty
  /// `f`: an empty runnable).
  static runnable blocking(blocking_fn f) { runnable r; r.set(shape{std::move(f), {}}); return r; }
  /// An event-based runnable (an empty `f`: an empty runnable).
  static runnable event_based(event_fn f) { runnable r; r.set(shape{{}, std::move(f)}); return r; }

  /// True when it holds a blocking callable.
  bool is_blocking() const noexcept { return body_ && body_->blocking; }
  /// True when it holds an event-based callable.
  bool is_event_based() const noexcept { return body_ && body_->event; }
  /// False for a default-constructed runnable or an empty std::function.
  explicit operator bool() const noexcept { return body_ != nullptr; }

  /// The callable (empty when the runnable has the other shape). Each
  /// incarnation invokes a copy of its own, taken when it starts, as if every
  /// start copied the runnable: what the callable captured starts afresh.
  const blocking_fn& blocking_body() const noexcept {
    static const blocking_fn none;
    return body_ ? body_->blocking : none;
  }
  /// The event-based callable (empty when the runnable has the other
  /// shape); invoked as blocking_body() is.
  const event_fn& event_body() const noexcept {
    static const event_fn none;
    return body_ ? body_->event : none;
  }

private:
  struct shape {
    blocking_fn blocking;
    event_fn event;
  };
  void set(shape s) {
    if (s.blocking || s.event)
      body_ = std::make_shared<const shape>(std::move(s));
  }
  // Immutable, shared by all copies: copying a runnable (one copy per
  // registered service, per tree node, per actor until its init) costs a
  // reference count and 16 B, not a copy of the callable and 64 B.
  std::shared_ptr<const shape> body_;
};

/// Children to start together, as (name, runnable) pairs in start order: what
/// run_group() (context.hpp) takes.
using child_list = std::vector<std::pair<std::string, runnable>>;

} // namespace supervise
