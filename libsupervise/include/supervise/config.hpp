// supervise/config.hpp — libsupervise defaults from CAF's own configuration.
//
// add_options() registers the option group "supervise" on an
// actor_system_config, so the defaults of trees and supervisors come from the
// same places as CAF's own settings: `caf-application.ini` (or the file named
// by `--config-file=`), the command line (`--supervise.failure-threshold=3`)
// and cfg.set(). spec_from() and tree_options_from() read them back,
// validated, into a `spec` and a `tree_options` you may still adjust in code.
//
//   key (group "supervise")  type       default  feeds
//   failure-decay            timespan   30s      spec::failure_decay
//   failure-threshold        real       5        spec::failure_threshold
//   failure-backoff          timespan   15s      spec::failure_backoff
//   failure-backoff-jitter   real       0.5      spec::backoff_jitter
//   backoff-initial          timespan   500ms    tree_options::backoff.initial
//   backoff-multiplier       real       1.5      tree_options::backoff.multiplier
//   backoff-max              timespan   60s      tree_options::backoff.max_interval
//   backoff-jitter           real       0.5      tree_options::backoff.jitter
//   backoff-min-uptime       timespan   1s       tree_options::backoff.min_uptime
//   stop-timeout             timespan   10s      spec::stop_timeout, tree_options::stop_timeout
//   log-level                string     debug    minimum level of the sink
//   seed                     integer    0        spec::seed, tree_options::seed
//
// Keys are named after the fields they feed, in kebab case: stop-timeout
// feeds the field named stop_timeout in both spec and tree_options (spec's
// deprecated `timeout` is not set). Two differ on purpose: backoff-max (the
// field is max_interval) and failure-backoff-jitter, the jitter of the
// supervisor's failure backoff pause (spec::backoff_jitter), distinct from
// backoff-jitter, the tree node's (tree_options::backoff.jitter).
//
// In an INI file: `[supervise]` then `failure-decay=10s`, strings quoted
// (`log-level="warning"`). A value of the wrong type (`stop-timeout=10`
// without its unit, `failure-threshold=high`) does not fail cfg.parse():
// spec_from() and tree_options_from() name its key and value. CAF pitfalls
// that apply: options after the first positional argument are silently
// ignored (`prog run --supervise.seed=1` keeps the default: put options
// first), an unknown `--supervise.x` is a parse error, and the command line
// overrides the file.
//
// Threads: all functions are plain functions on a config object; call them
// from the thread that owns it (typically main, before the actor_system is
// constructed, or on a const config afterwards).
#pragma once

#include <string_view>

#include <caf/config_option_set.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "supervise/log.hpp"
#include "supervise/spec.hpp"
#include "supervise/tree.hpp"

namespace supervise {

/// The name of the option group: every key is "supervise.<name>".
constexpr std::string_view config_group = "supervise";

/// Registers the "supervise" group (the keys in the table above) on `cfg`,
/// so that `cfg.parse()` accepts and type-checks them and `--help` lists
/// them. Call once, before cfg.parse(); calling it twice registers the group
/// twice (harmless for parsing, duplicated in --help). No errors.
void add_options(caf::actor_system_config& cfg);

/// As above, for a subclass of actor_system_config that owns its options:
/// `add_options(custom_options_)` in its constructor.
void add_options(caf::config_option_set& opts);

/// A spec with the failure-*, stop-timeout and seed values of `cfg`
/// (defaults for unset keys: suture's, as spec's own). Its sink is a
/// level-filtered stderr sink only when supervise.log-level is set;
/// otherwise null (the parent's sink when hosted). Hooks are null. Errors:
/// one errc::invalid_option naming every bad key and its value, joined by
/// "; ": first values of the wrong type ("supervise.failure-decay=\"soon\":
/// expected a duration such as 250ms or 10s"); when all read, the values
/// spec::validate() rejects, named by key ("supervise.failure-decay=0s: must
/// be > 0"; durations in human units).
caf::expected<spec> spec_from(const caf::actor_system_config& cfg);

/// tree_options with the backoff-*, stop-timeout and seed values of `cfg`
/// (Monogon's defaults for unset keys). Its sink is a level-filtered stderr
/// sink only when supervise.log-level is set. Errors: as spec_from(), the
/// range checks being tree_options::validate()'s.
caf::expected<tree_options> tree_options_from(const caf::actor_system_config& cfg);

/// supervise.log-level of `cfg` (debug when unset). Errors: invalid_option
/// for anything but "debug", "info", "warning" (or "warn") and "error".
caf::expected<log_level> log_level_from(const caf::actor_system_config& cfg);

/// A level name as log-level accepts it, case-insensitive. Errors:
/// invalid_option naming the text.
caf::expected<log_level> parse_log_level(std::string_view text);

/// A sink passing lines at `min` or above to `next` (null: stderr_sink()).
/// Thread-safe as `next` is.
log_sink min_level_sink(log_level min, log_sink next = {});

} // namespace supervise
