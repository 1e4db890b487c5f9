#include "detail/failure_counter.hpp"

#include <cmath>

namespace supervise::detail {

double failure_counter::add(time_point now, std::chrono::nanoseconds half_life) {
  if (!seen_) {
    failures_ = 1;
  } else {
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    auto half = std::chrono::duration<double>(half_life).count();
    // 0.5^x as 2^-x: exp2 is several times cheaper than pow on the restart path.
    failures_ = failures_ * std::exp2(-elapsed / half) + 1;
  }
  seen_ = true;
  last_ = now;
  return failures_;
}

double failure_counter::value_at(time_point now, std::chrono::nanoseconds half_life) const {
  if (!seen_ || failures_ == 0 || now <= last_)
    return failures_;
  auto elapsed = std::chrono::duration<double>(now - last_).count();
  return failures_ * std::exp2(-elapsed / std::chrono::duration<double>(half_life).count());
}

} // namespace supervise::detail
