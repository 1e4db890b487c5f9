// CAF-native configuration: the "supervise" option group from argv, from an
// INI file and from cfg.set(), read back validated by spec_from() and
// tree_options_from().
#include <boost/test/unit_test.hpp>

#include "value_of.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/settings.hpp>

#include "supervise/config.hpp"
#include "supervise/errc.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using test::value_of;

namespace {

// Parses `args` (argv[0] included) with the group registered; no INI file
// unless --config-file= names one.
struct parsed {
  caf::actor_system_config cfg;
  caf::error err;

  explicit parsed(std::vector<std::string> args, const char* ini = "/nonexistent.ini") {
    add_options(cfg);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    err = cfg.parse(static_cast<int>(argv.size()), argv.data(), ini);
  }
};

// A temporary file removed at the end of the test.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/supervise-config-XXXXXX";
    int fd = mkstemp(name);
    BOOST_REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream{path} << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_when_nothing_is_set) {
  parsed p{{"prog"}};
  BOOST_REQUIRE(!p.err);
  auto s = value_of(spec_from(p.cfg));
  spec d;
  BOOST_CHECK(s.failure_decay == d.failure_decay);
  BOOST_CHECK_EQUAL(s.failure_threshold, d.failure_threshold);
  BOOST_CHECK(s.failure_backoff == d.failure_backoff);
  BOOST_CHECK_EQUAL(s.backoff_jitter, d.backoff_jitter);
  BOOST_CHECK(s.stop_timeout == d.stop_timeout);
  BOOST_CHECK_EQUAL(s.seed, 0u);
  BOOST_CHECK(!s.sink); // unset log-level: inherit the parent's sink
  auto t = value_of(tree_options_from(p.cfg));
  tree_options td;
  BOOST_CHECK(t.backoff.initial == td.backoff.initial);
  BOOST_CHECK_EQUAL(t.backoff.multiplier, td.backoff.multiplier);
  BOOST_CHECK(t.backoff.max_interval == td.backoff.max_interval);
  BOOST_CHECK_EQUAL(t.backoff.jitter, td.backoff.jitter);
  BOOST_CHECK(t.backoff.min_uptime == td.backoff.min_uptime);
  BOOST_CHECK(t.stop_timeout == td.stop_timeout);
  BOOST_CHECK(!t.sink);
  BOOST_CHECK(value_of(log_level_from(p.cfg)) == log_level::debug);
}

BOOST_AUTO_TEST_CASE(command_line) {
  parsed p{{"prog", "--supervise.failure-decay=10s", "--supervise.failure-threshold=3",
            "--supervise.failure-threshold=2.5", "--supervise.failure-backoff=250ms",
            "--supervise.failure-backoff-jitter=0", "--supervise.stop-timeout=2s",
            "--supervise.backoff-initial=20ms", "--supervise.backoff-multiplier=2",
            "--supervise.backoff-max=1s", "--supervise.backoff-jitter=0.25",
            "--supervise.backoff-min-uptime=250ms", "--supervise.log-level=warning", "--supervise.seed=42"}};
  BOOST_REQUIRE_MESSAGE(!p.err, render(p.err));
  auto s = value_of(spec_from(p.cfg));
  BOOST_CHECK(s.failure_decay == 10s);
  BOOST_CHECK_EQUAL(s.failure_threshold, 2.5); // the last occurrence wins
  BOOST_CHECK(s.failure_backoff == 250ms);
  BOOST_CHECK_EQUAL(s.backoff_jitter, 0.0);
  BOOST_CHECK(s.stop_timeout == 2s);
  BOOST_CHECK_EQUAL(s.seed, 42u);
  BOOST_CHECK(static_cast<bool>(s.sink));
  auto t = value_of(tree_options_from(p.cfg));
  BOOST_CHECK(t.backoff.initial == 20ms);
  BOOST_CHECK_EQUAL(t.backoff.multiplier, 2.0);
  BOOST_CHECK(t.backoff.max_interval == 1s);
  BOOST_CHECK_EQUAL(t.backoff.jitter, 0.25);
  BOOST_CHECK(t.backoff.min_uptime == 250ms);
  BOOST_CHECK(t.stop_timeout == 2s);
  BOOST_CHECK_EQUAL(t.seed, 42u);
  BOOST_CHECK(value_of(log_level_from(p.cfg)) == log_level::warning);
}

