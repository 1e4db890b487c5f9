#include "option_problems.hpp"

#include "duration_text.hpp"
#include "supervise/errc.hpp"
#include "supervise/tree.hpp"

namespace supervise::detail {

void option_problems::require(bool ok, std::string field, std::string value, std::string rule) {
  require(ok, std::move(field), std::move(value), std::move(rule), {}, {});
}

void option_problems::require(bool ok, std::string field, std::string value, std::string rule,
                              std::string other, std::string other_value) {
  if (!ok)
    list_.push_back({std::move(field), std::move(value), std::move(rule), std::move(other),
                     std::move(other_value)});
}

// The checks below build their texts only for a bad value.

void option_problems::require(bool ok, std::string_view text) {
  if (!ok)
    require(false, {}, {}, std::string{text}, {}, {});
}

void option_problems::non_negative(std::string field, std::chrono::nanoseconds d,
                                   std::string_view note) {
  if (d.count() < 0)
    require(false, std::move(field), duration_text(d), "must be >= 0" + std::string{note});
}

void option_problems::positive(std::string field, std::chrono::nanoseconds d) {
  if (d.count() <= 0)
    require(false, std::move(field), duration_text(d), "must be > 0");
}

void option_problems::unit_interval(std::string field, double x) {
  if (!(x >= 0.0 && x <= 1.0))
    require(false, std::move(field), number_text(x), "must be in [0, 1]");
}

caf::error option_problems::error(std::string_view what) const {
  return join(what.empty() ? std::string{} : std::string{what} + ": ", {}, " = ");
}

caf::error option_problems::error(const namer& name) const {
  return join({}, name, "=");
}

caf::error option_problems::join(std::string text, const namer& name,
                                 std::string_view eq) const {
  if (list_.empty())
    return {};
  auto shown = [&](const std::string& field) { return name ? name(field) : field; };
  for (size_t i = 0; i < list_.size(); ++i) {
    auto& p = list_[i];
    if (i > 0)
      text += "; ";
    if (!p.field.empty()) {
      text += shown(p.field);
      text += eq;
      text += p.value + ": ";
    }
    text += p.rule;
    if (!p.other.empty())
      text += " " + shown(p.other) + " (" + p.other_value + ")";
  }
  return make_error(errc::invalid_option, std::move(text));
}

} // namespace supervise::detail
