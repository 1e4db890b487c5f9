// name.hpp (private) — the node name rule: 1..64 chars of [A-Za-z0-9_-];
// a child's distinguished name is its parent's DN, a dot, and its name.
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

/// The DN of child `name` under `parent_dn` (a parent without a DN, such as
/// a standalone supervisor's top node, adds no prefix).
inline std::string child_dn(const std::string& parent_dn, const std::string& name) {
  return parent_dn.empty() ? name : parent_dn + "." + name;
}

} // namespace supervise::detail
