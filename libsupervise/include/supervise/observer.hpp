// supervise/observer.hpp — one object that sees a whole tree: every event
// and every state change of every engine below where it is attached.
//
// Attach observers once, at the top: tree_options::observers for a tree,
// spec::observers for a standalone supervisor. Every supervisor hosted
// below (nested at any depth) reports to them as well, besides its own
// spec::observers; an observer listed at two levels is called once. Unlike
// on_event, observers do not replace the default (logging) hook: a tree
// with observers still logs its failures.
//
//   auto m = std::make_shared<supervise::metrics>();   // metrics.hpp
//   supervise::tree_options opts;
//   opts.observers = {m};
//   supervise::tree t{sys, root, opts};   // nested supervisors included
//
// Threads: calls come from engine actors, one at a time per engine, but
// engines run in parallel: an observer shared by nested supervisors is
// called concurrently and must be thread-safe. It must not block; blocking
// supervisor calls made from inside one return errc::would_deadlock, as from
// an event hook. An exception from an observer is caught and logged; the
// engine keeps running.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "supervise/event.hpp"
#include "supervise/node_state.hpp"

namespace supervise {

/// Sees every event and state change of the tree it is attached to (see the
/// top of this file). Both members do nothing unless overridden.
class observer {
public:
  virtual ~observer();

  /// One event (event.hpp): every kind, starts and normal stops included.
  /// The event's string views are valid during the call only.
  virtual void on_event(const event& ev);

  /// `dn` entered state `s` (what on_state hooks get).
  virtual void on_state(const std::string& dn, node_state s);
};

/// What tree_options::observers and spec::observers hold.
using observer_list = std::vector<std::shared_ptr<observer>>;

} // namespace supervise
