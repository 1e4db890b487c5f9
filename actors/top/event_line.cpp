// event_line.cpp — time stamps and event lines.
#include "event_line.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace supervise::top {

std::string clock_text(int64_t unix_ms) {
  auto secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&secs, &local);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", local.tm_hour, local.tm_min, local.tm_sec,
                     static_cast<int>(unix_ms % 1000));
}

std::string clock_text_now() {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  return clock_text(static_cast<int64_t>(ms));
}

const std::string& event_dn(const inspection_event& ev) {
  return ev.dn.empty() ? ev.supervisor : ev.dn;
}

std::string event_line(const inspection_event& ev) {
  auto& text = ev.text.empty() ? ev.state : ev.text;
  return fmt::format("{} {} {} {}", clock_text(ev.unix_ms), ev.kind, event_dn(ev), text);
}

} // namespace supervise::top
