// log_digest.hpp — one number for a simulation's event log, so that a test
// can pin the log a seed gives on every build (plain, ASan, TSan).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

/// FNV-1a over every line and its end.
inline uint64_t log_digest(const std::vector<std::string>& log) {
  uint64_t digest = 1469598103934665603ULL;
  for (auto& line : log)
    for (char c : line + "\n") {
      digest ^= static_cast<unsigned char>(c);
      digest *= 1099511628211ULL;
    }
  return digest;
}
