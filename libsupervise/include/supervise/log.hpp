// supervise/log.hpp — DN-named loggers and the pluggable sink behind them.
//
// Every node has a logger named by its distinguished name ("root.net.dhcp").
// Lines go to a `log_sink`: by default stderr as "LEVEL dn: message". A sink
// is called from any thread (runnable threads, CAF workers) and must be
// thread-safe; a sink that throws has its exception swallowed (the line is lost).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace supervise {

/// Severity of a log line, lowest first.
enum class log_level { debug, info, warning, error };

/// "DEBUG", "INFO", "WARN", "ERROR".
const char* to_string(log_level x) noexcept;

/// Receives every line: its level, the logger's DN and the message. Called
/// from any thread; must be thread-safe.
using log_sink = std::function<void(log_level, std::string_view dn, std::string_view msg)>;

/// The default sink: one locked line per call on stderr.
log_sink stderr_sink();

/// A named logger; cheap to copy, usable from any thread.
class logger {
public:
  /// Writes as `dn` to `*sink`; a null sink or an empty function drops
  /// every line.
  logger(std::string dn, std::shared_ptr<const log_sink> sink)
    : dn_(std::move(dn)), sink_(std::move(sink)) {}

  /// The DN the lines are written under.
  const std::string& dn() const noexcept { return dn_; }

  /// Hands one line to the sink; an exception from the sink is swallowed.
  void log(log_level lvl, std::string_view msg) const;

  /// Formats with fmt (the format string is checked at compile time) and
  /// logs the line at INFO.
  template <class... Ts>
  void info(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::info, fmt::format(f, std::forward<Ts>(xs)...));
  }
  /// As info(), at WARN.
  template <class... Ts>
  void warning(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::warning, fmt::format(f, std::forward<Ts>(xs)...));
  }
  /// As info(), at ERROR.
  template <class... Ts>
  void error(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::error, fmt::format(f, std::forward<Ts>(xs)...));
  }
  /// As info(), at DEBUG.
  template <class... Ts>
  void debug(fmt::format_string<Ts...> f, Ts&&... xs) const {
    log(log_level::debug, fmt::format(f, std::forward<Ts>(xs)...));
  }

private:
  std::string dn_;
  std::shared_ptr<const log_sink> sink_;
};

} // namespace supervise
