// supervise/log.hpp — DN-named loggers and the pluggable sink behind them.
//
// Every node has a logger named by its distinguished name ("root.net.dhcp").
// Lines go to a `log_sink`: by default stderr as "LEVEL dn: message". A sink
// is called from any thread (runnable threads, CAF workers) and must be
// thread-safe; a sink that throws has its exception swallowed and counted.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace supervise {

enum class log_level { debug, info, warning, error };

/// "DEBUG", "INFO", "WARN", "ERROR".
const char* to_string(log_level x) noexcept;

using log_sink = std::function<void(log_level, std::string_view dn, std::string_view msg)>;

/// The default sink: one locked line per call on stderr.
log_sink stderr_sink();

/// A named logger; cheap to copy, usable from any thread.
class logger {
public:
  logger(std::string dn, std::shared_ptr<const log_sink> sink)
    : dn_(std::move(dn)), sink_(std::move(sink)) {}

  const std::string& dn() const noexcept { return dn_; }

  void log(log_level lvl, std::string_view msg) const;

  template <class... Ts>
  void info(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::info, fmt::format(f, std::forward<Ts>(xs)...));
  }
  template <class... Ts>
  void warning(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::warning, fmt::format(f, std::forward<Ts>(xs)...));
  }
  template <class... Ts>
  void error(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::error, fmt::format(f, std::forward<Ts>(xs)...));
  }
  template <class... Ts>
  void debug(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::debug, fmt::format(f, std::forward<Ts>(xs)...));
  }

private:
  std::string dn_;
  std::shared_ptr<const log_sink> sink_;
};

} // namespace supervise
