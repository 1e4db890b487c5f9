// engine/events.cpp — event headers and delivery.
#include "engine/events.hpp"

#include <string>

namespace supervise::detail {

namespace {

thread_local bool in_hook = false; // this thread runs an event hook now

} // namespace

bool inside_hook() noexcept { return in_hook; }

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

void deliver(engine& e, const event& ev) {
  if (e.opts.probe) {
    e.opts.probe->observe(ev);
    // Built for the probe only: the default hook does not log these.
    if (!e.opts.hook
        && (std::holds_alternative<child_started>(ev) || std::holds_alternative<child_stopped>(ev)
            || std::holds_alternative<child_healthy>(ev)))
      return;
  }
  if (!e.opts.hook) {
    // The default hook: one line at the supervisor's DN (a tree's root node
    // has none: its own DN).
    auto& h = header_of(ev);
    auto dn = h.supervisor.empty() ? h.child : h.supervisor;
    logger{std::string{dn}, e.opts.sink}.log(level_of(ev), message_of(ev));
    return;
  }
  in_hook = true;
  try {
    (*e.opts.hook)(ev);
  } catch (const std::exception& x) {
    logger{"supervisor", e.opts.sink}.error("event hook threw: {}", x.what());
  } catch (...) {
    logger{"supervisor", e.opts.sink}.error("event hook threw a non-standard exception");
  }
  in_hook = false;
}

} // namespace core

} // namespace supervise::detail
