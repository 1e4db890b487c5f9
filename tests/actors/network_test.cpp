// published_server and remote_connection over real sockets on 127.0.0.1
// (ports chosen free: port 0 where CAF allows), a second actor system in the
// same process and a second OS process; periodic on the manual clock; and the
// option checks of every factory.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <stdexcept>

#include "actors_support.hpp"
#include "supervise/actors/command.hpp"
#include "supervise/actors/errc.hpp"
#include "supervise/actors/periodic.hpp"
#include "supervise/actors/published_server.hpp"
#include "supervise/actors/remote_connection.hpp"

using namespace std::chrono_literals;
using namespace supervise;
using namespace supervise::actors;
using namespace test;

namespace {

published_server_options doubler_server(std::shared_ptr<published_endpoint> ep, int port = 0) {
  published_server_options opts;
  opts.make_actor = make_doubler;
  opts.port = port;
  opts.endpoint = std::move(ep);
  return opts;
}

// remote_actor from `sys`, retried (bounded) while the server side restarts.
caf::actor connect_to(caf::actor_system& sys, uint16_t port) {
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    auto h = sys.middleman().remote_actor("127.0.0.1", port);
    if (h && ask(sys, *h) == 42)
      return *h;
    std::this_thread::sleep_for(20ms); // ok-sleep: retry pacing while the server restarts
  }
  return nullptr;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(published_server_runnable, net_fixture)

BOOST_AUTO_TEST_CASE(published_actor_answers_a_request_from_a_second_actor_system) {
  auto ep = std::make_shared<published_endpoint>();
  tree t{server_sys, one_child("srv", published_server(doubler_server(ep))), options()};
  BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy));
  auto port = ep->port();
  BOOST_REQUIRE(port != 0);
  BOOST_CHECK(logs.wait("root.srv", "listening on 127.0.0.1:" + std::to_string(port)));
  auto remote = client_sys.middleman().remote_actor("127.0.0.1", port);
  BOOST_REQUIRE(remote);
  BOOST_CHECK_EQUAL(ask(client_sys, *remote), 42);
  t.stop();
  BOOST_CHECK(!t.wait());
  BOOST_CHECK_EQUAL(rec.count("root.srv", node_state::canceled), 1u);
  BOOST_CHECK(logs.wait("root.srv", "unpublished 127.0.0.1:" + std::to_string(port)));
  BOOST_CHECK(!ep->listening());
}

