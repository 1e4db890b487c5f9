// detail/placement.hpp — which node a remote child starts on, as one pure
// function of the candidates' state: no actor, no clock; tests pass a table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "supervise/actors/remote_child.hpp"

namespace supervise::actors::detail {

/// What placement knows of one candidate node.
struct candidate_state {
  bool tried = false;          ///< this placement failed on it already: never again
  bool quarantined = false;    ///< it failed recently: only if nothing else is left
  uint64_t load = 0;           ///< children its agent last reported
  uint64_t group_members = 0;  ///< children of the same spread group on it
};

/// The index of the candidate to start on, or none when every candidate was
/// tried. `turn`: where round_robin starts looking (modulo the count): the
/// index after the candidate the last start took.
/// Candidates are in priority order; ties go to the earlier one.
inline std::optional<size_t> choose_node(placement policy, const std::vector<candidate_state>& c,
                                         uint64_t turn) {
  auto n = c.size();
  if (n == 0)
    return std::nullopt;
  // pinned: the first candidate or none, quarantined or not.
  if (policy == placement::pinned)
    return c[0].tried ? std::nullopt : std::optional<size_t>{0};
  // The pool: candidates not tried and not quarantined; when that is empty,
  // the quarantined ones too (a retry beats giving up; backoff paces it).
  bool any_fresh = false;
  for (auto& x : c)
    any_fresh = any_fresh || (!x.tried && !x.quarantined);
  auto in_pool = [&](size_t i) { return !c[i].tried && (!any_fresh || !c[i].quarantined); };
  std::optional<size_t> best;
  // Whether candidate i beats the best so far under the policy.
  auto better = [&](size_t i) {
    if (!best)
      return true;
    auto& a = c[i];
    auto& b = c[*best];
    switch (policy) {
      case placement::least_loaded: return a.load < b.load;
      case placement::spread:
        return a.group_members < b.group_members
               || (a.group_members == b.group_members && a.load < b.load);
      default: return false; // priority: the first in the pool wins
    }
  };
  // round_robin walks the candidates from this turn's start; the others from 0.
  size_t first = policy == placement::round_robin ? static_cast<size_t>(turn % n) : 0;
  for (size_t k = 0; k < n; ++k) {
    auto i = (first + k) % n;
    if (in_pool(i) && better(i))
      best = i;
  }
  return best;
}

} // namespace supervise::actors::detail
