// name.hpp (private) — the node name rule: 1..64 chars of [A-Za-z0-9_-].
#pragma once

#include <string>

#include <caf/error.hpp>

#include "supervise/errc.hpp"

namespace supervise::detail {

inline caf::error validate_name(const std::string& name) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || c == '_' || c == '-';
  };
  if (name.empty() || name.size() > 64)
    return make_error(errc::invalid_name, name);
  for (char c : name)
    if (!ok(c))
      return make_error(errc::invalid_name, name);
  return {};
}

} // namespace supervise::detail
