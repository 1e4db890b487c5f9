// engine/events.hpp — the events an engine emits (event.hpp), built only
// when someone listens.
#pragma once

#include <type_traits>
#include <variant>

#include "engine/engine.hpp"

namespace supervise::detail::core {

// The header of an event about `n` (or about the supervisor when n is null).
event_header header(const engine& e, const node* n);

// Delivers one event: to the probe, the observers, then the user's hook
// (observers and hook with the would-deadlock guard set; a throw is logged),
// or the default hook, which logs.
void deliver(engine& e, const event& ev);

// Tells the observers that `dn` entered state `s` (same guard).
void tell_observers(engine& e, const std::string& dn, node_state s);

// The kinds the default hook does not log: starts, healthy, normal stops.
template <class Event>
constexpr bool quiet_by_default = std::is_same_v<Event, child_started>
                                  || std::is_same_v<Event, child_stopped>
                                  || std::is_same_v<Event, child_healthy>;

// Whether anyone wants events of this kind: a user hook, a probe and
// observers want all; the default hook only logs failures, backoff, resume
// and stop timeouts. Checked before an event is built, so a silent path
// costs nothing.
template <class Event>
bool listens(const engine& e) {
  return e.opts.hook || e.opts.probe || e.opts.observers || !quiet_by_default<Event>;
}

// Emits an event of type Event about `n` (null: about the supervisor) if
// anyone listens: built in place in the variant, `fill` sets its own fields.
template <class Event, class Fill>
void emit(engine& e, const node* n, Fill&& fill) {
  if (!listens<Event>(e))
    return;
  event ev{std::in_place_type<Event>};
  auto& x = std::get<Event>(ev);
  static_cast<event_header&>(x) = header(e, n);
  fill(x);
  deliver(e, ev);
}

template <class Event>
void emit(engine& e, const node* n) {
  emit<Event>(e, n, [](Event&) {});
}

} // namespace supervise::detail::core
