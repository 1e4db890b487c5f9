// engine.hpp (private) — spawns the supervision engine actor of a tree.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include "supervise/tree.hpp"

namespace supervise::detail {

/// What the engine shares with its `tree` handle: the final error.
struct tree_shared {
  std::mutex mtx;
  std::condition_variable cv;
  bool finished = false;
  caf::error final_error;
  std::vector<std::string> unstopped;

  void finish(caf::error err, std::vector<std::string> hung = {}) {
    std::lock_guard<std::mutex> guard{mtx};
    if (finished)
      return;
    finished = true;
    final_error = std::move(err);
    unstopped = std::move(hung);
    cv.notify_all();
  }
};

caf::actor spawn_engine(caf::actor_system& sys, runnable root, tree_options opts,
                        std::shared_ptr<tree_shared> shared);

} // namespace supervise::detail
