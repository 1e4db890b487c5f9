#include "supervise/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "supervise/errc.hpp"

namespace supervise {

caf::error backoff_options::validate() const {
  // Each message names the field and the bad value.
  auto bad = [](std::string what) { return make_error(errc::invalid_option, std::move(what)); };
  auto ns = [](std::chrono::nanoseconds d) { return std::to_string(d.count()) + "ns"; };
  if (initial.count() < 0)
    return bad("backoff.initial = " + ns(initial) + ": must be >= 0 (0: restart at once)");
  if (!(multiplier >= 1.0) || std::isinf(multiplier))
    return bad("backoff.multiplier = " + std::to_string(multiplier)
               + ": must be a finite number >= 1");
  if (max_interval < initial)
    return bad("backoff.max_interval = " + ns(max_interval) + ": must be >= backoff.initial = "
               + ns(initial));
  if (!(jitter >= 0.0 && jitter <= 1.0))
    return bad("backoff.jitter = " + std::to_string(jitter) + ": must be in [0, 1]");
  return {};
}

std::chrono::nanoseconds backoff::next(double uniform01) {
  // Jitter around the current base: [base*(1-r), base*(1+r)).
  auto base = static_cast<double>(base_.count());
  auto lo = base * (1.0 - opts_.jitter);
  auto span = base * 2.0 * opts_.jitter;
  auto delay = std::chrono::nanoseconds{static_cast<int64_t>(lo + span * uniform01)};
  // Advance the base, capped (the cap applies to the base, not the jitter).
  auto grown = base * opts_.multiplier;
  auto cap = static_cast<double>(opts_.max_interval.count());
  base_ = std::chrono::nanoseconds{static_cast<int64_t>(std::min(grown, cap))};
  return delay;
}

} // namespace supervise
