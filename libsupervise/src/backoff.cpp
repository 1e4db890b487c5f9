#include "supervise/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "duration_text.hpp"
#include "option_problems.hpp"

namespace supervise {

caf::error backoff_options::validate() const {
  detail::option_problems out;
  // Fields named as in tree_options, the one place a backoff_options goes.
  detail::check(*this, out, "backoff.");
  return out.error("");
}

void detail::check(const backoff_options& x, option_problems& out, const std::string& prefix) {
  out.non_negative(prefix + "initial", x.initial, " (0: restart at once)");
  out.require(x.multiplier >= 1.0 && !std::isinf(x.multiplier), prefix + "multiplier",
              number_text(x.multiplier), "must be a finite number >= 1");
  out.require(x.max_interval >= x.initial, prefix + "max_interval",
              duration_text(x.max_interval), "must be >=", prefix + "initial",
              duration_text(x.initial));
  out.unit_interval(prefix + "jitter", x.jitter);
  out.non_negative(prefix + "min_uptime", x.min_uptime, " (0: healthy resets at once)");
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
