#include "supervise/actors/distribution.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/settings.hpp>

#include "supervise/actors/errc.hpp"
#include "supervise/actors/tls_files.hpp"
#include "supervise/errc.hpp"

namespace supervise::actors {

namespace detail {
bool openssl_error_queue_cleared() noexcept; // openssl_error_queue.cpp
} // namespace detail

namespace {

// A handshake (TCP, TLS, BASP) must finish within one heartbeat interval:
// below this, TLS connects fail on loopback already.
constexpr auto shortest_heartbeat = std::chrono::milliseconds(50);

// "50ms", "1s", "250us": the largest unit that divides the value.
std::string text(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  if (d.count() != 0 && d % seconds(1) == nanoseconds(0))
    return std::to_string(d / seconds(1)) + "s";
  if (d % milliseconds(1) == nanoseconds(0))
    return std::to_string(d / milliseconds(1)) + "ms";
  if (d % microseconds(1) == nanoseconds(0))
    return std::to_string(d / microseconds(1)) + "us";
  return std::to_string(d.count()) + "ns";
}

// Every problem of the pair, its fields named with `heartbeat` and `timeout`.
caf::error check_pair(std::chrono::nanoseconds hb, std::chrono::nanoseconds to,
                      const std::string& heartbeat, const std::string& timeout) {
  std::string problems;
  auto add = [&](std::string p) { problems += (problems.empty() ? "" : "; ") + std::move(p); };
  if (hb < shortest_heartbeat)
    add(heartbeat + " = " + text(hb) + ": must be >= " + text(shortest_heartbeat)
        + " (a TLS handshake must finish within one heartbeat)");
  if (to < 2 * hb)
    add(timeout + " = " + text(to) + ": must be >= 2 * " + heartbeat + " (" + text(2 * hb)
        + ")");
  if (problems.empty())
    return {};
  return make_error(errc::invalid_option, std::move(problems));
}

} // namespace

caf::error validate(const distribution_options& x) {
  return check_pair(x.heartbeat_interval, x.connection_timeout, "heartbeat_interval",
                    "connection_timeout");
}

caf::error prepare_distribution(caf::actor_system_config& cfg, distribution_options opts) {
  // A value of cfg's own (command line, INI file) wins over opts.
  auto given = [&](const char* key, std::chrono::nanoseconds dflt) -> std::chrono::nanoseconds {
    auto v = caf::get_or(cfg, key, caf::timespan{0});
    return v.count() > 0 ? std::chrono::nanoseconds{v} : dflt;
  };
  auto hb = given("middleman.heartbeat-interval", opts.heartbeat_interval);
  auto to = given("middleman.connection-timeout", opts.connection_timeout);
  if (auto err = check_pair(hb, to, "middleman.heartbeat-interval", "middleman.connection-timeout"))
    return err;
  if (!opts.insecure)
    if (auto err = check(tls_files_from(cfg)))
      return err;
  cfg.set("middleman.heartbeat-interval", caf::timespan{hb});
  cfg.set("middleman.connection-timeout", caf::timespan{to});
  if (caf::get_if(&cfg.content, "middleman.workers") == nullptr)
    cfg.set("middleman.workers", opts.middleman_workers);
  // The lease grants of remote children carry epochs as a vector.
  cfg.add_message_type<std::vector<uint64_t>>("std::vector<uint64_t>");
  cfg.load<caf::io::middleman>();
  if (!opts.insecure) {
    // Links the fix for CAF's use of OpenSSL's error queue (see that file).
    [[maybe_unused]] auto fixed = detail::openssl_error_queue_cleared();
    cfg.load<caf::openssl::manager>();
  }
  return {};
}

} // namespace supervise::actors