BOOST_AUTO_TEST_CASE(published_server_survives_a_restart_on_the_same_port) {
  auto ep = std::make_shared<published_endpoint>();
  tree t{server_sys, one_child("srv", published_server(doubler_server(ep))), options()};
  BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy));
  auto port = ep->port();
  auto first = ep->actor();
  BOOST_CHECK(connect_to(client_sys, port));
  caf::anon_send_exit(first, caf::exit_reason::kill); // the served actor dies
  BOOST_REQUIRE(rec.wait("root.srv", node_state::dead));
  BOOST_CHECK(logs.wait("root.srv", "served actor exited"));
  BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy, 2));
  BOOST_CHECK_EQUAL(ep->port(), port); // sticky ephemeral port
  BOOST_CHECK(ep->actor() != first);
  BOOST_CHECK(connect_to(client_sys, port));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(stopped_server_frees_its_port_for_the_next_tree) {
  uint16_t port = 0;
  {
    auto ep = std::make_shared<published_endpoint>();
    tree t{server_sys, one_child("srv", published_server(doubler_server(ep))), options()};
    BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy));
    port = ep->port();
    t.stop();
    BOOST_CHECK(!t.wait());
  }
  auto ep = std::make_shared<published_endpoint>();
  tree t{server_sys, one_child("srv", published_server(doubler_server(ep, port))), options()};
  BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy, 2));
  BOOST_CHECK_EQUAL(ep->port(), port);
  BOOST_CHECK_EQUAL(rec.count("root.srv", node_state::dead), 0u);
  BOOST_CHECK(connect_to(client_sys, port));
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_CASE(unbindable_port_fails_naming_address_and_port_with_backoff) {
  held_port taken;
  auto opts = doubler_server(nullptr, taken.port);
  opts.rebind_window = 0ns;
  tree t{server_sys, one_child("srv", published_server(opts)), options()};
  BOOST_REQUIRE(rec.wait("root.srv", node_state::dead, 3));
  BOOST_CHECK(logs.wait("root.srv", "cannot publish: 127.0.0.1:" + std::to_string(taken.port)));
  BOOST_CHECK(logs.wait("root.srv", "restarting after backoff of 30 ms"));
  BOOST_CHECK_EQUAL(rec.count("root.srv", node_state::healthy), 0u);
  t.stop();
  t.wait();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(remote_connection_runnable, net_fixture)

BOOST_AUTO_TEST_CASE(remote_connection_reconnects_after_the_server_restarts) {
  auto ep = std::make_shared<published_endpoint>();
  tree server{server_sys, one_child("srv", published_server(doubler_server(ep))), options()};
  BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy));
  auto port = ep->port();
  auto handle = std::make_shared<remote_handle>();
  remote_connection_options ropts;
  ropts.port = port;
  ropts.handle = handle;
  tree client{client_sys, one_child("conn", remote_connection(ropts)), options()};
  BOOST_REQUIRE(handle->wait_connections(1, 10s));
  auto first = handle->get();
  BOOST_REQUIRE(first);
  BOOST_CHECK_EQUAL(ask(client_sys, *first), 42);
  // The server restarts: its actor dies, a new one is published on the port.
  caf::anon_send_exit(ep->actor(), caf::exit_reason::kill);
  BOOST_REQUIRE(rec.wait("root.conn", node_state::dead));
  BOOST_CHECK(logs.wait("root.conn", "connection lost: 127.0.0.1:" + std::to_string(port)));
  BOOST_REQUIRE(rec.wait("root.srv", node_state::healthy, 2));
  BOOST_REQUIRE(handle->wait_connections(2, 10s));
  auto second = handle->get();
  BOOST_REQUIRE(second);
  BOOST_CHECK(*second != *first);
  BOOST_CHECK_EQUAL(ask(client_sys, *second), 42);
  client.stop();
  BOOST_CHECK(!client.wait());
  BOOST_CHECK(rec.wait("root.conn", node_state::canceled));
  BOOST_CHECK(handle->get().error() == actors_errc::not_running);
  server.stop();
  server.wait();
}

