// command_line.hpp — the command line of the example programs, as an
// application would do it: CAF's own options, the library's `supervise.*`
// keys (supervise::add_options) and the program's own group, read from the
// command line and caf-application.ini. --help lists the program's and the
// library's options (--long-help: CAF's too); an unknown option, a stray
// argument or a bad value ends the program with a message naming it.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/config_option_set.hpp>
#include <caf/pec.hpp>

#include "supervise/config.hpp"
#include "supervise/errc.hpp"
#include "supervise/format.hpp"

namespace example {

// A config with the supervise.* keys; the program adds its own group with
// opt_group{custom_options_, "<name>"} in a subclass, or none.
class config : public caf::actor_system_config {
public:
  config() { supervise::add_options(custom_options_); }

  // The options of the library and of `group` only, for --help.
  std::string help_for(const std::string& group) const {
    caf::config_option_set shown;
    for (auto& opt : custom_options_)
      if (opt.category() == supervise::config_group || opt.category() == group)
        shown.add(opt);
    return shown.help_text(false);
  }
};

namespace detail {

// What CAF's parser error names: `"argument" = "--x"` in its context.
inline std::string argument_of(const caf::error& err) {
  auto text = caf::to_string(err);
  auto key = std::string{"\"argument\" = \""};
  auto at = text.find(key);
  if (at == std::string::npos)
    return text;
  at += key.size();
  return text.substr(at, text.find('"', at) - at);
}

} // namespace detail

// Parses argc/argv into `cfg`. Returns the exit code when the program should
// end now (0 after --help, 2 on a bad command line), nullopt to go on.
// `what` is the program's one-line description for --help.
inline std::optional<int> parse(config& cfg, int argc, char** argv, const char* what,
                                const std::string& group = {}) {
  const char* prog = argc > 0 ? argv[0] : "example";
  if (auto err = cfg.parse(argc, argv)) {
    auto arg = detail::argument_of(err);
    if (err.category() == caf::atom("parser") && err.code() == static_cast<uint8_t>(caf::pec::not_an_option))
      std::fprintf(stderr, "%s: unknown option %s (see --help)\n", prog, arg.c_str());
    else
      std::fprintf(stderr, "%s: cannot read %s: %s (see --help)\n", prog, arg.c_str(),
                   supervise::render(err).c_str());
    return 2;
  }
  if (cfg.cli_helptext_printed) { // CAF printed its global options (all with --long-help)
    std::fprintf(stderr, "\n%s: %s\n\n%s\n", prog, what, cfg.help_for(group).c_str());
    return 0;
  }
  if (!cfg.remainder.empty()) {
    std::fprintf(stderr, "%s: unexpected argument '%s' (options only, see --help)\n", prog,
                 cfg.remainder.front().c_str());
    return 2;
  }
  return std::nullopt;
}

// The value of `x` (spec_from/tree_options_from), or the exit code 2 after
// a message naming every bad key.
template <class T>
std::optional<T> checked(const char* prog, caf::expected<T> x) {
  if (x)
    return std::move(*x);
  auto text = supervise::detail_of(x.error()); // "supervise.stop-timeout=...: ..."
  std::fprintf(stderr, "%s: %s\n", prog,
               text.empty() ? supervise::render(x.error()).c_str() : text.c_str());
  return std::nullopt;
}

} // namespace example
