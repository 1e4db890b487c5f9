#include "duration_text.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace supervise::detail {

std::string duration_text(std::chrono::nanoseconds d) {
  struct unit {
    uint64_t ns;
    const char* suffix;
    int digits; // of a fraction of this unit in ns
  };
  static constexpr unit units[] = {{1000000000, "s", 9}, {1000000, "ms", 6}, {1000, "us", 3}};
  auto n = d.count();
  if (n == 0)
    return "0s";
  // The magnitude as unsigned: -INT64_MIN does not fit an int64_t.
  uint64_t mag = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  const char* sign = n < 0 ? "-" : "";
  for (auto& u : units) {
    if (mag < u.ns)
      continue;
    auto whole = mag / u.ns;
    auto frac = mag % u.ns;
    if (frac == 0)
      return fmt::format("{}{}{}", sign, whole, u.suffix);
    auto digits = fmt::format("{:0{}}", frac, u.digits);
    digits.erase(digits.find_last_not_of('0') + 1);
    return fmt::format("{}{}.{}{}", sign, whole, digits, u.suffix);
  }
  return fmt::format("{}{}ns", sign, mag);
}

std::string number_text(double x) { return fmt::format("{}", x); }

} // namespace supervise::detail
