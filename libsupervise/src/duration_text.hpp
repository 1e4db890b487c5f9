// duration_text.hpp (private) — durations and numbers as the validators and
// config.cpp print them in their error messages.
#pragma once

#include <chrono>
#include <string>

namespace supervise::detail {

/// `d` in the largest of s, ms, us and ns that is not more than |d|, with
/// the exact decimals it needs and no trailing zeros: "-1s", "250ms",
/// "1.5s", "1.000000001s", "-1us", "999ns"; zero is "0s". Exact for every
/// value, INT64_MIN included. No errors.
std::string duration_text(std::chrono::nanoseconds d);

/// A double as fmt's "{}" prints it: "0.5", "-2", "nan", "inf".
std::string number_text(double x);

} // namespace supervise::detail
