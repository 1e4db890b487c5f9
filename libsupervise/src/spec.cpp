#include "supervise/spec.hpp"

#include <cmath>

#include <fmt/format.h>

#include "supervise/child_spec.hpp"
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
  if (restart_intensity && restart_intensity->period.count() <= 0)
    return bad("restart_intensity.period", ns(restart_intensity->period), "must be > 0");
  return {};
}

const char* to_string(strategy x) noexcept {
  switch (x) {
    case strategy::one_for_one: return "one_for_one";
    case strategy::one_for_all: return "one_for_all";
    case strategy::rest_for_one: return "rest_for_one";
    case strategy::simple_one_for_one: return "simple_one_for_one";
  }
  return "?";
}

const char* to_string(auto_shutdown x) noexcept {
  switch (x) {
    case auto_shutdown::never: return "never";
    case auto_shutdown::any_significant: return "any_significant";
    case auto_shutdown::all_significant: return "all_significant";
  }
  return "?";
}

const char* to_string(restart_type x) noexcept {
  switch (x) {
    case restart_type::permanent: return "permanent";
    case restart_type::transient: return "transient";
    case restart_type::temporary: return "temporary";
  }
  return "?";
}

const char* to_string(child_type x) noexcept {
  switch (x) {
    case child_type::worker: return "worker";
    case child_type::supervisor: return "supervisor";
  }
  return "?";
}

} // namespace supervise
