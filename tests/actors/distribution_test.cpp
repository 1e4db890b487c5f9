// A process prepared for distribution: the heartbeat pair set (CAF 0.17
// leaves both off, so a hung peer is never detected), remote messages
// deserialized on CAF's I/O thread unless configured otherwise, values of
// the configuration winning over the options, impossible values refused by
// name, mutual TLS required unless `insecure`, and an actor system built
// from the prepared configuration.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/errc.hpp"
#include "tls_identity.hpp"

using namespace std::chrono_literals;
using namespace supervise::actors;
using test::text_of;

namespace {

caf::timespan setting(const caf::actor_system_config& cfg, const char* key) {
  return caf::get_or(cfg, key, caf::timespan{0});
}

// middleman.workers, or -1 when unset.
int64_t mm_workers(const caf::actor_system_config& cfg) {
  auto x = caf::get_if(&cfg.content, "middleman.workers");
  return x == nullptr ? -1 : caf::get_or(cfg, "middleman.workers", size_t{0});
}

struct distribution_fixture : test::identity_fixture {
  // A config with this identity's files as CAF's openssl.* keys.
  void use_identity(caf::actor_system_config& cfg) const {
    cfg.set("openssl.certificate", at("node.pem"));
    cfg.set("openssl.key", at("node.key"));
    cfg.set("openssl.cafile", at("ca.pem"));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(distribution_settings, distribution_fixture)

BOOST_AUTO_TEST_CASE(the_heartbeat_pair_is_set_and_the_system_starts) {
  caf::actor_system_config cfg;
  use_identity(cfg);
  BOOST_REQUIRE_EQUAL(text_of(prepare_distribution(cfg)), "(none)");
  BOOST_CHECK(setting(cfg, "middleman.heartbeat-interval") == 100ms);
  BOOST_CHECK(setting(cfg, "middleman.connection-timeout") == 500ms);
  // Remote messages are deserialized on the I/O thread: an idle node's
  // lease renewals wake no scheduler worker.
  BOOST_CHECK_EQUAL(mm_workers(cfg), 0);
  caf::actor_system sys{cfg}; // the middleman and openssl modules load
  BOOST_CHECK(sys.has_middleman());
}

BOOST_AUTO_TEST_CASE(the_configuration_wins_over_the_options) {
  caf::actor_system_config cfg;
  use_identity(cfg);
  cfg.set("middleman.heartbeat-interval", caf::timespan{1s}); // e.g. a WAN setting
  cfg.set("middleman.connection-timeout", caf::timespan{5s});
  cfg.set("middleman.workers", size_t{3});
  BOOST_REQUIRE_EQUAL(text_of(prepare_distribution(cfg)), "(none)");
  BOOST_CHECK(setting(cfg, "middleman.heartbeat-interval") == 1s);
  BOOST_CHECK(setting(cfg, "middleman.connection-timeout") == 5s);
  BOOST_CHECK_EQUAL(mm_workers(cfg), 3);
}

BOOST_AUTO_TEST_CASE(middleman_workers_come_from_the_options) {
  caf::actor_system_config cfg;
  use_identity(cfg);
  distribution_options opts;
  opts.middleman_workers = 2;
  BOOST_REQUIRE_EQUAL(text_of(prepare_distribution(cfg, opts)), "(none)");
  BOOST_CHECK_EQUAL(mm_workers(cfg), 2);
}

BOOST_AUTO_TEST_CASE(impossible_timing_is_refused_by_name) {
  distribution_options fast;
  fast.heartbeat_interval = 10ms;
  fast.connection_timeout = 15ms;
  auto err = validate(fast);
  BOOST_CHECK(err == supervise::errc::invalid_option);
  BOOST_CHECK_EQUAL(text_of(err),
                    "heartbeat_interval = 10ms: must be >= 50ms (a TLS handshake must finish "
                    "within one heartbeat); connection_timeout = 15ms: must be >= 2 * "
                    "heartbeat_interval (20ms)");
  BOOST_CHECK(!validate(distribution_options{}));
  caf::actor_system_config cfg;
  use_identity(cfg);
  cfg.set("middleman.heartbeat-interval", caf::timespan{20ms});
  BOOST_CHECK(text_of(prepare_distribution(cfg)).find("middleman.heartbeat-interval = 20ms") == 0);
}

BOOST_AUTO_TEST_CASE(mutual_tls_is_required_unless_insecure) {
  caf::actor_system_config without_files;
  auto err = prepare_distribution(without_files);
  BOOST_CHECK(err == actors_errc::tls_files);
  BOOST_CHECK_EQUAL(text_of(err), "openssl.certificate: required for mutual TLS");
  caf::actor_system_config bad_key;
  use_identity(bad_key);
  bad_key.set("openssl.key", at("other.key"));
  BOOST_CHECK(text_of(prepare_distribution(bad_key)).find("does not match") != std::string::npos);
  distribution_options plain;
  plain.insecure = true;
  caf::actor_system_config insecure;
  BOOST_REQUIRE_EQUAL(text_of(prepare_distribution(insecure, plain)), "(none)");
  caf::actor_system sys{insecure};
  BOOST_CHECK(sys.has_middleman());
}

BOOST_AUTO_TEST_SUITE_END()
