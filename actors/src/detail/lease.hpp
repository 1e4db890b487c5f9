// detail/lease.hpp — the fencing rules of supervision across nodes, as pure
// functions: which side may believe a remote child's lease, and from when a
// new incarnation of it may start elsewhere. No actor, no clock: callers
// pass the times, tests pass a table.
//
// The guarantee: at most one incarnation of a child acts at a time, whatever
// the network does (the peer's death, a pause, a partition all look the same
// in CAF 0.17). It comes from the worker side fencing itself:
//  1. The holder (the node running the child) asks for renewals and notes
//     each request's own send time t0. A grant makes its deadline t0 + L. A
//     grant that arrives late (after a pause or a healed partition) yields a
//     deadline already past: it cannot extend the lease.
//  2. The grantor (the supervisor side) notes tg, when it sent its last
//     grant. Every t0 the holder can have used precedes tg (the request was
//     sent, received, then answered), so the holder's deadline falls before
//     tg + L, stretched by the holder's clock running slow (rate drift ρ) to
//     tg + L(1 + ρ). After that instant the holder stops its child, within
//     stop_grace.
//  3. So the grantor starts a new incarnation elsewhere only at
//     tg + L(1 + ρ) + stop_grace, unless the child's own exit arrived first.
//  4. Every incarnation has an epoch, higher than all before it; the holder
//     refuses a start or renewal of an older one, and user code may pass the
//     epoch to external resources as a fencing token.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace supervise::actors::detail {

using lease_clock = std::chrono::steady_clock;
using lease_time = lease_clock::time_point;

/// The terms both sides agree on.
struct lease_terms {
  std::chrono::nanoseconds length = std::chrono::milliseconds(500); ///< L
  double drift = 1e-3;                                  ///< ρ: clock rate error bound
  std::chrono::nanoseconds stop_grace = std::chrono::milliseconds(50); ///< a fenced child's stop
};

/// The holder's view of one lease: renewals it sent, the deadline grants gave.
class holder_lease {
public:
  explicit holder_lease(lease_terms terms) : terms_(terms) {}

  /// Renewal `seq` was sent at `t0` (the holder's own clock).
  void sent(uint64_t seq, lease_time t0) {
    requests_.emplace_back(seq, t0);
    while (requests_.size() > max_outstanding)
      requests_.pop_front(); // the oldest can no longer give a useful deadline
  }

  /// The grant of renewal `seq` arrived: the deadline becomes its t0 + L,
  /// never later than a newer grant made it; returns that t0 (what a
  /// child's own deadline counts from). Unknown (or forgotten) renewals
  /// change nothing and return none.
  std::optional<lease_time> granted(uint64_t seq) {
    for (auto& [s, t0] : requests_)
      if (s == seq) {
        auto d = t0 + terms_.length;
        if (!deadline_ || d > *deadline_)
          deadline_ = d;
        return t0;
      }
    return std::nullopt;
  }

  /// Whether the child may act at `now` (the holder's clock).
  bool valid(lease_time now) const { return deadline_ && now < *deadline_; }

  /// The deadline, if a grant ever arrived.
  std::optional<lease_time> deadline() const { return deadline_; }

private:
  static constexpr size_t max_outstanding = 16;
  lease_terms terms_;
  std::deque<std::pair<uint64_t, lease_time>> requests_;
  std::optional<lease_time> deadline_;
};

/// The grantor's rule: when a lease whose last grant was sent at `tg` has
/// surely lapsed and its child stopped (see the top of this file).
inline lease_time safe_failover_at(lease_time tg, const lease_terms& terms) {
  // Rounded up: the failover may come a nanosecond late, never early.
  auto stretched = std::chrono::ceil<std::chrono::nanoseconds>(
    std::chrono::duration<double, std::nano>(terms.length) * (1.0 + terms.drift));
  return tg + stretched + terms.stop_grace;
}

/// Epochs of one child key at the holder: a start must bring a higher epoch
/// than any seen, a renewal the current one.
class epoch_fence {
public:
  /// Admits a start of `epoch` (and makes it current) when it is newer than
  /// every epoch seen.
  bool admit_start(uint64_t epoch) {
    if (epoch <= highest_)
      return false;
    highest_ = epoch;
    return true;
  }
  /// Admits a renewal for `epoch` only while it is the current one.
  bool admit_renewal(uint64_t epoch) const { return epoch != 0 && epoch == highest_; }
  /// The highest epoch seen (0: none).
  uint64_t highest() const { return highest_; }

private:
  uint64_t highest_ = 0;
};

} // namespace supervise::actors::detail
