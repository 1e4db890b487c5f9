#include "supervise/config.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/config_value.hpp>
#include <caf/settings.hpp>
#include <fmt/format.h>

#include "supervise/errc.hpp"

namespace supervise {

namespace {

// actor_system_config::custom_options_ is protected and has no accessor in
// CAF 0.17.6; a pointer to member named through a derived class reaches it.
struct options_access : caf::actor_system_config {
  static caf::config_option_set& of(caf::actor_system_config& cfg) {
    return cfg.*(&options_access::custom_options_);
  }
};

std::string key_of(std::string_view name) {
  return std::string{config_group} + "." + std::string{name};
}

caf::error bad(std::string_view name, const std::string& value, std::string_view why) {
  return make_error(errc::invalid_option,
                    fmt::format("{}={}: {}", key_of(name), value, why));
}

// "30s", "250ms", "1500us" or "7ns": the largest exact unit, as CAF parses it.
std::string text_of(caf::timespan d) {
  auto n = d.count();
  if (n != 0 && n % 1000000000 == 0)
    return fmt::format("{}s", n / 1000000000);
  if (n != 0 && n % 1000000 == 0)
    return fmt::format("{}ms", n / 1000000);
  if (n != 0 && n % 1000 == 0)
    return fmt::format("{}us", n / 1000);
  return fmt::format("{}ns", n);
}

// Reads one key: the default when unset, invalid_option when of another type.
struct reader {
  const caf::settings& xs;
  caf::error err;

  const caf::config_value* raw(std::string_view name) {
    return caf::get_if(&xs, key_of(name));
  }

  caf::error wrong_type(std::string_view name, const caf::config_value& v, const char* want) {
    return bad(name, caf::to_string(v), fmt::format("expected {}", want));
  }

  caf::timespan duration(std::string_view name, caf::timespan dflt) {
    auto v = raw(name);
    if (v == nullptr || err)
      return dflt;
    if (auto x = caf::get_if<caf::timespan>(v))
      return *x;
    err = wrong_type(name, *v, "a duration such as 250ms or 10s");
    return dflt;
  }

  double real(std::string_view name, double dflt) {
    auto v = raw(name);
    if (v == nullptr || err)
      return dflt;
    if (auto x = caf::get_if<double>(v))
      return *x;
    if (auto x = caf::get_if<int64_t>(v))
      return static_cast<double>(*x);
    err = wrong_type(name, *v, "a number");
    return dflt;
  }

  uint64_t unsigned_integer(std::string_view name, uint64_t dflt) {
    auto v = raw(name);
    if (v == nullptr || err)
      return dflt;
    if (auto x = caf::get_if<int64_t>(v); x && *x >= 0)
      return static_cast<uint64_t>(*x);
    err = wrong_type(name, *v, "an integer >= 0");
    return dflt;
  }

  // The sink for log-level: null when unset.
  log_sink sink() {
    auto v = raw("log-level");
    if (v == nullptr || err)
      return {};
    auto str = caf::get_if<std::string>(v);
    if (str == nullptr) {
      err = wrong_type("log-level", *v, "one of debug, info, warning, error");
      return {};
    }
    auto lvl = parse_log_level(*str);
    if (!lvl) {
      err = std::move(lvl.error());
      return {};
    }
    return min_level_sink(*lvl);
  }
};

caf::error check_duration(std::string_view name, caf::timespan d, bool allow_zero) {
  if (d.count() < 0 || (!allow_zero && d.count() == 0))
    return bad(name, text_of(d), allow_zero ? "must be >= 0" : "must be > 0");
  return {};
}

} // namespace

void add_options(caf::config_option_set& opts) {
  caf::config_option_adder{opts, config_group}
    .add<caf::timespan>("failure-decay",
                        "supervisor: half-life of the failure counter (default 30s)")
    .add<double>("failure-threshold",
                 "supervisor: back off when failures exceed this (default 5)")
    .add<caf::timespan>("failure-backoff", "supervisor: length of a backoff pause (default 15s)")
    .add<double>("failure-backoff-jitter",
                 "supervisor: pause = backoff * (1 + u * jitter), in [0, 1] (default 0.5)")
    .add<caf::timespan>("backoff-initial",
                        "tree node: first restart delay of a DEAD node (default 500ms)")
    .add<double>("backoff-multiplier", "tree node: delay growth per failure, >= 1 (default 1.5)")
    .add<caf::timespan>("backoff-max", "tree node: cap of the base delay (default 60s)")
    .add<double>("backoff-jitter", "tree node: randomization factor in [0, 1] (default 0.5)")
    .add<caf::timespan>("stop-timeout",
                        "trees and supervisors: grace before stragglers are killed (default 10s)")
    .add<std::string>("log-level", "minimum level logged: debug|info|warning|error (default debug)")
    .add<int64_t>("seed", "jitter seed, 0 = random (default 0)");
}

void add_options(caf::actor_system_config& cfg) {
  add_options(options_access::of(cfg));
}

caf::expected<log_level> parse_log_level(std::string_view text) {
  std::string lower;
  for (char c : text)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "debug")
    return log_level::debug;
  if (lower == "info")
    return log_level::info;
  if (lower == "warning" || lower == "warn")
    return log_level::warning;
  if (lower == "error")
    return log_level::error;
  return bad("log-level", std::string{text}, "expected debug, info, warning or error");
}

