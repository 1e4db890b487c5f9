// supervise/format.hpp — fmt formatters for every public libsupervise type.
//
// Include this one header to `fmt::format("{}", x)` any of: errc,
// caf::error (as render(): "supervise::invalid_name(\"a.b\")"), log_level,
// signal_type, node_state, the six events and the event variant, failure_kind,
// node_metrics, service_token, service_info and unstopped_child. The
// formatters of node_state and the events live in event.hpp, those of
// failure_kind and node_metrics in metrics.hpp; this header includes both, so
// there is exactly one formatter per type. Every formatter accepts the
// string format specs (width, fill, alignment: "{:>10}").
//
// The formatter of the tree snapshot (introspection, issue 4) will be added
// next to the snapshot type itself.
//
// Formatting is pure and thread-safe. caf::error gets a formatter here because
// CAF 0.17 has none; if a later CAF ships one, this one is to be dropped.
#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <fmt/format.h>

#include "supervise/context.hpp"
#include "supervise/errc.hpp"
#include "supervise/event.hpp"
#include "supervise/log.hpp"
#include "supervise/metrics.hpp"
#include "supervise/node_state.hpp"
#include "supervise/supervisor.hpp"

namespace supervise {

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

/// "api.cache.shard1 (unstopped under api.cache, token 3:1)"; the token part
/// is left out for the zero token.
inline std::string to_string(const unstopped_child& x) {
  if (x.token == service_token{})
    return fmt::format("{} (unstopped under {})", x.dn, x.supervisor);
  return fmt::format("{} (unstopped under {}, token {})", x.dn, x.supervisor, to_string(x.token));
}

} // namespace supervise

namespace fmt {

namespace supervise_detail {

/// The common base: format through a to_string()-like function as a string.
struct string_like : formatter<std::string_view> {
  template <class FormatContext>
  auto put(std::string_view text, FormatContext& ctx) const {
    return formatter<std::string_view>::format(text, ctx);
  }
};

} // namespace supervise_detail

/// "do_not_restart".
template <>
struct formatter<supervise::errc> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(supervise::errc x, FormatContext& ctx) const {
    return put(supervise::to_string(x), ctx);
  }
};

/// render(): "none", "supervise::invalid_name(\"a.b\")", "system::runtime_error".
template <>
struct formatter<caf::error> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(const caf::error& x, FormatContext& ctx) const {
    return put(supervise::render(x), ctx);
  }
};

/// "DEBUG", "INFO", "WARN", "ERROR".
template <>
struct formatter<supervise::log_level> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(supervise::log_level x, FormatContext& ctx) const {
    return put(supervise::to_string(x), ctx);
  }
};

/// "healthy", "done".
template <>
struct formatter<supervise::signal_type> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(supervise::signal_type x, FormatContext& ctx) const {
    return put(supervise::to_string(x), ctx);
  }
};

/// "1:2".
template <>
struct formatter<supervise::service_token> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(supervise::service_token x, FormatContext& ctx) const {
    return put(supervise::to_string(x), ctx);
  }
};

/// "api.db [1:2] HEALTHY".
template <>
struct formatter<supervise::service_info> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(const supervise::service_info& x, FormatContext& ctx) const {
    return put(supervise::to_string(x), ctx);
  }
};

/// "api.db (unstopped under api, token 1:2)".
template <>
struct formatter<supervise::unstopped_child> : supervise_detail::string_like {
  template <class FormatContext>
  auto format(const supervise::unstopped_child& x, FormatContext& ctx) const {
    return put(supervise::to_string(x), ctx);
  }
};

} // namespace fmt