BOOST_AUTO_TEST_CASE(lost_peer_process_is_remote_link_unreachable_and_reconnects) {
  // The server is another OS process, itself supervised by a command.
  auto port = free_port();
  auto ctl = std::make_shared<command_control>();
  command_options copts;
  copts.argv = {SUPERVISE_ACTORS_PEER, std::to_string(port)};
  copts.ready_line = "listening";
  copts.grace = 2s;
  copts.control = ctl;
  tree server{server_sys, one_child("peer", command(copts)), options()};
  BOOST_REQUIRE(rec.wait("root.peer", node_state::healthy));
  auto handle = std::make_shared<remote_handle>();
  remote_connection_options ropts;
  ropts.port = port;
  ropts.handle = handle;
  tree client{client_sys, one_child("conn", remote_connection(ropts)), options()};
  BOOST_REQUIRE(handle->wait_connections(1, 10s));
  BOOST_CHECK_EQUAL(ask(client_sys, *handle->get()), 42);
  BOOST_CHECK(!ctl->signal(SIGKILL)); // the peer process dies
  BOOST_REQUIRE(rec.wait("root.conn", node_state::dead));
  BOOST_CHECK(logs.wait("root.conn", "remote_link_unreachable"));
  BOOST_CHECK(logs.wait("root.peer", "killed by SIGKILL"));
  BOOST_REQUIRE(handle->wait_connections(2, 10s)); // peer restarted, reconnected
  BOOST_CHECK_EQUAL(ask(client_sys, *handle->get()), 42);
  client.stop();
  client.wait();
  server.stop();
  BOOST_CHECK(!server.wait());
  BOOST_CHECK_EQUAL(count_children().first, 0u);
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_connect_failed_with_backoff) {
  auto handle = std::make_shared<remote_handle>();
  remote_connection_options ropts;
  ropts.port = free_port();
  ropts.handle = handle;
  tree client{client_sys, one_child("conn", remote_connection(ropts)), options()};
  BOOST_REQUIRE(rec.wait("root.conn", node_state::dead, 2));
  BOOST_CHECK(logs.wait("root.conn", "cannot connect: 127.0.0.1:" + std::to_string(ropts.port)));
  auto h = handle->get();
  BOOST_CHECK(h.error() == actors_errc::not_running);
  BOOST_CHECK(supervise::render(h.error()).find("not connected") != std::string::npos);
  client.stop();
  client.wait();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(periodic_runnable, manual_fixture)

BOOST_AUTO_TEST_CASE(periodic_runs_every_interval_and_stops_cleanly) {
  int calls = 0;
  tree t{sys, one_child("tick", every(100ms, [&](context&) -> caf::error {
                          ++calls;
                          return {};
                        })),
         options()};
  settle();
  BOOST_CHECK_EQUAL(rec.count("root.tick", node_state::healthy), 1u);
  BOOST_CHECK_EQUAL(calls, 0);
  advance(99ms);
  BOOST_CHECK_EQUAL(calls, 0);
  advance(1ms);
  BOOST_CHECK_EQUAL(calls, 1);
  for (int i = 0; i < 3; ++i)
    advance(100ms); // the next tick is armed when a call ends
  BOOST_CHECK_EQUAL(calls, 4);
  stop(t);
  BOOST_CHECK(t.stopped());
  BOOST_CHECK_EQUAL(rec.count("root.tick", node_state::canceled), 1u);
  advance(1s);
  BOOST_CHECK_EQUAL(calls, 4); // no call after the stop
}

BOOST_AUTO_TEST_CASE(periodic_error_fails_the_node_and_it_restarts) {
  int calls = 0;
  periodic_options popts;
  popts.interval = 100ms;
  popts.immediately = true;
  popts.fn = [&](context&) -> caf::error {
    return ++calls == 2 ? caf::error{caf::sec::runtime_error} : caf::error{};
  };
  tree t{sys, one_child("tick", periodic(popts)), options()};
  settle();
  BOOST_CHECK_EQUAL(calls, 1);
  advance(100ms);
  BOOST_CHECK_EQUAL(rec.count("root.tick", node_state::dead), 1u);
  advance(500ms); // backoff
  BOOST_CHECK_EQUAL(rec.count("root.tick", node_state::new_), 2u);
  BOOST_CHECK_EQUAL(calls, 3);
  stop(t);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(actors_options)

template <class F>
std::string thrown_by(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

BOOST_AUTO_TEST_CASE(errors_render_through_the_core) {
  supervise::actors::name_category();
  BOOST_CHECK_EQUAL(supervise::render(make_error(actors_errc::exited, "exit status 3")),
                    "sv_actors::exited(\"exit status 3\")");
  BOOST_CHECK_EQUAL(supervise::detail_of(make_error(actors_errc::bind_failed, "127.0.0.1:1")),
                    "127.0.0.1:1");
}

BOOST_AUTO_TEST_CASE(bad_options_throw_naming_the_bad_value) {
  command_options c;
  BOOST_CHECK_EQUAL(thrown_by([&] { command(c); }), "command: argv is empty");
  c.argv = {""};
  BOOST_CHECK_EQUAL(thrown_by([&] { command(c); }), "command: argv[0] (the executable) is empty");
  c.argv = {"/bin/true"};
  c.grace = 0ns;
  BOOST_CHECK_EQUAL(thrown_by([&] { command(c); }), "command: grace must be > 0, got 0 ns");
  c.grace = -5ns;
  BOOST_CHECK_EQUAL(thrown_by([&] { command(c); }), "command: grace must be > 0, got -5 ns");
  c.grace = 1s;
  c.env = {{"A=B", "x"}};
  BOOST_CHECK_EQUAL(thrown_by([&] { command(c); }), "command: bad environment key \"A=B\"");
  c.env.clear();
  BOOST_CHECK(validate(c) == caf::error{});
  published_server_options p;
  p.make_actor = make_doubler;
  p.port = 70000;
  BOOST_CHECK_EQUAL(thrown_by([&] { published_server(p); }),
                    "published_server: port 70000 is out of range 0..65535");
  p.port = -1;
  BOOST_CHECK(validate(p) == errc::invalid_option);
  p.port = 0;
  p.address = "";
  BOOST_CHECK_EQUAL(thrown_by([&] { published_server(p); }), "published_server: address is empty");
  remote_connection_options r;
  BOOST_CHECK_EQUAL(thrown_by([&] { remote_connection(r); }),
                    "remote_connection: port 0 is out of range 1..65535");
  periodic_options q;
  q.fn = [](context&) { return caf::error{}; };
  q.interval = 0ns;
  BOOST_CHECK_EQUAL(thrown_by([&] { periodic(q); }), "periodic: interval must be > 0, got 0 ns");
}

BOOST_AUTO_TEST_SUITE_END()