caf::expected<log_level> log_level_from(const caf::actor_system_config& cfg) {
  auto v = caf::get_if(&caf::content(cfg), key_of("log-level"));
  if (v == nullptr)
    return log_level::debug;
  auto str = caf::get_if<std::string>(v);
  if (str == nullptr)
    return bad("log-level", caf::to_string(*v), "expected debug, info, warning or error");
  return parse_log_level(*str);
}

log_sink min_level_sink(log_level min, log_sink next) {
  if (!next)
    next = stderr_sink();
  return [min, next = std::move(next)](log_level lvl, std::string_view dn, std::string_view msg) {
    if (static_cast<int>(lvl) >= static_cast<int>(min))
      next(lvl, dn, msg);
  };
}

caf::expected<spec> spec_from(const caf::actor_system_config& cfg) {
  reader rd{caf::content(cfg), {}};
  spec s;
  s.failure_decay = rd.duration("failure-decay", s.failure_decay);
  s.failure_threshold = rd.real("failure-threshold", s.failure_threshold);
  s.failure_backoff = rd.duration("failure-backoff", s.failure_backoff);
  s.backoff_jitter = rd.real("failure-backoff-jitter", s.backoff_jitter);
  s.timeout = rd.duration("stop-timeout", s.timeout);
  s.seed = rd.unsigned_integer("seed", s.seed);
  s.sink = rd.sink();
  if (rd.err)
    return std::move(rd.err);
  if (auto e = check_duration("failure-decay", s.failure_decay, false))
    return e;
  if (!(s.failure_threshold > 0))
    return bad("failure-threshold", fmt::format("{}", s.failure_threshold), "must be > 0");
  if (auto e = check_duration("failure-backoff", s.failure_backoff, true))
    return e;
  if (!(s.backoff_jitter >= 0 && s.backoff_jitter <= 1))
    return bad("failure-backoff-jitter", fmt::format("{}", s.backoff_jitter),
               "must be in [0, 1]");
  if (auto e = check_duration("stop-timeout", s.timeout, true))
    return e;
  if (auto e = s.validate()) // a backstop: the checks above name the key
    return e;
  return s;
}

caf::expected<tree_options> tree_options_from(const caf::actor_system_config& cfg) {
  reader rd{caf::content(cfg), {}};
  tree_options t;
  auto& b = t.backoff;
  b.initial = rd.duration("backoff-initial", b.initial);
  b.multiplier = rd.real("backoff-multiplier", b.multiplier);
  b.max_interval = rd.duration("backoff-max", b.max_interval);
  b.jitter = rd.real("backoff-jitter", b.jitter);
  t.stop_timeout = rd.duration("stop-timeout", t.stop_timeout);
  t.seed = rd.unsigned_integer("seed", t.seed);
  t.sink = rd.sink();
  if (rd.err)
    return std::move(rd.err);
  if (auto e = check_duration("backoff-initial", b.initial, true))
    return e;
  if (!(b.multiplier >= 1))
    return bad("backoff-multiplier", fmt::format("{}", b.multiplier), "must be >= 1");
  if (b.max_interval < b.initial)
    return bad("backoff-max", text_of(b.max_interval),
               fmt::format("must be >= backoff-initial ({})", text_of(b.initial)));
  if (!(b.jitter >= 0 && b.jitter <= 1))
    return bad("backoff-jitter", fmt::format("{}", b.jitter), "must be in [0, 1]");
  if (auto e = check_duration("stop-timeout", t.stop_timeout, true))
    return e;
  if (auto e = b.validate())
    return e;
  return t;
}

} // namespace supervise
