// simulation/shrinking.cpp — see shrinking.hpp.
#include "simulation/shrinking.hpp"

#include <algorithm>

namespace supervise::simulation::detail {

namespace {

class shrinker {
public:
  shrinker(const tree_factory& tree, const options& opts, const run_result& failing)
    : tree_(tree), opts_(opts), invariant_(failing.broken->invariant),
      seed_(failing.seed), best_{failing.faults, failing.broken} {}

  shrunk_run run() {
    // Nothing after the violation played a part in it.
    auto at = best_.broken->at;
    schedule upto;
    for (auto& f : best_.faults)
      if (f.at <= at)
        upto.push_back(f);
    if (upto.size() < best_.faults.size())
      try_keep(std::move(upto));
    fewer();
    earlier();
    fewer_targets();
    return best_;
  }

private:
  // Replays `s`; keeps it when it breaks the same invariant.
  bool try_keep(schedule s) {
    if (runs_ >= opts_.shrink_runs)
      return false;
    ++runs_;
    auto r = replay(tree_, opts_, s, seed_);
    if (!r.broken || r.broken->invariant != invariant_)
      return false;
    best_ = {std::move(s), r.broken};
    return true;
  }

  void fewer() {
    for (size_t chunk = std::max<size_t>(best_.faults.size() / 2, 1); chunk >= 1; chunk /= 2) {
      for (size_t i = 0; i < best_.faults.size();) {
        auto s = best_.faults;
        s.erase(s.begin() + i, s.begin() + std::min(i + chunk, s.size()));
        if (!try_keep(std::move(s)))
          i += chunk;
      }
      if (chunk == 1)
        break;
    }
  }

  void earlier() {
    for (size_t i = 0; i < best_.faults.size(); ++i) {
      auto lo = i == 0 ? caf::timespan{0} : best_.faults[i - 1].at;
      auto hi = best_.faults[i].at;
      // Bisect for the earliest time that still fails (a few steps).
      for (int k = 0; k < 12 && hi - lo > std::chrono::milliseconds(1); ++k) {
        auto mid = lo + (hi - lo) / 2;
        auto s = best_.faults;
        s[i].at = k == 0 ? lo : mid;
        if (try_keep(std::move(s))) {
          hi = best_.faults[i].at;
          if (k == 0)
            break;
        } else if (k > 0) {
          lo = mid;
        }
      }
    }
  }

  void fewer_targets() {
    std::vector<std::string> targets;
    for (auto& f : best_.faults)
      if (!f.target.empty() && std::find(targets.begin(), targets.end(), f.target) == targets.end())
        targets.push_back(f.target);
    for (auto& from : targets)
      for (auto& to : targets) {
        if (from == to)
          continue;
        auto s = best_.faults;
        bool changed = false;
        for (auto& f : s)
          if (f.target == from) {
            f.target = to;
            changed = true;
          }
        if (changed && try_keep(std::move(s)))
          break;
      }
  }

  const tree_factory& tree_;
  const options& opts_;
  std::string invariant_;
  uint64_t seed_;
  shrunk_run best_;
  size_t runs_ = 0;
};

} // namespace

shrunk_run shrink_schedule(const tree_factory& tree, const options& opts,
                           const run_result& failing) {
  if (!failing.broken)
    return {failing.faults, failing.broken};
  return shrinker{tree, opts, failing}.run();
}

} // namespace supervise::simulation::detail
