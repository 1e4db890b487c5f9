#include "supervise/spec.hpp"

#include <cmath>

#include <fmt/format.h>

#include "supervise/errc.hpp"

namespace supervise {

namespace {

caf::error bad(const char* field, const std::string& value, const char* rule) {
  return make_error(errc::invalid_option, fmt::format("spec.{} = {}: {}", field, value, rule));
}

std::string ns(std::chrono::nanoseconds d) { return fmt::format("{}ns", d.count()); }

} // namespace

caf::error spec::validate() const {
  if (failure_decay.count() <= 0)
    return bad("failure_decay", ns(failure_decay), "must be > 0");
  if (std::isnan(failure_threshold) || failure_threshold <= 0)
    return bad("failure_threshold", fmt::format("{}", failure_threshold),
               "must be > 0 (+inf: never back off)");
  if (failure_backoff.count() < 0)
    return bad("failure_backoff", ns(failure_backoff), "must be >= 0");
  if (std::isnan(backoff_jitter) || backoff_jitter < 0 || backoff_jitter > 1)
    return bad("backoff_jitter", fmt::format("{}", backoff_jitter), "must be in [0, 1]");
  if (timeout.count() < 0)
    return bad("timeout", ns(timeout), "must be >= 0");
  return {};
}

} // namespace supervise
