// option_problems.hpp (private) — the one place options are checked.
//
// Each options type has one check() that records every bad field in an
// option_problems, not just the first; its public validate() (spec,
// backoff_options, tree_options) joins them into one errc::invalid_option
// error, and config.cpp runs the same check() but names its keys instead of
// the fields. Durations print in human units (duration_text.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>

#include "supervise/backoff.hpp"
#include "supervise/fwd.hpp" // tree_options: complete in option_problems.cpp only
#include "supervise/spec.hpp"

namespace supervise::detail {

/// One bad field: "field = value: rule", or with a compared field
/// "field = value: rule other (other_value)"; with no field, a bad
/// combination described by `rule` alone.
struct option_problem {
  std::string field; ///< as named in code: "failure_decay", "backoff.initial"
  std::string value; ///< the bad value as text
  std::string rule;  ///< what it must be: "must be > 0"
  std::string other; ///< the field the rule compares with, or empty
  std::string other_value;
};

class option_problems {
public:
  /// Maps a field name to the name shown (config.cpp: to its key).
  using namer = std::function<std::string(std::string_view field)>;

  /// Records `field = value: rule` unless `ok`.
  void require(bool ok, std::string field, std::string value, std::string rule);

  /// As above, for a rule that compares with another field:
  /// "max_interval = 100ms: must be >= initial (500ms)".
  void require(bool ok, std::string field, std::string value, std::string rule,
               std::string other, std::string other_value);

  /// Records `text` unless `ok`: a bad combination of fields rather than
  /// one bad value ("significant with restart permanent"). Builds nothing
  /// when `ok` (a child's check runs on every add).
  void require(bool ok, std::string_view text);

  /// Duration checks: `d` >= 0 ("must be >= 0<note>"), `d` > 0.
  void non_negative(std::string field, std::chrono::nanoseconds d, std::string_view note = {});
  void positive(std::string field, std::chrono::nanoseconds d);

  /// A real in [0, 1] (NaN is not).
  void unit_interval(std::string field, double x);

  bool empty() const noexcept { return list_.empty(); }
  const std::vector<option_problem>& list() const noexcept { return list_; }

  /// None when empty; else errc::invalid_option with every problem, joined
  /// by "; " after "<what>: " (nothing when `what` is empty), e.g. "spec: failure_decay = 0s: must be > 0;
  /// stop_timeout = -1s: must be >= 0".
  caf::error error(std::string_view what) const;

  /// None when empty; else errc::invalid_option "name=value: rule; ..."
  /// with each field (and compared field) shown as `name` maps it.
  caf::error error(const namer& name) const;

private:
  caf::error join(std::string head, const namer& name, std::string_view eq) const;

  std::vector<option_problem> list_;
};

/// The checks behind spec::validate(), backoff_options::validate() and
/// tree_options::validate(). `prefix` goes before each backoff field name
/// ("backoff." inside tree_options).
void check(const spec& x, option_problems& out);
void check(const backoff_options& x, option_problems& out, const std::string& prefix);
void check(const tree_options& x, option_problems& out);
void check_observers(const observer_list& xs, option_problems& out); // no null entries

} // namespace supervise::detail
