// The inspection endpoint over CAF io: an inspector in another actor system
// gets hello, a snapshot of a nested tree and the event stream with a
// restart; a follower that fell behind skips ahead with a count; one that
// stops asking is dropped (and told so), while the tree restarts on; bad
// options are refused by name; over mutual TLS an inspector of another CA
// is refused and one of the same CA is served.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "actors_support.hpp"
#include <caf/openssl/remote_actor.hpp>

#include "supervise/actors/distribution.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/inspection.hpp"
#include "supervise/actors/inspection_protocol.hpp"
#include "supervise/supervisor.hpp"
#include "tls_identity.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;
using nlohmann::json;

namespace {

// The inspected tree: root with "inspect" (the endpoint), "api" (a nested
// supervisor with db) and "w" (fails on request).
struct inspected_tree {
  std::shared_ptr<published_endpoint> ep = std::make_shared<published_endpoint>();
  std::shared_ptr<inspection> insp;
  std::optional<supervisor> api;
  std::optional<tree> t;

  inspected_tree(caf::actor_system& sys, recording& r, inspection_options o = {}) {
    o.endpoint = ep;
    insp = make_inspection(o);
    spec sp;
    sp.on_state = r.rec.hook();
    sp.sink = r.logs.sink();
    api.emplace(sys, "api", sp);
    api->add("db", becomes_healthy(r.rec));
    auto opts = r.options();
    opts.observers = {insp};
    auto endpoint = insp->endpoint();
    auto nested = api->as_runnable();
    auto w = becomes_healthy(r.rec);
    t.emplace(sys,
              [=](caf::event_based_actor*, context& ctx) -> caf::behavior {
                run(ctx, "inspect", endpoint);
                run(ctx, "api", nested);
                run(ctx, "w", w);
                signal(ctx, signal_type::healthy);
                return {[](ping_atom) {}};
              },
              opts);
    BOOST_REQUIRE(r.rec.wait("root.api.db", node_state::healthy));
    BOOST_REQUIRE(r.rec.wait("root.w", node_state::healthy));
    BOOST_REQUIRE(ep->wait_listening(10s) != 0);
  }

  ~inspected_tree() {
    t->stop();
    t->wait();
  }
};

// An inspector: one actor (a follower is named by its actor) talking to
// the endpoint at `port` from `sys`.
struct inspector {
  caf::scoped_actor self;
  caf::actor server;

  inspector(caf::actor_system& sys, uint16_t port) : self(sys) {
    auto a = sys.middleman().remote_actor("127.0.0.1", port);
    BOOST_REQUIRE_MESSAGE(a, "connect: " << (a ? "" : render(a.error())));
    server = *a;
  }
  inspector(caf::actor_system& sys, caf::actor a) : self(sys), server(std::move(a)) {}

  // One request, its JSON reply (null on an error, whose text goes to `err`).
  json ask(caf::message req, std::string* err = nullptr) {
    json out;
    self->request(server, caf::timespan{10s}, std::move(req))
      .receive([&](const std::string& text) { out = json::parse(text); },
               [&](const caf::error& e) {
                 if (err)
                   *err = render(e);
               });
    return out;
  }
  json hello() { return ask(caf::make_message(inspect_hello_atom::value)); }
  json snapshot() { return ask(caf::make_message(inspect_snapshot_atom::value)); }
  json follow(uint64_t after, uint32_t wait_ms, std::string* err = nullptr) {
    return ask(caf::make_message(inspect_follow_atom::value, after, wait_ms), err);
  }

