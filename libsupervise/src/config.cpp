#include "supervise/config.hpp"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/config_option.hpp>
#include <caf/config_value.hpp>
#include <caf/make_config_option.hpp>
#include <caf/settings.hpp>
#include <fmt/format.h>

#include "option_problems.hpp"
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

constexpr std::string_view level_rule = "expected debug, info, warning or error";

caf::error bad(std::string_view name, const std::string& value, std::string_view why) {
  return make_error(errc::invalid_option,
                    fmt::format("{}={}: {}", key_of(name), value, why));
}

// An integer, a real, or a text that reads as one ("10" from a command line).
bool is_number(const caf::config_value& v) {
  if (caf::get_if<int64_t>(&v) || caf::get_if<double>(&v))
    return true;
  auto text = caf::get_if<std::string>(&v);
  if (text == nullptr || text->empty())
    return false;
  char* end = nullptr;
  std::strtod(text->c_str(), &end);
  return *end == '\0';
}

// Reads keys: the default when unset; a value of another type is a problem
// named by its key, and reading goes on, so that error() names them all.
struct reader {
  const caf::settings& xs;
  detail::option_problems problems;

  const caf::config_value* raw(std::string_view name) {
    return caf::get_if(&xs, key_of(name));
  }

  void problem(std::string_view name, std::string value, std::string_view rule) {
    problems.require(false, key_of(name), std::move(value), std::string{rule});
  }

  void wrong_type(std::string_view name, const caf::config_value& v, std::string_view want) {
    problem(name, caf::to_string(v), want);
  }

  // One key: the default when unset; `get` returns the value, or nullopt
  // when the key holds another type (reported, naming what was `expected`).
  template <class T, class Get>
  T read(std::string_view name, T dflt, Get get, const char* expected) {
    auto v = raw(name);
    if (v == nullptr)
      return dflt;
    if (std::optional<T> x = get(*v))
      return *x;
    wrong_type(name, *v, expected);
    return dflt;
  }

  caf::timespan duration(std::string_view name, caf::timespan dflt) {
    auto get = [](const caf::config_value& v) -> std::optional<caf::timespan> {
      if (auto x = caf::get_if<caf::timespan>(&v))
        return *x;
      return std::nullopt;
    };
    auto v = raw(name);
    if (v != nullptr && !caf::get_if<caf::timespan>(v) && is_number(*v)) {
      problem(name, caf::to_string(*v), "a duration needs a unit (ns, us, ms, s, min or h), e.g. 10s");
      return dflt;
    }
    return read(name, dflt, get, "expected a duration such as 250ms or 10s");
  }

  double real(std::string_view name, double dflt) {
    auto get = [](const caf::config_value& v) -> std::optional<double> {
      if (auto x = caf::get_if<double>(&v))
        return *x;
      if (auto x = caf::get_if<int64_t>(&v))
        return static_cast<double>(*x);
      return std::nullopt;
    };
    return read(name, dflt, get, "expected a number");
  }

  uint64_t unsigned_integer(std::string_view name, uint64_t dflt) {
    auto get = [](const caf::config_value& v) -> std::optional<uint64_t> {
      if (auto x = caf::get_if<int64_t>(&v); x && *x >= 0)
        return static_cast<uint64_t>(*x);
      return std::nullopt;
    };
    return read(name, dflt, get, "expected an integer >= 0");
  }

  // The sink for log-level: null when unset.
  log_sink sink() {
    auto v = raw("log-level");
    if (v == nullptr)
      return {};
    auto str = caf::get_if<std::string>(v);
    if (str == nullptr) {
      wrong_type("log-level", *v, "expected one of debug, info, warning, error");
      return {};
    }
    auto lvl = parse_log_level(*str);
    if (!lvl) {
      problem("log-level", *str, level_rule);
      return {};
    }
    return min_level_sink(*lvl);
  }

  // All type errors at once, keys named; none when every key read.
  caf::error error() const { return problems.error(detail::option_problems::namer{}); }
};

// Which key feeds which field, so that range errors name the key written.
struct field_key {
  std::string_view field;
  std::string_view key;
};

constexpr field_key spec_keys[] = {
  {"failure_decay", "failure-decay"},   {"failure_threshold", "failure-threshold"},
  {"failure_backoff", "failure-backoff"}, {"backoff_jitter", "failure-backoff-jitter"},
  {"stop_timeout", "stop-timeout"},
};

