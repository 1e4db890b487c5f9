#include "supervise/failure_counter.hpp"

#include <cmath>

namespace supervise {

double failure_counter::add(time_point now, std::chrono::nanoseconds half_life) {
  if (!seen_) {
    failures_ = 1;
  } else {
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    auto half = std::chrono::duration<double>(half_life).count();
    failures_ = failures_ * std::pow(0.5, elapsed / half) + 1;
  }
  seen_ = true;
  last_ = now;
  return failures_;
}

} // namespace supervise
