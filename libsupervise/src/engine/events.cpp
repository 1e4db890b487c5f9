// engine/events.cpp — event headers and delivery.
#include "engine/events.hpp"

#include <string>

namespace supervise::detail {

namespace {

thread_local bool in_hook = false; // this thread runs an event hook now
thread_local const caf::abstract_actor* hook_engine = nullptr; // whose hook

} // namespace

bool inside_hook() noexcept { return in_hook; }

const caf::abstract_actor* engine_in_hook() noexcept { return hook_engine; }

namespace core {

// The header of an event about `n` (or about the supervisor when n is null).
event_header header(const engine& e, const node* n) {
  event_header h;
  if (n == nullptr) // a supervisor-level event
    h.supervisor = e.root->dn;
  else if (n->parent != nullptr)
    h.supervisor = n->parent->dn;
  // else: a tree's root node, which has no supervisor node above it
  h.child = n ? std::string_view{n->dn} : std::string_view{};
  h.failures = e.is_supervisor() ? e.counters.failures.value() : 0.0;
  h.threshold = e.threshold();
  return h;
}

namespace {

// Runs `f` (a hook or an observer) with the would-deadlock guard set; a
// throw is logged, and the engine goes on.
template <class F>
void guarded(engine& e, const char* what, F&& f) {
  in_hook = true;
  hook_engine = e.self;
  try {
    f();
  } catch (const std::exception& x) {
    logger{"supervisor", e.opts.sink}.error("{} threw: {}", what, x.what());
  } catch (...) {
    logger{"supervisor", e.opts.sink}.error("{} threw a non-standard exception", what);
  }
  in_hook = false;
  hook_engine = nullptr;
}

bool is_quiet_by_default(const event& ev) {
  return std::visit([](const auto& x) { return core::quiet_by_default<std::decay_t<decltype(x)>>; },
                    ev);
}

} // namespace

void deliver(engine& e, const event& ev) {
  if (e.opts.probe)
    e.opts.probe->observe(ev);
  if (e.opts.observers)
    for (auto& o : *e.opts.observers)
      guarded(e, "observer", [&] { o->on_event(ev); });
  if (!e.opts.hook) {
    // Built for the probe or the observers only: the default hook does not
    // log these.
    if (is_quiet_by_default(ev))
      return;
    // The default hook: one line at the supervisor's DN (a tree's root node
    // has none: its own DN).
    auto& h = header_of(ev);
    auto dn = h.supervisor.empty() ? h.child : h.supervisor;
    logger{std::string{dn}, e.opts.sink}.log(level_of(ev), message_of(ev));
    return;
  }
  guarded(e, "event hook", [&] { (*e.opts.hook)(ev); });
}

void tell_observers(engine& e, const std::string& dn, node_state s) {
  for (auto& o : *e.opts.observers)
    guarded(e, "observer", [&] { o->on_state(dn, s); });
}

} // namespace core

} // namespace supervise::detail