  // Follows from `after` until an event of `kind` about `dn` arrives; its
  // seq (0 when none came within the bound).
  uint64_t follow_until(uint64_t after, const std::string& kind, const std::string& dn) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto batch = follow(after, 500);
      if (batch.is_null())
        return 0;
      for (auto& e : batch["events"])
        if (e["kind"] == kind && e["dn"] == dn)
          return e["seq"].get<uint64_t>();
      after = batch["next"].get<uint64_t>();
    }
    return 0;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(inspection_endpoint, net_fixture)

BOOST_AUTO_TEST_CASE(an_inspector_gets_the_tree_and_follows_a_restart) {
  inspection_options o;
  o.snapshot_max_age = 0s; // every snapshot fresh
  inspected_tree it{server_sys, *this, o};
  inspector in{client_sys, it.ep->port()};
  auto hello = in.hello();
  BOOST_CHECK_EQUAL(hello["protocol"], inspection_protocol_version);
  BOOST_CHECK_EQUAL(hello["root"], "root");
  BOOST_CHECK_EQUAL(hello["read_only"], true);
  auto snap = in.snapshot();
  std::vector<std::string> dns;
  for (auto& n : snap["nodes"])
    dns.push_back(n["dn"]);
  BOOST_CHECK(dns
              == (std::vector<std::string>{"root", "root.inspect", "root.api", "root.api.db",
                                           "root.w"}));
  BOOST_CHECK(snap["nodes"][2]["accounting"].is_object()); // the nested supervisor's
  BOOST_CHECK_EQUAL(snap["nodes"][4]["state"], "HEALTHY");
  // Following from now on: a restart of w shows as its failure, then its start.
  auto first = in.follow(0, 0);
  BOOST_REQUIRE(!first.is_null());
  BOOST_CHECK_EQUAL(it.insp->followers(), 1u);
  caf::anon_send(rec.actor("root.w"), fail_atom::value);
  auto failed = in.follow_until(first["next"], "child_failed", "root.w");
  BOOST_REQUIRE(failed != 0);
  BOOST_CHECK(in.follow_until(failed, "child_started", "root.w") > failed);
  // The snapshot says so too.
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy, 2));
  auto after = in.snapshot();
  bool seen = false;
  for (auto& n : after["nodes"])
    if (n["dn"] == "root.w") {
      seen = true;
      BOOST_CHECK(n["restarts"].get<int>() >= 1);
      BOOST_CHECK_EQUAL(n["last_exit"], "system::runtime_error");
    }
  BOOST_CHECK(seen);
}

BOOST_AUTO_TEST_CASE(a_follower_that_fell_behind_skips_ahead_with_a_count) {
  inspection_options o;
  o.buffer = 4;
  inspected_tree it{server_sys, *this, o};
  inspector in{client_sys, it.ep->port()};
  auto start = in.follow(0, 0);
  auto after = start["next"].get<uint64_t>();
  for (int i = 0; i < 3; ++i) { // each restart: failed, DEAD, started, NEW, healthy, HEALTHY
    caf::anon_send(rec.actor("root.w"), fail_atom::value);
    BOOST_REQUIRE(rec.wait("root.w", node_state::healthy, static_cast<size_t>(i + 2)));
  }
  auto batch = in.follow(after, 0);
  BOOST_CHECK_EQUAL(batch["events"].size(), 4u);
  BOOST_CHECK(batch["dropped"].get<uint64_t>() >= 12u);
  BOOST_CHECK_EQUAL(batch["next"].get<uint64_t>(), batch["events"].back()["seq"].get<uint64_t>());
  BOOST_CHECK_EQUAL(batch["dropped"].get<uint64_t>() + 4u, batch["next"].get<uint64_t>() - after);
}

