#include "supervise/event.hpp"

#include <fmt/format.h>

#include "supervise/errc.hpp"

namespace supervise {

namespace {

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The counter part of a failure line: "(2.00 failures of 5.00, restarting)".
std::string counter_text(const event_header& h, const char* verdict) {
  if (h.threshold == 0)
    return fmt::format("({})", verdict); // a tree node: no failure counter
  return fmt::format("({:.2f} failures of {:.2f}, {})", h.failures, h.threshold, verdict);
}

struct describe {
  std::string operator()(const child_started& x) const {
    return fmt::format("child {} started (incarnation {})", x.child, x.incarnation);
  }
  std::string operator()(const child_stopped& x) const {
    return fmt::format("child {} stopped: {}{}{}", x.child, to_string(x.state),
                       x.removed ? ", removed" : "",
                       x.reason ? " (" + render(x.reason) + ")" : std::string{});
  }
  std::string operator()(const child_failed& x) const {
    auto next = x.restarting        ? "restarting"
                : x.held_by_backoff ? "restart held by backoff"
                                    : "not restarted";
    return fmt::format("child {} failed {}: {}", x.child, counter_text(x, next), render(x.reason));
  }
  std::string operator()(const backoff_entered& x) const {
    return fmt::format("entering backoff for {:.1f} ms {}", ms(x.delay),
                       counter_text(x, "restarts paused"));
  }
  std::string operator()(const backoff_resumed&) const { return "exiting backoff"; }
  std::string operator()(const stop_timed_out& x) const {
    return fmt::format("child {} failed to stop within {:.1f} ms", x.child, ms(x.timeout));
  }
  std::string operator()(const child_healthy& x) const {
    return fmt::format("child {} healthy (incarnation {})", x.child, x.incarnation);
  }
  std::string operator()(const supervisor_gave_up& x) const {
    return fmt::format("giving up: more than {} restarts within {:.1f} ms, the last {} failed: {}",
                       x.max_restarts, ms(x.period), x.child, render(x.reason));
  }
};

} // namespace

const event_header& header_of(const event& e) noexcept {
  return std::visit([](auto& x) -> const event_header& { return x; }, e);
}

log_level level_of(const event& e) noexcept {
  switch (e.index()) {
    case 0: return log_level::debug;   // child_started
    case 1: return log_level::debug;   // child_stopped
    case 2: return log_level::error;   // child_failed
    case 3: return log_level::warning; // backoff_entered
    case 4: return log_level::info;    // backoff_resumed
    case 5: return log_level::warning; // stop_timed_out
    case 6: return log_level::debug;   // child_healthy
    default: return log_level::error;  // supervisor_gave_up
  }
}

std::string message_of(const event& e) { return std::visit(describe{}, e); }

std::string to_string(const event& e) {
  auto& h = header_of(e);
  if (h.supervisor.empty())
    return message_of(e);
  return fmt::format("{}: {}", h.supervisor, message_of(e));
}

} // namespace supervise
