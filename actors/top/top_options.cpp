// top_options.cpp — the command line parser of supervise-top.
#include "top_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <unistd.h>

#include <fmt/format.h>

namespace supervise::top {

namespace {

constexpr const char* program = "supervise-top";

parse_outcome bad(std::string message) {
  return {std::nullopt, 2,
          fmt::format("{}: {}\n(try {} --help)\n", program, message, program)};
}

// A decimal number in [lo, hi], or nullopt.
std::optional<long> number_in(const std::string& text, long lo, long hi) {
  if (text.empty() || text.size() > 9)
    return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9')
      return std::nullopt;
  long x = std::strtol(text.c_str(), nullptr, 10);
  if (x < lo || x > hi)
    return std::nullopt;
  return x;
}

// HOST:PORT, HOST may be a bracketed IPv6 address ("[::1]:4000").
std::optional<endpoint_address> address_of(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host.find_first_of(" \t[]") != std::string::npos)
    return std::nullopt;
  auto port = number_in(text.substr(colon + 1), 1, 65535);
  if (!port)
    return std::nullopt;
  return endpoint_address{host, static_cast<uint16_t>(*port)};
}

// Empty when `path` names a readable file; else why not.
std::string unreadable(const std::string& path) {
  if (::access(path.c_str(), R_OK) == 0)
    return {};
  return std::strerror(errno);
}

} // namespace

std::string endpoint_address::text() const {
  if (host.find(':') != std::string::npos)
    return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::vector<std::string> addresses_of(const top_options& opts) {
  std::vector<std::string> out;
  for (auto& e : opts.endpoints)
    out.push_back(e.text());
  return out;
}

std::string usage_text() {
  return R"(usage: supervise-top [options] HOST:PORT [HOST:PORT ...]

Shows the supervision trees served by inspection endpoints, live.
On a terminal: a full-screen view redrawn in place (keys: q quit, / filter,
f follow events on/off, arrows and PgUp/PgDn scroll). Piped: the tree once,
then one line per event. With --once: one snapshot of each endpoint.

options:
  --once              print one snapshot of each endpoint and exit
  --json              with --once: a JSON array of per-endpoint snapshots
  --dot               with --once: a Graphviz digraph
  --filter PATTERN    only nodes whose DN matches (glob with * and ?, else a
                      substring), and their ancestors
  --interval MS       snapshot period of the live view, 50..3600000 (500)
  --tls-cert FILE     mutual TLS: this inspector's certificate (PEM)
  --tls-key FILE      its private key (PEM)
  --tls-ca FILE       the CA bundle the endpoint's certificate must chain to
  --help              this text

exit codes: 0 done, 1 an endpoint cannot be reached or went away,
            2 a bad command line
)";
}

parse_outcome parse_top_options(int argc, const char* const* argv) {
  top_options opts;
  bool json = false;
  bool dot = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--")
      break; // operands only from here (handled below)
    if (arg.size() < 2 || arg[0] != '-') {
      auto addr = address_of(arg);
      if (!addr)
        return bad(fmt::format("bad endpoint '{}': expected HOST:PORT with PORT 1..65535", arg));
      opts.endpoints.push_back(*addr);
      continue;
    }
    // --name=value or --name value
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    auto flag = [&]() -> bool {
      return !inline_value;
    };
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value)
        return inline_value;
      if (i + 1 < argc)
        return std::string{argv[++i]};
      return std::nullopt;
    };
    if (name == "--help" || name == "-h") {
      return {std::nullopt, 0, usage_text()};
    } else if (name == "--once" || name == "--json" || name == "--dot") {
      if (!flag())
        return bad(fmt::format("{} takes no value (got '{}')", name, *inline_value));
      (name == "--once" ? opts.once : name == "--json" ? json : dot) = true;
    } else if (name == "--interval") {
      auto v = value();
      if (!v)
        return bad("--interval needs a value in milliseconds");
      auto ms = number_in(*v, 50, 3600000);
      if (!ms)
        return bad(fmt::format("--interval '{}': must be a whole number of milliseconds, "
                               "50..3600000",
                               *v));
      opts.interval = std::chrono::milliseconds{*ms};
    } else if (name == "--filter") {
      auto v = value();
      if (!v || v->empty())
        return bad("--filter needs a non-empty pattern");
      opts.filter = *v;
    } else if (name == "--tls-cert" || name == "--tls-key" || name == "--tls-ca") {
      auto v = value();
      if (!v || v->empty())
        return bad(fmt::format("{} needs a file", name));
      if (auto why = unreadable(*v); !why.empty())
        return bad(fmt::format("{} '{}': {}", name, *v, why));
      (name == "--tls-cert" ? opts.tls_certificate
                            : name == "--tls-key" ? opts.tls_key : opts.tls_ca) = *v;
    } else {
      return bad(fmt::format("unknown option '{}'", arg));
    }
  }
  for (int i = 1; i < argc; ++i)
    if (std::string_view{argv[i]} == "--") {
      for (int j = i + 1; j < argc; ++j) {
        auto addr = address_of(argv[j]);
        if (!addr)
          return bad(fmt::format("bad endpoint '{}': expected HOST:PORT with PORT 1..65535",
                                 argv[j]));
        opts.endpoints.push_back(*addr);
      }
      break;
    }
  if (json && dot)
    return bad("--json and --dot exclude each other");
  if ((json || dot) && !opts.once)
    return bad(fmt::format("{} needs --once", json ? "--json" : "--dot"));
  opts.format = json ? once_format::json : dot ? once_format::dot : once_format::text;
  int tls_given = !opts.tls_certificate.empty() + !opts.tls_key.empty() + !opts.tls_ca.empty();
  if (tls_given != 0 && tls_given != 3) {
    std::string missing;
    for (auto [name, v] : {std::pair{"--tls-cert", &opts.tls_certificate},
                           std::pair{"--tls-key", &opts.tls_key},
                           std::pair{"--tls-ca", &opts.tls_ca}})
      if (v->empty())
        missing += missing.empty() ? name : std::string{" and "} + name;
    return bad(fmt::format("--tls-cert, --tls-key and --tls-ca go together: missing {}",
                           missing));
  }
  if (opts.endpoints.empty())
    return bad("no endpoint: name at least one HOST:PORT");
  return {std::move(opts), 0, {}};
}

} // namespace supervise::top
