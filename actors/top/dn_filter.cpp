// dn_filter.cpp — glob and substring matching of DNs.
#include "dn_filter.hpp"

#include <unordered_set>

namespace supervise::top {

namespace {

// Iterative glob match with backtracking to the last '*': linear in
// practice, no recursion.
bool glob(const std::string& p, const std::string& s) {
  size_t pi = 0, si = 0;
  size_t star = std::string::npos, retry = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      retry = si;
    } else if (star != std::string::npos) {
      pi = star + 1;
      si = ++retry;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*')
    ++pi;
  return pi == p.size();
}

} // namespace

bool dn_filter::matches(const std::string& dn) const {
  if (pattern_.empty())
    return true;
  if (pattern_.find_first_of("*?") != std::string::npos)
    return glob(pattern_, dn);
  return dn.find(pattern_) != std::string::npos;
}

std::vector<bool> dn_filter::shown(const std::vector<node_info>& nodes) const {
  std::vector<bool> out(nodes.size(), pattern_.empty());
  if (pattern_.empty())
    return out;
  std::unordered_set<std::string> wanted;
  for (auto& n : nodes) {
    if (!matches(n.dn))
      continue;
    wanted.insert(n.dn);
    for (auto dot = n.dn.find('.'); dot != std::string::npos; dot = n.dn.find('.', dot + 1))
      wanted.insert(n.dn.substr(0, dot));
  }
  for (size_t i = 0; i < nodes.size(); ++i)
    out[i] = wanted.count(nodes[i].dn) != 0;
  return out;
}

} // namespace supervise::top