BOOST_AUTO_TEST_CASE(ini_file_and_command_line_override) {
  temp_file ini{"[supervise]\n"
                "failure-decay=5s\n"
                "failure-threshold=7.5\n"
                "failure-backoff-jitter=1\n" // an integer for a real: read as 1.0

                "backoff-initial=100ms\n"
                "log-level=\"error\"\n"};
  // Without the command-line value, the file's value.
  {
    parsed p{{"prog", "--config-file=" + ini.path}, nullptr};
    BOOST_REQUIRE_MESSAGE(!p.err, render(p.err));
    auto s = value_of(spec_from(p.cfg));
    BOOST_CHECK(s.failure_decay == 5s);
    BOOST_CHECK_EQUAL(s.failure_threshold, 7.5);
    BOOST_CHECK_EQUAL(s.backoff_jitter, 1.0); // CAF's own option would drop it silently
    BOOST_CHECK(value_of(tree_options_from(p.cfg)).backoff.initial == 100ms);
    BOOST_CHECK(value_of(log_level_from(p.cfg)) == log_level::error);
  }
  // The command line overrides the file.
  {
    parsed p{{"prog", "--config-file=" + ini.path, "--supervise.failure-decay=1s"}, nullptr};
    BOOST_REQUIRE_MESSAGE(!p.err, render(p.err));
    BOOST_CHECK(value_of(spec_from(p.cfg)).failure_decay == 1s);
  }
  // The ini_file argument of parse() (caf-application.ini by default).
  {
    parsed p{{"prog"}, ini.path.c_str()};
    BOOST_REQUIRE_MESSAGE(!p.err, render(p.err));
    BOOST_CHECK(value_of(spec_from(p.cfg)).failure_decay == 5s);
  }
}

BOOST_AUTO_TEST_CASE(options_after_a_positional_argument_are_ignored) {
  // CAF's pitfall, documented in config.hpp and README: everything after the
  // first positional argument lands in cfg.remainder, unparsed.
  parsed p{{"prog", "run", "--supervise.failure-threshold=1"}};
  BOOST_REQUIRE(!p.err);
  BOOST_CHECK_EQUAL(value_of(spec_from(p.cfg)).failure_threshold, 5.0);
  BOOST_CHECK(!p.cfg.remainder.empty());
}

BOOST_AUTO_TEST_CASE(parse_errors) {
  // An unknown key in the group: CAF's parser refuses it.
  parsed unknown{{"prog", "--supervise.no-such-key=1"}};
  BOOST_CHECK(unknown.err);
}

