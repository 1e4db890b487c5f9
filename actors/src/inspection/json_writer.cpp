// inspection/json_writer.cpp — JSON text with escaped, valid UTF-8 strings.
#include "inspection/json_writer.hpp"

#include <cmath>

#include <fmt/format.h>

namespace supervise::actors::detail {

namespace {

// The length of the UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2)
      return 0;
  return n;
}

} // namespace

void json_writer::open(char c) {
  out_ += c;
  first_ = true;
}

void json_writer::close(char c) {
  out_ += c;
  first_ = false;
}

void json_writer::element() {
  if (!first_)
    out_ += ',';
  first_ = false;
}

void json_writer::key(std::string_view k) {
  element();
  string(k);
  out_ += ':';
}

void json_writer::string(std::string_view s) {
  out_ += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      fmt::format_to(std::back_inserter(out_), "\\u{:04x}", c);
      ++i;
    } else if (c < 0x80) {
      out_ += static_cast<char>(c);
      ++i;
    } else if (auto n = utf8_length(s, i)) {
      out_.append(s.substr(i, n));
      i += n;
    } else {
      out_ += "\xef\xbf\xbd"; // U+FFFD for a byte that starts no sequence
      ++i;
    }
  }
  out_ += '"';
}

void json_writer::value(std::string_view s) {
  string(s);
}

void json_writer::value(int64_t x) {
  fmt::format_to(std::back_inserter(out_), "{}", x);
}

void json_writer::value(uint64_t x) {
  fmt::format_to(std::back_inserter(out_), "{}", x);
}

void json_writer::value(double x) {
  if (std::isfinite(x))
    fmt::format_to(std::back_inserter(out_), "{}", x);
  else
    out_ += "null"; // JSON has no infinity (a threshold of +inf: never backs off)
}

void json_writer::value(bool x) {
  out_ += x ? "true" : "false";
}

void json_writer::null() {
  out_ += "null";
}

} // namespace supervise::actors::detail
