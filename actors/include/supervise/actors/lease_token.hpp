// supervise/actors/lease_token.hpp — what a child started by a node agent
// knows about its own incarnation.
//
// A child placed by a remote_child runs under a lease its node agent renews;
// lease_of(self) gives its epoch (a fencing token: pass it to external
// resources, which should refuse writes carrying an older epoch than one they
// have seen) and whether its lease is still valid. A child about to do
// something that must never overlap with its next incarnation (a write, a
// reply to an outside client) checks valid() first: once the lease lapsed,
// the supervisor side may start another incarnation elsewhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include <caf/actor_clock.hpp>
#include <caf/fwd.hpp>

namespace supervise::actors {

/// The lease of one child of a node agent. Cheap to copy; any thread.
class lease_token {
public:
  /// Made by the node agent: `deadline` is the lease's end on the steady
  /// clock, in ns since its epoch (shared by the children renewed together);
  /// `ended` is set once this child is being stopped. `clock`: the clock of
  /// a simulated node's actor system (it must outlive the token), or nullptr
  /// for the steady clock.
  lease_token(uint64_t epoch, std::shared_ptr<const std::atomic<int64_t>> deadline,
              std::shared_ptr<const std::atomic<bool>> ended,
              const caf::actor_clock* clock = nullptr)
    : epoch_(epoch), deadline_(std::move(deadline)), ended_(std::move(ended)), clock_(clock) {}

  /// The incarnation's epoch: higher than every earlier incarnation's.
  uint64_t epoch() const noexcept { return epoch_; }

  /// True while the lease holds (two atomic loads and a clock read).
  bool valid() const noexcept {
    if (ended_->load(std::memory_order_acquire))
      return false;
    auto now = clock_ ? steady_ns(clock_->now()) : steady_ns(std::chrono::steady_clock::now());
    return now < deadline_->load(std::memory_order_acquire);
  }

private:
  static int64_t steady_ns(std::chrono::steady_clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

  uint64_t epoch_;
  std::shared_ptr<const std::atomic<int64_t>> deadline_;
  std::shared_ptr<const std::atomic<bool>> ended_;
  const caf::actor_clock* clock_;
};

/// The lease of the actor `self` when a node agent of this process started it
/// and it runs; std::nullopt otherwise. Any thread.
std::optional<lease_token> lease_of(const caf::abstract_actor* self);

} // namespace supervise::actors
