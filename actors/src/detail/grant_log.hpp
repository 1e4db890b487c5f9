// detail/grant_log.hpp — the set of epochs a lease desk holds current on one
// node, as numbered changes, and the node agent's copy of it. A renewal then
// costs what changed since the agent's last grant, not the number of
// children: an idle node of 10,000 children renews with a few bytes.
//
// The desk numbers every change of the set (an epoch held, an epoch let go)
// with a generation. An agent's renewal names the generation its copy is at;
// the grant carries the changes from there to the desk's current generation
// (each changed epoch's final state only), or the whole set when the desk no
// longer has the changes from that far back. The agent applies a grant only
// when its copy lies within the grant's range; only an applied grant renews
// the leases, so no grant renews an epoch the desk has let go of. Pure: no
// actor, no clock; tests drive both sides with tables.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <unordered_set>
#include <vector>

namespace supervise::actors::detail {

/// What a grant says about the set: at generation `to` it is the agent's copy
/// at generation `from` with `added` and without `removed`, or (full) exactly
/// `added`.
struct grant_delta {
  uint64_t from = 0;
  uint64_t to = 0;
  bool full = false;
  std::vector<uint64_t> added;
  std::vector<uint64_t> removed;
};

/// The desk's side: the set of one node, a `T` kept per epoch, and the
/// set's recent changes.
template <class T>
class grant_log {
public:
  /// The current generation (0: no change yet).
  uint64_t generation() const noexcept { return gen_; }

  /// Holds `epoch` current (a placement on this node), with `value`.
  void add(uint64_t epoch, T value) {
    current_.insert_or_assign(epoch, entry{++gen_, std::move(value)});
    record({gen_, epoch, true});
  }

  /// Lets `epoch` go (its stub released it): no later grant renews it.
  void remove(uint64_t epoch) {
    if (current_.erase(epoch) == 0)
      return;
    record({++gen_, epoch, false});
  }

  /// The value of `epoch` while it is held, else nullptr.
  T* find(uint64_t epoch) {
    auto i = current_.find(epoch);
    return i == current_.end() ? nullptr : &i->second.value;
  }

  /// Whether a grant carrying `epoch` went out: until then its agent cannot
  /// have started it.
  bool sent(uint64_t epoch) const {
    auto i = current_.find(epoch);
    return i != current_.end() && i->second.gen <= sent_;
  }

  /// The grant answering a renewal whose agent copy is at `known`. Changes
  /// up to `known` are dropped: renewals arrive in order, a later one never
  /// names an older generation.
  grant_delta grant(uint64_t known) {
    grant_delta d;
    d.to = gen_;
    sent_ = gen_;
    if (known > gen_ || known < base_) { // a copy this log cannot update
      d.full = true;
      for (auto& [epoch, e] : current_)
        d.added.push_back(epoch);
      return d;
    }
    d.from = known;
    while (!changes_.empty() && changes_.front().gen <= known)
      changes_.pop_front();
    base_ = known;
    std::map<uint64_t, bool> last; // each changed epoch's final state
    for (auto& c : changes_)
      last[c.epoch] = c.added;
    for (auto& [epoch, added] : last)
      (added ? d.added : d.removed).push_back(epoch);
    return d;
  }

private:
  struct entry {
    uint64_t gen; // when it was added
    T value;
  };
  struct change {
    uint64_t gen;
    uint64_t epoch;
    bool added;
  };

  // Keeps `c`; a history longer than the set itself (no renewal came to
  // trim it: a node that never connected) is dropped, and an older copy
  // then gets the whole set.
  void record(change c) {
    changes_.push_back(c);
    if (changes_.size() > max_history + 2 * current_.size()) {
      changes_.clear();
      base_ = gen_;
    }
  }

  static constexpr size_t max_history = 64;
  uint64_t gen_ = 0;
  uint64_t base_ = 0; // changes after this generation are all kept
  uint64_t sent_ = 0; // the generation of the last grant
  std::map<uint64_t, entry> current_;
  std::deque<change> changes_;
};

/// The agent's side: its copy of one desk's set.
class grant_copy {
public:
  /// Applies `d` when this copy lies within its range; returns whether it
  /// did (only then may the grant renew leases). `dropped` receives the
  /// epochs the copy had and no longer has.
  bool apply(const grant_delta& d, std::vector<uint64_t>& dropped) {
    if (d.full) {
      if (d.to < gen_)
        return false; // older than the copy: it would bring back what was let go
      std::unordered_set<uint64_t> next(d.added.begin(), d.added.end());
      for (auto e : epochs_)
        if (next.count(e) == 0)
          dropped.push_back(e);
      epochs_ = std::move(next);
      gen_ = d.to;
      return true;
    }
    if (gen_ < d.from || gen_ > d.to)
      return false; // an older grant, overtaken (or a gap): changes nothing
    for (auto e : d.added)
      epochs_.insert(e);
    for (auto e : d.removed)
      if (epochs_.erase(e) > 0)
        dropped.push_back(e);
    gen_ = d.to;
    return true;
  }

  /// The generation the copy is at: what the next renewal names.
  uint64_t generation() const noexcept { return gen_; }

  bool contains(uint64_t epoch) const { return epochs_.count(epoch) > 0; }

private:
  uint64_t gen_ = 0;
  std::unordered_set<uint64_t> epochs_;
};

} // namespace supervise::actors::detail