// A value of the wrong type, on the command line or in a file, is named
// with its key in the library's words by spec_from()/tree_options_from()
// (CAF's own options answer "parser_error(unexpected_eof ...)" on the
// command line and drop it silently from a file).
BOOST_AUTO_TEST_CASE(ill_typed_values_name_key_and_value) {
  struct bad_case {
    std::vector<std::string> args;
    const char* ini;
    std::string detail;
    bool tree;
  };
  temp_file no_unit{"[supervise]\nstop-timeout=10\n"};
  temp_file text{"[supervise]\nbackoff-max=\"soon\"\n"};
  std::vector<bad_case> cases{
    {{"prog", "--supervise.stop-timeout=10"}, nullptr,
     "supervise.stop-timeout=\"10\": a duration needs a unit (ns, us, ms, s, min or h), e.g. 10s",
     false},
    {{"prog", "--supervise.failure-decay=often"}, nullptr,
     "supervise.failure-decay=\"often\": expected a duration such as 250ms or 10s", false},
    {{"prog", "--supervise.failure-threshold=abc"}, nullptr,
     "supervise.failure-threshold=\"abc\": expected a number", false},
    {{"prog", "--supervise.seed=many"}, nullptr,
     "supervise.seed=\"many\": expected an integer >= 0", true},
    {{"prog"}, no_unit.path.c_str(),
     "supervise.stop-timeout=10: a duration needs a unit (ns, us, ms, s, min or h), e.g. 10s",
     true},
    {{"prog"}, text.path.c_str(),
     "supervise.backoff-max=\"soon\": expected a duration such as 250ms or 10s", true},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.detail) {
      parsed p{c.args, c.ini};
      BOOST_REQUIRE_MESSAGE(!p.err, render(p.err));
      auto error_of = [](auto r) { return r ? caf::error{} : r.error(); };
      auto err = c.tree ? error_of(tree_options_from(p.cfg)) : error_of(spec_from(p.cfg));
      BOOST_CHECK(err == errc::invalid_option);
      BOOST_CHECK_EQUAL(detail_of(err), c.detail);
    }
  }
}

BOOST_AUTO_TEST_CASE(out_of_range_values_name_key_and_value) {
  struct bad_case {
    std::string arg;
    std::string detail;
    bool tree;
  };
  std::vector<bad_case> cases{
    {"--supervise.failure-decay=0s", "supervise.failure-decay=0s: must be > 0", false},
    {"--supervise.failure-threshold=0",
     "supervise.failure-threshold=0: must be > 0 (+inf: never back off)", false},
    {"--supervise.failure-backoff-jitter=1.5",
     "supervise.failure-backoff-jitter=1.5: must be in [0, 1]", false},
    {"--supervise.backoff-multiplier=0.5", "supervise.backoff-multiplier=0.5: must be a finite number >= 1",
     true},
    {"--supervise.backoff-max=100ms",
     "supervise.backoff-max=100ms: must be >= supervise.backoff-initial (500ms)", true},
    {"--supervise.backoff-jitter=-1", "supervise.backoff-jitter=-1: must be in [0, 1]", true},
    {"--supervise.log-level=loud",
     "supervise.log-level=loud: expected debug, info, warning or error", false},
    {"--supervise.seed=-3", "supervise.seed=-3: expected an integer >= 0", true},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.arg) {
      parsed p{{"prog", c.arg}};
      BOOST_REQUIRE_MESSAGE(!p.err, render(p.err));
      caf::error err;
      if (c.tree) {
        auto r = tree_options_from(p.cfg);
        BOOST_REQUIRE(!r);
        err = r.error();
      } else {
        auto r = spec_from(p.cfg);
        BOOST_REQUIRE(!r);
        err = r.error();
      }
      BOOST_CHECK(err == errc::invalid_option);
      BOOST_CHECK_EQUAL(detail_of(err), c.detail);
    }
  }
}

BOOST_AUTO_TEST_CASE(set_in_code_and_wrong_types) {
  caf::actor_system_config cfg;
  add_options(cfg);
  cfg.set("supervise.failure-threshold", 4.0);
  cfg.set("supervise.stop-timeout", caf::timespan{3s});
  auto s = value_of(spec_from(cfg));
  BOOST_CHECK_EQUAL(s.failure_threshold, 4.0);
  BOOST_CHECK(s.stop_timeout == 3s);
  // Content put by hand is not type-checked: an integer still reads as a
  // real, and a value of another type is an error naming key and value.
  caf::actor_system_config raw;
  caf::put(raw.content, "supervise.failure-threshold", 4);
  BOOST_CHECK_EQUAL(value_of(spec_from(raw)).failure_threshold, 4.0);
  caf::put(raw.content, "supervise.failure-decay", "soon");
  auto r = spec_from(raw);
  BOOST_REQUIRE(!r);
  BOOST_CHECK(r.error() == errc::invalid_option);
  BOOST_CHECK_EQUAL(detail_of(r.error()),
                    "supervise.failure-decay=\"soon\": expected a duration such as 250ms or 10s");
}

