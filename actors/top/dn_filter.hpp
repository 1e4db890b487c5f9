// dn_filter.hpp — which nodes to show: those whose DN matches a pattern,
// and their ancestors, so a filtered tree still reads as a tree.
#pragma once

#include <string>
#include <vector>

#include "supervise/names.hpp"

namespace supervise::top {

/// A DN pattern: a glob over the whole DN when it has * (any run of
/// characters, dots included) or ? (one character), else a substring.
/// The empty pattern matches everything.
class dn_filter {
public:
  dn_filter() = default;
  explicit dn_filter(std::string pattern) : pattern_(std::move(pattern)) {}

  const std::string& pattern() const noexcept { return pattern_; }
  bool empty() const noexcept { return pattern_.empty(); }

  /// True when `dn` itself matches.
  bool matches(const std::string& dn) const;

  /// Per node of `nodes`: shown when its DN matches or when it is an
  /// ancestor (a DN prefix up to a dot) of one that does.
  std::vector<bool> shown(const std::vector<node_info>& nodes) const;

private:
  std::string pattern_;
};

} // namespace supervise::top