constexpr field_key tree_keys[] = {
  {"backoff.initial", "backoff-initial"}, {"backoff.multiplier", "backoff-multiplier"},
  {"backoff.max_interval", "backoff-max"}, {"backoff.jitter", "backoff-jitter"},
  {"backoff.min_uptime", "backoff-min-uptime"}, {"stop_timeout", "stop-timeout"},
};

// `x` after its type's own check (that of validate()), every problem named
// by its key ("supervise.failure-decay=0s: must be > 0").
template <class Options, size_t N>
caf::expected<Options> checked(Options x, const field_key (&keys)[N]) {
  detail::option_problems out;
  detail::check(x, out);
  auto name = [&](std::string_view field) {
    for (auto& k : keys)
      if (k.field == field)
        return key_of(k.key);
    return std::string{field};
  };
  if (auto err = out.error(name))
    return err;
  return x;
}

// -- options that let every value through ------------------------------------
//
// CAF's own options refuse a value of the wrong type in its words: on the
// command line parse() fails with "parser_error(unexpected_eof, ...)" (a
// duration without its unit), and in an INI file the value is dropped
// without a word. Ours take any value: one of the option's type is stored
// typed, anything else as its text, and spec_from()/tree_options_from()
// name the key and the value in the library's words.

caf::error accept_any(const caf::config_value&) { return caf::none; }
void store_nothing(void*, const caf::config_value&) {} // stateless: no storage
caf::config_value get_nothing(const void*) { return {}; }

template <class T>
caf::expected<caf::config_value> parse_or_keep_text(void*, caf::string_view text) {
  // CAF's parser for T (a header template of CAF 0.17's detail namespace).
  if (auto typed = caf::detail::parse_impl<T>(nullptr, text))
    return typed;
  return caf::config_value{std::string{text.begin(), text.end()}};
}

template <class T>
const caf::config_option::meta_state* lenient_meta() {
  static caf::config_option::meta_state meta{
    accept_any, store_nothing, get_nothing, parse_or_keep_text<T>,
    caf::detail::option_meta_state_instance<T>()->type_name};
  return &meta;
}

struct option_adder {
  caf::config_option_set& opts;
  template <class T>
  option_adder& add(std::string_view name, std::string_view description) {
    opts.add(caf::config_option{config_group, name, description, lenient_meta<T>()});
    return *this;
  }
};

} // namespace

void add_options(caf::config_option_set& opts) {
  option_adder{opts}
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
    .add<caf::timespan>("backoff-min-uptime",
                        "tree node: healthy this long before an exit resets the backoff (default 1s)")
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
  return bad("log-level", std::string{text}, level_rule);
}

caf::expected<log_level> log_level_from(const caf::actor_system_config& cfg) {
  auto v = caf::get_if(&caf::content(cfg), key_of("log-level"));
  if (v == nullptr)
    return log_level::debug;
  auto str = caf::get_if<std::string>(v);
  if (str == nullptr)
    return bad("log-level", caf::to_string(*v), level_rule);
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

// The keys trees and supervisors share (stop-timeout, seed, log-level), then
// every problem found, as one error, or the checked options.
template <class Options, size_t N>
caf::expected<Options> with_shared_keys(reader& rd, Options x, const field_key (&keys)[N]) {
  x.stop_timeout = rd.duration("stop-timeout", x.stop_timeout);
  x.seed = rd.unsigned_integer("seed", x.seed);
  x.sink = rd.sink();
  if (auto err = rd.error())
    return err;
  return checked(std::move(x), keys);
}

caf::expected<spec> spec_from(const caf::actor_system_config& cfg) {
  reader rd{caf::content(cfg), {}};
  spec s;
  s.failure_decay = rd.duration("failure-decay", s.failure_decay);
  s.failure_threshold = rd.real("failure-threshold", s.failure_threshold);
  s.failure_backoff = rd.duration("failure-backoff", s.failure_backoff);
  s.backoff_jitter = rd.real("failure-backoff-jitter", s.backoff_jitter);
  return with_shared_keys(rd, std::move(s), spec_keys);
}

caf::expected<tree_options> tree_options_from(const caf::actor_system_config& cfg) {
  reader rd{caf::content(cfg), {}};
  tree_options t;
  auto& b = t.backoff;
  b.initial = rd.duration("backoff-initial", b.initial);
  b.multiplier = rd.real("backoff-multiplier", b.multiplier);
  b.max_interval = rd.duration("backoff-max", b.max_interval);
  b.jitter = rd.real("backoff-jitter", b.jitter);
  b.min_uptime = rd.duration("backoff-min-uptime", b.min_uptime);
  return with_shared_keys(rd, std::move(t), tree_keys);
}

} // namespace supervise
