// simulation/schedule.cpp — fault kinds, schedules as text, DN patterns.
#include <array>
#include <cstdlib>

#include "duration_text.hpp"
#include "supervise/errc.hpp"
#include "supervise/simulation.hpp"

namespace supervise::simulation {

namespace {

struct kind_row {
  fault_kind kind;
  std::string_view name; // to_string(), encode()
  std::string_view says; // to_string(fault): "<dn> <says>"
};

// One row per kind, in declaration order.
constexpr std::array<kind_row, 13> kinds{{
  {fault_kind::fail, "fail", "fails: error"},
  {fault_kind::throw_exception, "throw_exception", "throws"},
  {fault_kind::return_normally, "return_normally", "returns normally"},
  {fault_kind::do_not_restart, "do_not_restart", "exits do_not_restart"},
  {fault_kind::terminate_tree, "terminate_tree", "exits terminate_tree"},
  {fault_kind::kill, "kill", "is killed"},
  {fault_kind::hang_on_stop, "hang_on_stop", "will ignore its stop requests"},
  {fault_kind::unkillable, "unkillable", "will ignore stop and kill"},
  {fault_kind::slow_start, "slow_start", "will start slowly next time"},
  {fault_kind::fail_start, "fail_start", "will fail its next start"},
  {fault_kind::node_loss, "node_loss", "is lost: its process dies"},
  {fault_kind::partition, "partition", "is cut off for a while"},
  {fault_kind::pause, "pause", "pauses for a while"},
}};

const kind_row& row(fault_kind k) { return kinds[static_cast<size_t>(k)]; }

caf::error bad_item(std::string_view item, std::string_view why) {
  return make_error(errc::invalid_option,
                    "schedule item \"" + std::string{item} + "\": " + std::string{why});
}

// A duration as encode() writes it (duration_text): "1500ms", "2s", "0s".
bool parse_duration(std::string_view text, caf::timespan& out) {
  struct unit {
    std::string_view suffix;
    double ns;
  };
  static constexpr unit units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  for (auto& u : units) {
    if (text.size() <= u.suffix.size() || text.substr(text.size() - u.suffix.size()) != u.suffix)
      continue;
    auto number = std::string{text.substr(0, text.size() - u.suffix.size())};
    if (u.suffix == "s" && (number.back() == 'm' || number.back() == 'u' || number.back() == 'n'))
      continue; // "ms", "us", "ns" matched already, or malformed
    char* end = nullptr;
    double x = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !(x >= 0))
      return false;
    out = caf::timespan{static_cast<int64_t>(x * u.ns + 0.5)};
    return true;
  }
  return false;
}

// `*` within one label, `**` across labels; plain characters match themselves.
bool match_from(std::string_view p, std::string_view s) {
  if (p.empty())
    return s.empty();
  if (p.substr(0, 2) == "**") {
    for (size_t k = 0; k <= s.size(); ++k)
      if (match_from(p.substr(2), s.substr(k)))
        return true;
    return false;
  }
  if (p[0] == '*') {
    for (size_t k = 0; k <= s.size(); ++k) {
      if (match_from(p.substr(1), s.substr(k)))
        return true;
      if (k < s.size() && s[k] == '.')
        return false;
    }
    return false;
  }
  return !s.empty() && p[0] == s[0] && match_from(p.substr(1), s.substr(1));
}

} // namespace

const std::vector<fault_kind>& all_fault_kinds() {
  static const std::vector<fault_kind> all = [] {
    std::vector<fault_kind> v;
    for (auto& r : kinds)
      v.push_back(r.kind);
    return v;
  }();
  return all;
}

const std::vector<std::pair<fault_kind, double>>& default_mix() {
  // Errors and kills dominate, as in production. A child that ignores its
  // stop request holds up its tree's restarts for good (a tree node has no
  // stop timeout) and terminate_tree ends the run: rare, or opt-in, so a
  // run sees most of its faults.
  static const std::vector<std::pair<fault_kind, double>> mix{
    {fault_kind::fail, 4},           {fault_kind::throw_exception, 2},
    {fault_kind::return_normally, 2}, {fault_kind::do_not_restart, 1},
    {fault_kind::terminate_tree, 0},  {fault_kind::kill, 2},
    {fault_kind::hang_on_stop, 0.5}, {fault_kind::unkillable, 0.1},
    {fault_kind::slow_start, 1},     {fault_kind::fail_start, 1},
    {fault_kind::node_loss, 0},      {fault_kind::partition, 0},
    {fault_kind::pause, 0}};
  return mix;
}

std::string_view to_string(fault_kind k) { return row(k).name; }

caf::expected<fault_kind> parse_fault_kind(std::string_view name) {
  for (auto& r : kinds)
    if (r.name == name)
      return r.kind;
  return make_error(errc::invalid_option, "unknown fault kind \"" + std::string{name} + "\"");
}

std::string to_string(const fault& f) {
  if (f.target.empty())
    return "t=" + supervise::detail::duration_text(f.at) + " " + std::string{row(f.kind).name}
           + ": no live node matched";
  return "t=" + supervise::detail::duration_text(f.at) + " " + f.target + " " + std::string{row(f.kind).says};
}

std::string timeline(const schedule& s) {
  std::string out;
  for (auto& f : s)
    out += to_string(f) + "\n";
  return out;
}

std::string encode(const schedule& s) {
  std::string out;
  for (auto& f : s) {
    if (!out.empty())
      out += ',';
    out += supervise::detail::duration_text(f.at) + ":" + std::string{row(f.kind).name} + ":" + f.target;
  }
  return out;
}

caf::expected<schedule> decode(std::string_view text) {
  schedule out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto c1 = item.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    if (c2 == std::string_view::npos)
      return bad_item(item, "expected <time>:<kind>:<dn>");
    fault f;
    if (!parse_duration(item.substr(0, c1), f.at))
      return bad_item(item, "bad time (write 1500ms or 1.5s)");
    auto kind = parse_fault_kind(item.substr(c1 + 1, c2 - c1 - 1));
    if (!kind)
      return bad_item(item, "unknown fault kind");
    f.kind = *kind;
    f.target = std::string{item.substr(c2 + 1)}; // empty: a draw that found no target
    if (!out.empty() && f.at < out.back().at)
      return bad_item(item, "earlier than the item before it");
    out.push_back(std::move(f));
  }
  return out;
}

bool matches(std::string_view pattern, std::string_view dn) { return match_from(pattern, dn); }

} // namespace supervise::simulation
