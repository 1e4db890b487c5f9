// simulated_network_test.cpp — the simulated network's connections behave
// as CAF's middleman's do for the code that runs over them: requests and
// replies cross with their handles translated, a monitor of a remote actor
// fires with its own exit reason, a lost connection ends every proxy over it
// with remote_link_unreachable, and held traffic arrives in order once
// released. All on CAF's test coordinator (one thread, a manual clock).
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "simulation/simulated_network.hpp"
#include "supervise/testing.hpp"

using supervise::actors::detail::simulated_network;

namespace {

using echo_atom = caf::atom_constant<caf::atom("echo")>;
using who_atom = caf::atom_constant<caf::atom("who")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;

// Answers `echo` with its text, `who` with the sender it saw (also kept in `seen`).
caf::behavior echo(caf::event_based_actor* self, std::shared_ptr<caf::actor> seen) {
  return {
    [](echo_atom, const std::string& s) { return s; },
    [self, seen](who_atom) {
      *seen = caf::actor_cast<caf::actor>(self->current_sender());
      return *seen;
    },
  };
}

// Keeps every text it gets and the reason of every down report; monitors
// what `watch` names.
struct inbox {
  std::vector<std::string> got;
  std::vector<std::string> downs; // caf::to_string of each reason
};

caf::behavior listener(caf::event_based_actor* self, std::shared_ptr<inbox> in) {
  self->set_down_handler([in](caf::down_msg& m) { in->downs.push_back(caf::to_string(m.reason)); });
  return {
    [in](const std::string& s) { in->got.push_back(s); },
    [self](watch_atom, const caf::actor& who) { self->monitor(who); },
  };
}

std::string text(caf::exit_reason r) {
  return caf::to_string(caf::make_error(r));
}

struct network_fixture {
  supervise::testing::manual_clock_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched =
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<simulated_network> net = std::make_shared<simulated_network>(sys, "a");
  std::shared_ptr<caf::actor> seen = std::make_shared<caf::actor>();
  caf::actor server = sys.spawn(echo, seen);
  std::shared_ptr<inbox> in = std::make_shared<inbox>();
  caf::actor client = sys.spawn(listener, in);

  network_fixture() {
    net->place(server, "b");
    net->place(client, "a");
  }

  ~network_fixture() {
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // The client monitors `p`: the reasons land in the inbox.
  void watch(const caf::actor& p) { caf::anon_send(client, watch_atom::value, p); }

  // `client` asks `target` to echo `text`; the reply (or error) lands in the inbox.
  void ask(const caf::actor& target, std::string text) {
    // (Spawned with arguments: CAF 0.17 binds a null tuple without any, see
    // tests/ubsan.supp.)
    sys.spawn(
      [](caf::event_based_actor* self, caf::actor target, std::string text,
         std::shared_ptr<inbox> in) {
        self->request(target, std::chrono::seconds(5), echo_atom::value, text)
          .then([in](const std::string& s) { in->got.push_back(s); },
                [in](const caf::error& e) { in->got.push_back("error: " + caf::to_string(e)); });
      },
      target, std::move(text), in);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(simulated_network_cases, network_fixture)

BOOST_AUTO_TEST_CASE(a_request_crosses_and_its_reply_comes_back) {
  auto p = net->view("a", server);
  BOOST_TEST((p != server));
  BOOST_TEST(net->connected("a", "b"));
  BOOST_TEST((net->view("b", server) == server));
  ask(p, "hi");
  sched.run();
  BOOST_TEST(in->got == std::vector<std::string>{"hi"});
}

BOOST_AUTO_TEST_CASE(handles_in_a_message_are_what_the_receiving_node_holds) {
  // The asker runs on "a": the server sees it through a proxy on "b", and
  // the handle it returns is, back on "a", the asker itself.
  auto p = net->view("a", server);
  caf::actor back_on_a;
  auto asker = sys.spawn(
    [&](caf::event_based_actor* self, caf::actor target) {
      self->request(target, std::chrono::seconds(5), who_atom::value).then([&](caf::actor& a) {
        back_on_a = a;
      });
    },
    p);
  net->place(asker, "a");
  sched.run();
  BOOST_TEST((back_on_a == asker));
  BOOST_REQUIRE(*seen);
  BOOST_TEST((*seen != asker));
  BOOST_TEST(net->node_of(seen->address()) == "a");
}

BOOST_AUTO_TEST_CASE(a_monitor_of_a_remote_actor_gets_its_own_exit_reason) {
  auto p = net->view("a", server);
  watch(p);
  sched.run();
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  sched.run();
  BOOST_REQUIRE_EQUAL(in->downs.size(), 1u);
  BOOST_TEST(in->downs[0] == text(caf::exit_reason::user_shutdown));
}

BOOST_AUTO_TEST_CASE(a_cut_connection_ends_each_proxy_with_remote_link_unreachable) {
  auto p = net->view("a", server);
  watch(p);
  sched.run();
  net->cut("a", "b");
  sched.run();
  BOOST_REQUIRE_EQUAL(in->downs.size(), 1u);
  BOOST_TEST(in->downs[0] == text(caf::exit_reason::remote_link_unreachable));
  BOOST_TEST(!net->connected("a", "b"));
  // The server itself runs on; a new view connects again.
  auto q = net->view("a", server);
  BOOST_TEST((q != p));
  ask(q, "again");
  sched.run();
  BOOST_TEST(in->got == std::vector<std::string>{"again"});
}

BOOST_AUTO_TEST_CASE(held_traffic_arrives_in_order_once_released) {
  auto q = net->view("b", client); // what "b" holds of the client on "a"
  net->hold("b", "a", true);
  caf::anon_send(q, std::string{"one"});
  caf::anon_send(q, std::string{"two"});
  sched.run();
  BOOST_TEST(in->got.empty());
  net->hold("b", "a", false);
  sched.run();
  BOOST_TEST(in->got == (std::vector<std::string>{"one", "two"}));
}

BOOST_AUTO_TEST_CASE(a_lost_node_kills_its_actors_and_is_unreachable) {
  auto p = net->view("a", server);
  watch(p);
  sched.run();
  net->lose("b");
  sched.run();
  BOOST_REQUIRE_EQUAL(in->downs.size(), 1u);
  BOOST_TEST(in->downs[0] == text(caf::exit_reason::remote_link_unreachable));
  BOOST_TEST(net->down("b"));
  BOOST_TEST(!net->view("a", server));
  // The request to a dead proxy is answered at once, not left to time out.
  ask(p, "lost");
  sched.run();
  BOOST_REQUIRE_EQUAL(in->got.size(), 1u);
  BOOST_TEST(in->got[0].rfind("error: ", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