BOOST_AUTO_TEST_CASE(every_bad_key_in_one_error) {
  // Out of range: the checks of spec::validate() and
  // tree_options::validate(), every problem named by its key.
  caf::actor_system_config cfg;
  add_options(cfg);
  cfg.set("supervise.failure-decay", caf::timespan{0s});
  cfg.set("supervise.failure-backoff-jitter", 1.5);
  cfg.set("supervise.stop-timeout", caf::timespan{-1500ms});
  cfg.set("supervise.backoff-initial", caf::timespan{2s});
  cfg.set("supervise.backoff-max", caf::timespan{250ms});
  auto s = spec_from(cfg);
  BOOST_REQUIRE(!s);
  BOOST_CHECK(s.error() == errc::invalid_option);
  BOOST_CHECK_EQUAL(detail_of(s.error()),
                    "supervise.failure-decay=0s: must be > 0; "
                    "supervise.failure-backoff-jitter=1.5: must be in [0, 1]; "
                    "supervise.stop-timeout=-1.5s: must be >= 0 (0: kill at once)");
  auto t = tree_options_from(cfg);
  BOOST_REQUIRE(!t);
  BOOST_CHECK(t.error() == errc::invalid_option);
  BOOST_CHECK_EQUAL(detail_of(t.error()),
                    "supervise.backoff-max=250ms: must be >= supervise.backoff-initial (2s); "
                    "supervise.stop-timeout=-1.5s: must be >= 0 (0: kill at once)");
  // Of the wrong type: all of them too.
  caf::actor_system_config raw;
  caf::put(raw.content, "supervise.failure-decay", "soon");
  caf::put(raw.content, "supervise.failure-threshold", "high");
  auto r = spec_from(raw);
  BOOST_REQUIRE(!r);
  BOOST_CHECK_EQUAL(detail_of(r.error()),
                    "supervise.failure-decay=\"soon\": expected a duration such as 250ms or 10s; "
                    "supervise.failure-threshold=\"high\": expected a number");
}

BOOST_AUTO_TEST_CASE(stop_timeout_feeds_the_new_names) {
  // stop-timeout sets the field named stop_timeout in both option types;
  // spec's deprecated `timeout` stays unassigned.
  caf::actor_system_config cfg;
  add_options(cfg);
  cfg.set("supervise.stop-timeout", caf::timespan{1500ms});
  auto s = value_of(spec_from(cfg));
  BOOST_CHECK(s.stop_timeout == 1500ms);
  BOOST_CHECK(s.effective_stop_timeout() == 1500ms);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  BOOST_CHECK(!s.timeout.assigned());
#pragma GCC diagnostic pop
  BOOST_CHECK(value_of(tree_options_from(cfg)).stop_timeout == 1500ms);
}

BOOST_AUTO_TEST_CASE(log_level_filter) {
  BOOST_CHECK(value_of(parse_log_level("WARN")) == log_level::warning);
  BOOST_CHECK(value_of(parse_log_level("Info")) == log_level::info);
  BOOST_CHECK(!parse_log_level("verbose"));
  std::vector<std::string> lines;
  auto sink = min_level_sink(log_level::warning,
                             [&](log_level l, std::string_view dn, std::string_view msg) {
                               lines.push_back(fmt::format("{} {}: {}", to_string(l), dn, msg));
                             });
  sink(log_level::debug, "root", "a");
  sink(log_level::info, "root", "b");
  sink(log_level::warning, "root", "c");
  sink(log_level::error, "root.db", "d");
  BOOST_CHECK(lines == (std::vector<std::string>{"WARN root: c", "ERROR root.db: d"}));
}

BOOST_AUTO_TEST_SUITE_END()
