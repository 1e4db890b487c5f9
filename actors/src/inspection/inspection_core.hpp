// inspection/inspection_core.hpp (private) — what an inspection's observer
// and its server actor share.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include "inspection/event_ring.hpp"
#include "supervise/actors/inspection.hpp"

namespace supervise::actors::detail {

struct inspection_core {
  explicit inspection_core(inspection_options o) : opts(std::move(o)), ring(opts.buffer) {}

  const inspection_options opts;
  event_ring ring;
  /// Followers of the current server: the observer records only while > 0.
  std::atomic<size_t> followers{0};
  std::atomic<uint64_t> dropped_followers{0};

  /// The DN served: opts.root, else the top of the tree the endpoint runs in.
  std::string root() const {
    std::lock_guard<std::mutex> guard{mtx};
    return root_;
  }
  void set_root(std::string dn) {
    std::lock_guard<std::mutex> guard{mtx};
    root_ = std::move(dn);
  }

private:
  mutable std::mutex mtx;
  std::string root_;
};

/// The served actor: answers the requests of inspection_protocol.hpp.
caf::behavior inspection_server(caf::event_based_actor* self,
                                std::shared_ptr<inspection_core> core);

} // namespace supervise::actors::detail
