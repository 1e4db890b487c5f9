// simulation/fault_source.cpp — fault times and kinds drawn from a seed, or a
// given schedule.
#include <algorithm>
#include <cmath>

#include "simulation/world.hpp"

#include <caf/sec.hpp>

#include "supervise/errc.hpp"

namespace supervise::simulation::detail {

namespace {

// A uniform sample in [0, 1) from 53 bits: the same on every platform.
double unit(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }

} // namespace

caf::error exit_reason_of(fault_kind k) {
  switch (k) {
    case fault_kind::throw_exception: return make_error(errc::runnable_threw, "simulated exception");
    case fault_kind::return_normally: return caf::error{};
    case fault_kind::do_not_restart: return make_error(errc::do_not_restart);
    case fault_kind::terminate_tree: return make_error(errc::terminate_tree);
    default: return caf::make_error(caf::sec::runtime_error, "simulated failure");
  }
}

fault_source::fault_source(const options& opts, uint64_t seed) : targets_(seed_mix(seed ^ 0x7a)) {
  draws_ = true;
  std::mt19937_64 g{seed_mix(seed)};
  auto mix = opts.mix.empty() ? default_mix() : opts.mix;
  if (opts.mix.empty() && opts.environment) // its nodes' faults too
    for (auto& [k, w] : mix)
      if (is_node_fault(k))
        w = 1;
  double total = 0;
  for (auto& [k, w] : mix)
    total += w;
  caf::timespan at{0};
  auto mean = static_cast<double>(opts.mean_gap.count());
  for (size_t i = 0; i < opts.faults; ++i) {
    // Whole milliseconds: a timeline reads "t=1.5s", not "t=1.500967659s".
    auto gap = static_cast<int64_t>(-mean * std::log1p(-unit(g)) / 1e6 + 0.5);
    at += std::chrono::milliseconds(std::max<int64_t>(gap, 1));
    auto pick = unit(g) * total;
    auto kind = fault_kind::fail;
    for (auto& [k, w] : mix) {
      if (w <= 0)
        continue;
      kind = k; // the last with a weight, should rounding leave `pick` over
      if (pick < w)
        break;
      pick -= w;
    }
    faults_.push_back(fault{at, kind, {}});
  }
}

fault_source::fault_source(schedule faults) : faults_(std::move(faults)) {}

std::optional<caf::timespan> fault_source::next_at() const {
  if (next_ == faults_.size())
    return std::nullopt;
  return faults_[next_].at;
}

fault fault_source::take() { return faults_[next_++]; }

size_t fault_source::target(size_t n) { return targets_() % n; }

} // namespace supervise::simulation::detail
