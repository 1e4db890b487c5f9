// supervise/format.hpp — fmt formatters for every public libsupervise type.
//
// Include this one header to `fmt::format("{}", x)` any of: errc,
// caf::error (as render(): "supervise::invalid_name(\"a.b\")"), log_level,
// signal_type, node_state, strategy, auto_shutdown, restart_type, child_type,
// the six events and the event variant, failure_kind, node_metrics,
// service_token, service_info, child_info, child_counts, unstopped_child, and
// the tree snapshot (node_info, and a whole std::vector<node_info> as the
// indented text tree of render_text()). The
// formatters of node_state and the events live in event.hpp, those of
// failure_kind and node_metrics in metrics.hpp; this header includes both, so
// there is exactly one formatter per type. Every formatter accepts the
// string format specs (width, fill, alignment: "{:>10}").
//
// Formatting is pure and thread-safe. caf::error gets a formatter here because
// CAF 0.17 has none; if a later CAF ships one, this one is to be dropped.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <caf/error.hpp>
#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/event.hpp"
#include "supervise/log.hpp"
#include "supervise/metrics.hpp"
#include "supervise/names.hpp"
#include "supervise/node_state.hpp"
#include "supervise/supervisor.hpp"

namespace supervise {

namespace detail {

/// The types formatted through their supervise::to_string().
template <class T>
struct uses_to_string : std::false_type {};

template <class... Ts>
struct to_string_list {
  template <class T>
  static constexpr bool has = (std::is_same_v<T, Ts> || ...);
};

using formatted_by_to_string =
  to_string_list<errc, log_level, signal_type, strategy, auto_shutdown, restart_type, child_type,
                 service_token, service_info, unstopped_child, node_info, child_info,
                 child_counts, std::vector<node_info>>;

} // namespace detail

/// "healthy" or "done".
inline const char* to_string(signal_type x) noexcept {
  return x == signal_type::healthy ? "healthy" : "done";
}

/// "1:2" (supervisor id : service id); the zero token is "0:0".
inline std::string to_string(service_token t) {
  return fmt::format("{}:{}", t.supervisor, t.service);
}

/// "api.db [1:2] HEALTHY".
inline std::string to_string(const service_info& x) {
  return fmt::format("{} [{}] {}", x.dn, to_string(x.token), to_string(x.state));
}

/// "root.api.db HEALTHY restarts=1 actor=#12" (one node of a snapshot),
/// " at n2 epoch 17" appended when it runs elsewhere.
inline std::string to_string(const node_info& x) {
  return fmt::format("{} {} restarts={} actor={}{}", x.dn, to_string(x.state), x.restarts,
                     x.actor ? "#" + std::to_string(x.actor) : std::string{"-"},
                     x.location.empty() ? std::string{} : " at " + x.location);
}

/// "db HEALTHY permanent worker restarts=1" (a which_children() entry),
/// with " idle" or " restarting" when it is down.
inline std::string to_string(const child_info& x) {
  return fmt::format("{} {} {} {} restarts={}{}", x.id, to_string(x.state), to_string(x.restart),
                     to_string(x.type), x.restarts,
                     x.idle ? " idle" : x.restarting ? " restarting" : "");
}

/// "specs=3 active=2 supervisors=1 workers=2".
inline std::string to_string(const child_counts& x) {
  return fmt::format("specs={} active={} supervisors={} workers={}", x.specs, x.active,
                     x.supervisors, x.workers);
}

/// The whole snapshot as render_text() draws it.
inline std::string to_string(const std::vector<node_info>& xs) { return render_text(xs); }

/// "api.cache.shard1 (unstopped under api.cache, token 3:1)"; the token part
/// is left out for the zero token.
inline std::string to_string(const unstopped_child& x) {
  if (x.token == service_token{})
    return fmt::format("{} (unstopped under {})", x.dn, x.supervisor);
  return fmt::format("{} (unstopped under {}, token {})", x.dn, x.supervisor, to_string(x.token));
}

} // namespace supervise

namespace fmt {

/// Every type in supervise::detail::formatted_by_to_string, through its
/// to_string(); string format specs apply ("{:>10}").
template <class T>
struct formatter<T, char,
                 std::enable_if_t<supervise::detail::formatted_by_to_string::has<T>>>
  : formatter<std::string_view> {
  template <class FormatContext>
  auto format(const T& x, FormatContext& ctx) const {
    return formatter<std::string_view>::format(supervise::to_string(x), ctx);
  }
};

/// render(): "none", "supervise::invalid_name(\"a.b\")", "system::runtime_error".
template <>
struct formatter<caf::error> : formatter<std::string_view> {
  /// Writes render(x) with the string format specs applied.
  template <class FormatContext>
  auto format(const caf::error& x, FormatContext& ctx) const {
    return formatter<std::string_view>::format(supervise::render(x), ctx);
  }
};

} // namespace fmt
