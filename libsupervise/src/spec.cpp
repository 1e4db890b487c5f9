#include "supervise/spec.hpp"

#include <cmath>

#include "duration_text.hpp"
#include "option_problems.hpp"
#include "supervise/child_spec.hpp"

namespace supervise {

caf::error spec::validate() const {
  detail::option_problems out;
  detail::check(*this, out);
  return out.error("spec");
}

namespace detail {

void check(const spec& x, option_problems& out) {
  out.positive("failure_decay", x.failure_decay);
  out.require(!std::isnan(x.failure_threshold) && x.failure_threshold > 0, "failure_threshold",
              number_text(x.failure_threshold), "must be > 0 (+inf: never back off)");
  out.non_negative("failure_backoff", x.failure_backoff, " (0: resume at once)");
  out.unit_interval("backoff_jitter", x.backoff_jitter);
  // Named as the caller wrote it: the deprecated name when assigned there.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  bool old_name = x.timeout.assigned();
#pragma GCC diagnostic pop
  out.non_negative(old_name ? "timeout" : "stop_timeout", x.effective_stop_timeout(),
                   " (0: kill at once)");
  if (x.restart_intensity)
    out.positive("restart_intensity.period", x.restart_intensity->period);
  check_observers(x.observers, out);
}

void check_observers(const observer_list& xs, option_problems& out) {
  for (size_t i = 0; i < xs.size(); ++i)
    out.require(xs[i] != nullptr, "observers[" + std::to_string(i) + "]", "null",
                "must be an observer");
}

} // namespace detail

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
