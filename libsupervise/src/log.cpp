#include "supervise/log.hpp"

#include <cstdio>
#include <mutex>

namespace supervise {

const char* to_string(log_level x) noexcept {
  switch (x) {
    case log_level::debug: return "DEBUG";
    case log_level::info: return "INFO";
    case log_level::warning: return "WARN";
    case log_level::error: return "ERROR";
  }
  return "?";
}

log_sink stderr_sink() {
  auto mtx = std::make_shared<std::mutex>();
  return [mtx](log_level lvl, std::string_view dn, std::string_view msg) {
    auto line = fmt::format("{:<5} {}: {}\n", to_string(lvl), dn, msg);
    std::lock_guard<std::mutex> guard{*mtx};
    std::fwrite(line.data(), 1, line.size(), stderr);
  };
}

void logger::log(log_level lvl, std::string_view msg) const {
  if (!sink_ || !*sink_)
    return;
  try {
    (*sink_)(lvl, dn_, msg);
  } catch (...) {
    // A throwing sink must not take a runnable or the engine down.
  }
}

} // namespace supervise
