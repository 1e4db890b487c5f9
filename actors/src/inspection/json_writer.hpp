// inspection/json_writer.hpp (private) — writes JSON text straight into a
// string: the snapshots of large trees are written every 100 ms on the
// endpoint's worker, where building a document first (a map per node) cost
// several times more. Strings are escaped and any bytes that are not UTF-8
// become U+FFFD, so every reader can parse the result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace supervise::actors::detail {

class json_writer {
public:
  /// `{` / `}`, `[` / `]`; commas between members and elements are written
  /// by key() and element().
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// The name of the next member.
  void key(std::string_view k);
  /// Values.
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view{s}); }
  void value(int64_t x);
  void value(uint64_t x);
  void value(int x) { value(static_cast<int64_t>(x)); }
  void value(double x);
  void value(bool x);
  void null();

  /// Starts the next array element (a comma after the first).
  void element();

  std::string take() { return std::move(out_); }

private:
  void open(char c);
  void close(char c);
  void string(std::string_view s);

  std::string out_;
  bool first_ = true; // no member or element yet at this level
};

} // namespace supervise::actors::detail
