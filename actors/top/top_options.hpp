// top_options.hpp — supervise-top's command line: what to connect to, how
// to show it, and the parser that turns argv into it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace supervise::top {

/// One inspection endpoint named on the command line as HOST:PORT.
struct endpoint_address {
  std::string host;
  uint16_t port = 0;
  /// "host:port" as shown in headers and messages.
  std::string text() const;
};

/// What --once prints.
enum class once_format { text, json, dot };

/// Everything the command line says.
struct top_options {
  std::vector<endpoint_address> endpoints;
  /// --interval MS: a snapshot of each endpoint this often (live view).
  std::chrono::milliseconds interval{500};
  /// --filter PATTERN: show only nodes whose DN matches, and their ancestors.
  std::string filter;
  /// --once: one snapshot of each endpoint, printed, then exit.
  bool once = false;
  once_format format = once_format::text;
  /// --tls-cert, --tls-key, --tls-ca: mutual TLS; all three or none.
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca;
  bool tls() const { return !tls_certificate.empty(); }
};

/// "host:port" of every endpoint, in command-line order.
std::vector<std::string> addresses_of(const top_options& opts);

/// What parsing gives: options to run with, or an exit code with what to
/// print first (the help text on stdout for 0, a message on stderr for 2).
struct parse_outcome {
  std::optional<top_options> options;
  int exit_code = 0;
  std::string message;
};

/// Reads argv. Bad input (an unknown option, a missing or bad value, a bad
/// HOST:PORT, an unreadable TLS file, clashing options) gives exit code 2
/// and a message naming the bad value; --help gives 0 and the usage text.
parse_outcome parse_top_options(int argc, const char* const* argv);

/// The usage text printed by --help.
std::string usage_text();

} // namespace supervise::top