BOOST_AUTO_TEST_CASE(a_stalled_follower_is_dropped_and_the_tree_restarts_on) {
  inspection_options o;
  o.stall_timeout = 200ms;
  inspected_tree it{server_sys, *this, o};
  inspector in{client_sys, it.ep->port()};
  auto start = in.follow(0, 0);
  BOOST_CHECK_EQUAL(it.insp->followers(), 1u);
  // It never asks again: dropped after the stall timeout.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (it.insp->dropped_followers() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms); // ok-sleep: polls a counter with a bound
  BOOST_REQUIRE_EQUAL(it.insp->dropped_followers(), 1u);
  BOOST_CHECK_EQUAL(it.insp->followers(), 0u);
  // Nothing is recorded while nobody follows; the tree restarts as before.
  auto recorded = it.insp->recorded();
  caf::anon_send(rec.actor("root.w"), fail_atom::value);
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy, 2));
  BOOST_CHECK_EQUAL(it.insp->recorded(), recorded);
  // Told so when it comes back; its next request starts it again.
  std::string err;
  BOOST_CHECK(in.follow(start["next"], 0, &err).is_null());
  BOOST_CHECK(err.find("inspector_dropped") != std::string::npos);
  BOOST_CHECK(!in.follow(start["next"], 0).is_null());
  BOOST_CHECK_EQUAL(it.insp->followers(), 1u);
}

BOOST_AUTO_TEST_CASE(inspectors_asking_together_share_one_snapshot) {
  inspection_options o;
  o.snapshot_max_age = 1h;
  inspected_tree it{server_sys, *this, o};
  inspector a{client_sys, it.ep->port()};
  inspector b{client_sys, it.ep->port()};
  auto first = a.snapshot();
  caf::anon_send(rec.actor("root.w"), fail_atom::value);
  BOOST_REQUIRE(rec.wait("root.w", node_state::healthy, 2));
  auto second = b.snapshot(); // within max age: the same one, not taken again
  BOOST_CHECK_EQUAL(first.dump(), second.dump());
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_by_name) {
  inspection_options o;
  o.address = "";
  o.port = 70000;
  o.buffer = 0;
  o.batch = 0;
  o.stall_timeout = 0s;
  auto text = render(validate(o));
  for (auto* field : {"address", "port = 70000", "buffer = 0", "batch = 0", "stall_timeout = 0ns"})
    BOOST_CHECK_MESSAGE(text.find(field) != std::string::npos, field << " in " << text);
  BOOST_CHECK_THROW(make_inspection(o), std::invalid_argument);
  BOOST_CHECK(!validate(inspection_options{}));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A system prepared for mutual TLS with the given files.
struct inspection_tls_config : caf::actor_system_config {
  inspection_tls_config(const std::string& cert, const std::string& key, const std::string& ca) {
    set("scheduler.max-threads", 2);
    set("openssl.certificate", cert);
    set("openssl.key", key);
    set("openssl.cafile", ca);
    if (auto err = prepare_distribution(*this))
      throw std::runtime_error(render(err));
  }
};

struct inspection_tls_fixture : identity_fixture, recording {
  inspection_tls_config server_cfg{at("node.pem"), at("node.key"), at("ca.pem")};
  caf::actor_system server_sys{server_cfg};
};

} // namespace

// One suite (one process under CTest) for the TLS case: see remote_tls_test.
BOOST_FIXTURE_TEST_SUITE(inspection_endpoint_tls, inspection_tls_fixture)

BOOST_AUTO_TEST_CASE(an_inspector_of_another_ca_is_refused) {
  inspection_options o;
  o.tls = true;
  inspected_tree it{server_sys, *this, o};
  {
    inspection_tls_config cfg{at("other.pem"), at("other.key"), at("ca.pem")};
    caf::actor_system sys{cfg};
    auto a = caf::openssl::remote_actor(sys, "127.0.0.1", it.ep->port());
    BOOST_CHECK(!a);
  }
  inspection_tls_config cfg{at("node.pem"), at("node.key"), at("ca.pem")};
  caf::actor_system sys{cfg};
  auto a = caf::openssl::remote_actor(sys, "127.0.0.1", it.ep->port());
  BOOST_REQUIRE_MESSAGE(a, "same CA: " << (a ? "" : render(a.error())));
  inspector in{sys, *a};
  BOOST_CHECK_EQUAL(in.hello()["root"], "root");
}

BOOST_AUTO_TEST_SUITE_END()
