// engine/spawn.hpp (private) — spawns the supervision engine, in its three roles:
// the actor of a tree, of a standalone supervisor, or a supervisor hosted as
// a runnable inside another engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "supervise/child_info.hpp"
#include "supervise/fwd.hpp" // context, tree_options: complete where used (engine.cpp, tree.cpp)
#include "supervise/runnable.hpp"

namespace supervise::detail {

struct supervisor_shared;

/// How long a killed event-based child may take to go before its engine
/// gives up on it. A kill is handled as soon as a worker reaches the child's
/// mailbox: one still running after this blocks its worker (a handler that
/// never returns), and waiting longer would stretch every stop bound. A stop
/// takes at most its stop timeout plus this (shutdown.cpp; the simulation's
/// stop_bound invariant).
constexpr std::chrono::milliseconds kill_grace{50};

/// What a tree's engine shares with its `tree` handle: the end result.
struct tree_shared {
  std::mutex mtx;
  std::condition_variable cv;
  bool finished = false;
  caf::error final_error;
  std::vector<std::string> unstopped;

  void finish(caf::error err, const std::vector<unstopped_child>& hung) {
    std::lock_guard<std::mutex> guard{mtx};
    if (finished)
      return;
    finished = true;
    final_error = std::move(err);
    for (auto& h : hung)
      unstopped.push_back(h.dn);
    cv.notify_all();
  }
};

class engine_probe;

/// What only a simulation sets on a tree: the probe its engines call, and
/// the name of the top node (a hosted supervisor's own name).
struct tree_extras {
  std::shared_ptr<engine_probe> probe;
  std::string root_name = "root";
};

caf::actor spawn_tree_engine(caf::actor_system& sys, runnable root, tree_options opts,
                             std::shared_ptr<tree_shared> shared, tree_extras extras = {});

/// A standalone run of a supervisor (start()).
caf::actor spawn_supervisor_engine(caf::actor_system& sys,
                                   std::shared_ptr<supervisor_shared> shared);

/// A hosted run: the body of supervisor::as_runnable().
caf::behavior host_supervisor(caf::event_based_actor* self, context& ctx,
                              std::shared_ptr<supervisor_shared> shared);

/// True on a thread that is running an event hook or an observer (blocking
/// calls refuse).
bool inside_hook() noexcept;

/// The actor of the engine whose hook or observer this thread runs now;
/// null outside hooks.
const caf::abstract_actor* engine_in_hook() noexcept;

} // namespace supervise::detail
